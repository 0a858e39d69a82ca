import AWSShapes
@testable import CloudWatchAlarms
import CloudWatchMetrics
import Foundation
import Storage
import StorageSQLite
import Synchronization
import Testing
import TrailwatchCore

/// What the evaluation job published.
final class Published: Sendable {
    let messages = Mutex<[(topic: String, subject: String, message: String)]>([])
}

@Suite("Alarm evaluation on the manual clock")
struct AlarmEvaluationTests {
    // 20 s past a minute: the 10 s period [20, 30) is open.
    let clock = ManualClock(Date(timeIntervalSince1970: 1_790_000_000))
    let ctx = CallContext(requestID: "r", identity: .root(accountId: "123456789012", accessKeyId: "k"), region: "us-east-1",
                          receivedAt: Date(timeIntervalSince1970: 1_790_000_000))
    static let topic = "arn:aws:sns:us-east-1:123456789012:ops"

    func put(_ metrics: MetricsService, _ value: Double) async throws {
        _ = try await metrics.putMetricData(CloudWatch.PutMetricDataInput(namespace: "App", metricData: [
            CloudWatch.MetricDatum(metricName: "Latency", dimensions: [CloudWatch.Dimension(name: "InstanceId", value: "abc")],
                                   timestamp: clock.now(), value: value, unit: "Seconds", storageResolution: 1),
        ]), ctx)
    }

    @Test("a breach moves the alarm to ALARM once its period has closed, writes history and notifies its topic")
    func breach() async throws {
        let backend = try SQLiteBackend(location: .memory, clock: clock)
        let published = Published()
        let alarms = AlarmService(resources: backend.resources, tags: backend.tags, clock: clock,
                                  notify: { t, s, m in published.messages.withLock { $0.append((t, s, m)) } })
        let metrics = MetricsService(store: backend.metrics, clock: clock)
        let evaluation = AlarmEvaluation(alarms: alarms, metricData: MetricDataService(store: backend.metrics, clock: clock))
        _ = try await alarms.putMetricAlarm(CloudWatch.PutMetricAlarmInput(
            alarmName: "hot", alarmDescription: "testing", alarmActions: [Self.topic], metricName: "Latency", namespace: "App",
            statistic: "Average", dimensions: [CloudWatch.Dimension(name: "InstanceId", value: "abc")], period: 10,
            unit: "Seconds", evaluationPeriods: 1, threshold: 2, comparisonOperator: "GreaterThanThreshold"), ctx)
        try await put(metrics, 21.5)
        try await evaluation.round()
        // The datapoint's period is still open: nothing is decided from it yet.
        var alarm = try #require(try await alarms.load("hot", ctx.scope))
        #expect(alarm.stateValue == "INSUFFICIENT_DATA")
        #expect(published.messages.withLock { $0.isEmpty })

        clock.advance(by: 10)
        try await evaluation.round()
        alarm = try #require(try await alarms.load("hot", ctx.scope))
        #expect(alarm.stateValue == "ALARM")
        #expect(alarm.stateReason == "Threshold Crossed: 1 datapoint [21.5 (21/09/26 14:13:20)] was greater than the threshold (2.0).")
        let sent = published.messages.withLock { $0 }
        try #require(sent.count == 1)
        #expect(sent[0].topic == Self.topic)
        #expect(sent[0].subject == "ALARM: \"hot\" in US East (N. Virginia)")
        let message = try JSONReader.parse(Array(sent[0].message.utf8))
        #expect(message["NewStateValue"]?.stringValue == "ALARM")
        #expect(message["OldStateValue"]?.stringValue == "INSUFFICIENT_DATA")
        #expect(message["AlarmArn"]?.stringValue == "arn:aws:cloudwatch:us-east-1:123456789012:alarm:hot")
        #expect(message["Trigger"]?["Statistic"]?.stringValue == "AVERAGE")
        let history = try await alarms.describeAlarmHistory(CloudWatch.DescribeAlarmHistoryInput(alarmName: "hot"), ctx)
        #expect(history.alarmHistoryItems?.map(\.historyItemType) == ["Action", "StateUpdate", "ConfigurationUpdate"])

        // The same state again changes nothing and sends nothing.
        clock.advance(by: 10)
        try await put(metrics, 30)
        clock.advance(by: 10)
        try await evaluation.round()
        #expect(published.messages.withLock { $0.count } == 1)
    }

    @Test("disabled actions change the state without notifying")
    func disabled() async throws {
        let backend = try SQLiteBackend(location: .memory, clock: clock)
        let published = Published()
        let alarms = AlarmService(resources: backend.resources, tags: backend.tags, clock: clock,
                                  notify: { t, s, m in published.messages.withLock { $0.append((t, s, m)) } })
        let evaluation = AlarmEvaluation(alarms: alarms, metricData: MetricDataService(store: backend.metrics, clock: clock))
        _ = try await alarms.putMetricAlarm(CloudWatch.PutMetricAlarmInput(
            alarmName: "quiet", actionsEnabled: false, alarmActions: [Self.topic], metricName: "Latency", namespace: "App",
            statistic: "Average", period: 60, evaluationPeriods: 2, threshold: 2, comparisonOperator: "GreaterThanThreshold",
            treatMissingData: "breaching"), ctx)
        clock.advance(by: 60)
        try await evaluation.round()
        #expect(try await alarms.load("quiet", ctx.scope)?.stateValue == "ALARM")
        #expect(published.messages.withLock { $0.isEmpty })
    }
}
