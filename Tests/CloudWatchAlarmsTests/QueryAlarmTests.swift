import AWSShapes
@testable import CloudWatchAlarms
import CloudWatchMetrics
import Foundation
import Storage
import StorageSQLite
import Synchronization
import Testing
import TrailwatchCore

/// Alarms whose value comes from the GetMetricData engine: metric math and a Metrics
/// Insights query, evaluated on the manual clock.
@Suite("Alarms on metric math and Metrics Insights")
struct QueryAlarmTests {
    let clock = ManualClock(Date(timeIntervalSince1970: 1_790_000_000))
    var ctx: CallContext {
        CallContext(requestID: "r", identity: .root(accountId: "123456789012", accessKeyId: "k"), region: "us-east-1", receivedAt: clock.now())
    }

    func put(_ metrics: MetricsService, host: String, errors: Double, requests: Double) async throws {
        _ = try await metrics.putMetricData(CloudWatch.PutMetricDataInput(namespace: "Web", metricData: [
            CloudWatch.MetricDatum(metricName: "Errors", dimensions: [CloudWatch.Dimension(name: "Host", value: host)], timestamp: clock.now(), value: errors),
            CloudWatch.MetricDatum(metricName: "Requests", dimensions: [CloudWatch.Dimension(name: "Host", value: host)], timestamp: clock.now(), value: requests),
        ]), ctx)
    }

    @Test("an error-rate alarm (metric math) and a Metrics Insights alarm move with the data")
    func mathAndInsights() async throws {
        let backend = try SQLiteBackend(location: .memory, clock: clock)
        let metrics = MetricsService(store: backend.metrics, clock: clock)
        let alarms = AlarmService(resources: backend.resources, tags: backend.tags, clock: clock)
        let evaluation = AlarmEvaluation(alarms: alarms, metricData: MetricDataService(store: backend.metrics, clock: clock))
        func stat(_ id: String, _ name: String) -> CloudWatch.MetricDataQuery {
            CloudWatch.MetricDataQuery(id: id, metricStat: CloudWatch.MetricStat(
                metric: CloudWatch.Metric(namespace: "Web", metricName: name, dimensions: [CloudWatch.Dimension(name: "Host", value: "a")]),
                period: 60, stat: "Sum"), returnData: false)
        }
        _ = try await alarms.putMetricAlarm(CloudWatch.PutMetricAlarmInput(
            alarmName: "error-rate", evaluationPeriods: 1, threshold: 10, comparisonOperator: "GreaterThanThreshold",
            metrics: [stat("e", "Errors"), stat("r", "Requests"),
                      CloudWatch.MetricDataQuery(id: "rate", expression: "100 * e / r", label: "Error rate")]), ctx)
        _ = try await alarms.putMetricAlarm(CloudWatch.PutMetricAlarmInput(
            alarmName: "errors-across-hosts", evaluationPeriods: 1, threshold: 50, comparisonOperator: "GreaterThanThreshold",
            metrics: [CloudWatch.MetricDataQuery(id: "q", expression: #"SELECT SUM(Errors) FROM SCHEMA("Web", Host)"#, period: 60)]), ctx)

        try await put(metrics, host: "a", errors: 1, requests: 100)
        try await put(metrics, host: "b", errors: 2, requests: 100)
        clock.advance(by: 60)
        try await evaluation.round()
        #expect(try await alarms.load("error-rate", ctx.scope)?.stateValue == "OK")
        #expect(try await alarms.load("errors-across-hosts", ctx.scope)?.stateValue == "OK")

        try await put(metrics, host: "a", errors: 30, requests: 100)
        try await put(metrics, host: "b", errors: 40, requests: 100)
        clock.advance(by: 60)
        try await evaluation.round()
        let rate = try #require(try await alarms.load("error-rate", ctx.scope))
        #expect(rate.stateValue == "ALARM")
        #expect(rate.stateReason.hasPrefix("Threshold Crossed: 1 datapoint [30.0 ("), "\(rate.stateReason)")
        let across = try #require(try await alarms.load("errors-across-hosts", ctx.scope))
        #expect(across.stateValue == "ALARM")
        #expect(across.stateReason.hasPrefix("Threshold Crossed: 1 datapoint [70.0 ("), "\(across.stateReason)")
    }

    @Test("a GROUP BY alarm evaluates each host as a contributor, notifies per contributor and lists the ones in ALARM")
    func multiTimeSeries() async throws {
        let backend = try SQLiteBackend(location: .memory, clock: clock)
        let published = Published()
        let topic = "arn:aws:sns:us-east-1:123456789012:ops"
        let metrics = MetricsService(store: backend.metrics, clock: clock)
        let alarms = AlarmService(resources: backend.resources, tags: backend.tags, clock: clock,
                                  notify: { t, s, m in published.messages.withLock { $0.append((t, s, m)) } })
        let evaluation = AlarmEvaluation(alarms: alarms, metricData: MetricDataService(store: backend.metrics, clock: clock))
        _ = try await alarms.putMetricAlarm(CloudWatch.PutMetricAlarmInput(
            alarmName: "errors-per-host", alarmActions: [topic], evaluationPeriods: 1, threshold: 25, comparisonOperator: "GreaterThanThreshold",
            metrics: [CloudWatch.MetricDataQuery(id: "q", expression: #"SELECT MAX(Errors) FROM SCHEMA("Web", Host) GROUP BY Host"#, period: 60)]), ctx)

        try await put(metrics, host: "a", errors: 1, requests: 100)
        try await put(metrics, host: "b", errors: 2, requests: 100)
        clock.advance(by: 60)
        try await evaluation.round()
        var alarm = try #require(try await alarms.load("errors-per-host", ctx.scope))
        #expect(alarm.stateValue == "OK")
        #expect(alarm.contributors?.map(\.attributes) == [["Host": "a"], ["Host": "b"]])
        #expect(alarm.contributors?.allSatisfy { $0.stateValue == "OK" } == true)
        #expect(try await alarms.describeAlarmContributors(CloudWatch.DescribeAlarmContributorsInput(alarmName: "errors-per-host"), ctx)
            .alarmContributors.isEmpty)
        #expect(published.messages.withLock { $0.isEmpty })

        // Host a breaches, host b does not: one contributor in ALARM, one notification about it.
        try await put(metrics, host: "a", errors: 30, requests: 100)
        try await put(metrics, host: "b", errors: 2, requests: 100)
        clock.advance(by: 60)
        try await evaluation.round()
        alarm = try #require(try await alarms.load("errors-per-host", ctx.scope))
        #expect(alarm.stateValue == "ALARM")
        let listed = try await alarms.describeAlarmContributors(CloudWatch.DescribeAlarmContributorsInput(alarmName: "errors-per-host"), ctx)
            .alarmContributors
        #expect(listed.map(\.contributorAttributes) == [["Host": "a"]])
        let a = try #require(listed.first)
        #expect(a.contributorId.count == 16 && a.contributorId == AlarmContributorRecord.id(for: ["Host": "a"]))
        #expect(a.stateReason.hasPrefix("Threshold Crossed: 1 datapoint [30.0 ("), "\(a.stateReason)")
        let sent = published.messages.withLock { $0 }
        #expect(sent.count == 1)
        #expect(sent.first?.1 == #"ALARM: "errors-per-host" in US East (N. Virginia)"#)
        #expect(sent.first?.2.contains(#""AlarmContributorAttributes":{"Host":"a"}"#) == true, "\(sent.first?.2 ?? "")")

        // The history: the contributor's own items, filterable by its id.
        let history = try await alarms.describeAlarmHistory(CloudWatch.DescribeAlarmHistoryInput(
            alarmName: "errors-per-host", alarmContributorId: a.contributorId, scanBy: "TimestampAscending"), ctx).alarmHistoryItems ?? []
        #expect(history.map { $0.historyItemType ?? "" } == ["AlarmContributorStateUpdate", "AlarmContributorStateUpdate", "AlarmContributorAction"])
        #expect(history.allSatisfy { $0.alarmContributorAttributes == ["Host": "a"] })
        let states = try await alarms.describeAlarmHistory(CloudWatch.DescribeAlarmHistoryInput(
            alarmName: "errors-per-host", historyItemType: "StateUpdate"), ctx).alarmHistoryItems ?? []
        #expect(states.map { $0.historySummary ?? "" } == ["Alarm updated from OK to ALARM", "Alarm updated from INSUFFICIENT_DATA to OK"])

        // Host a recovers: its OK notification (no OK actions: none), the alarm back to OK.
        try await put(metrics, host: "a", errors: 3, requests: 100)
        try await put(metrics, host: "b", errors: 2, requests: 100)
        clock.advance(by: 60)
        try await evaluation.round()
        #expect(try await alarms.load("errors-per-host", ctx.scope)?.stateValue == "OK")
        #expect(try await alarms.describeAlarmContributors(CloudWatch.DescribeAlarmContributorsInput(alarmName: "errors-per-host"), ctx)
            .alarmContributors.isEmpty)

        // Host b stops reporting: it stays OK while its last datapoint is inside the evaluation
        // range (N + 2 periods), then is INSUFFICIENT_DATA and leaves the contributors.
        for _ in 0..<3 {
            #expect(try await alarms.load("errors-per-host", ctx.scope)?.contributors?.count == 2)
            try await put(metrics, host: "a", errors: 3, requests: 100)
            clock.advance(by: 60)
            try await evaluation.round()
        }
        alarm = try #require(try await alarms.load("errors-per-host", ctx.scope))
        #expect(alarm.stateValue == "OK")
        #expect(alarm.contributors?.map(\.attributes) == [["Host": "a"]])
    }
}
