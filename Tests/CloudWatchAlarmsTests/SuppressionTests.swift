import AWSShapes
@testable import CloudWatchAlarms
import CloudWatchMetrics
import Foundation
import Storage
import StorageSQLite
import Synchronization
import Testing
import TrailwatchCore

/// The composite actions suppressor on the manual clock: WaitPeriod, Alarm, ExtensionPeriod.
@Suite("Composite alarms: the actions suppressor")
struct SuppressionTests {
    let clock = ManualClock(Date(timeIntervalSince1970: 1_790_000_000))
    var ctx: CallContext {
        CallContext(requestID: "r", identity: .root(accountId: "123456789012", accessKeyId: "k"), region: "us-east-1", receivedAt: clock.now())
    }
    static let topic = "arn:aws:sns:us-east-1:123456789012:ops"

    func setUp() async throws -> (AlarmService, AlarmEvaluation, Published) {
        let backend = try SQLiteBackend(location: .memory, clock: clock)
        let published = Published()
        let alarms = AlarmService(resources: backend.resources, tags: backend.tags, clock: clock,
                                  notify: { t, s, m in published.messages.withLock { $0.append((t, s, m)) } })
        let evaluation = AlarmEvaluation(alarms: alarms, metricData: MetricDataService(store: backend.metrics, clock: clock))
        // Children without data keep the state they are set to ("ignore").
        for name in ["cpu", "maintenance"] {
            _ = try await alarms.putMetricAlarm(CloudWatch.PutMetricAlarmInput(
                alarmName: name, metricName: name, namespace: "App", statistic: "Average", period: 60, evaluationPeriods: 1,
                threshold: 1, comparisonOperator: "GreaterThanThreshold", treatMissingData: "ignore"), ctx)
        }
        _ = try await alarms.putCompositeAlarm(CloudWatch.PutCompositeAlarmInput(
            alarmActions: [Self.topic], alarmName: "service", alarmRule: "ALARM(cpu)", actionsSuppressor: "maintenance",
            actionsSuppressorWaitPeriod: 120, actionsSuppressorExtensionPeriod: 180), ctx)
        return (alarms, evaluation, published)
    }

    func set(_ alarms: AlarmService, _ name: String, _ value: String) async throws {
        _ = try await alarms.setAlarmState(CloudWatch.SetAlarmStateInput(alarmName: name, stateValue: value, stateReason: "test"), ctx)
    }

    func service(_ alarms: AlarmService) async throws -> CloudWatch.CompositeAlarm {
        try #require(try await alarms.describeAlarms(CloudWatch.DescribeAlarmsInput(alarmNames: ["service"], alarmTypes: ["CompositeAlarm"]), ctx)
            .compositeAlarms?.first)
    }

    @Test("ALARM actions wait for the suppressor up to WaitPeriod, then run")
    func waitPeriod() async throws {
        let (alarms, evaluation, published) = try await setUp()
        try await set(alarms, "cpu", "ALARM")
        var s = try await service(alarms)
        #expect(s.stateValue == "ALARM" && s.actionsSuppressedBy == "WaitPeriod")
        #expect(s.actionsSuppressedReason == "Actions suppressed by WaitPeriod")
        clock.advance(by: 60)
        try await evaluation.round()
        #expect(published.messages.withLock { $0.isEmpty })
        clock.advance(by: 70)
        try await evaluation.round()
        s = try await service(alarms)
        #expect(s.actionsSuppressedBy == nil && s.actionsSuppressedReason == nil)
        #expect(published.messages.withLock { $0.map(\.subject) } == [#"ALARM: "service" in US East (N. Virginia)"#])
        let actions = try await alarms.describeAlarmHistory(CloudWatch.DescribeAlarmHistoryInput(alarmName: "service", historyItemType: "Action"), ctx)
        #expect(actions.alarmHistoryItems?.count == 1)
    }

    @Test("a suppressor in ALARM holds the actions, and ExtensionPeriod after it leaves ALARM")
    func alarmThenExtension() async throws {
        let (alarms, evaluation, published) = try await setUp()
        try await set(alarms, "maintenance", "ALARM")
        try await set(alarms, "cpu", "ALARM")
        #expect(try await service(alarms).actionsSuppressedBy == "Alarm")
        clock.advance(by: 600)
        try await evaluation.round()
        #expect(try await service(alarms).actionsSuppressedBy == "Alarm")
        try await set(alarms, "maintenance", "OK")
        try await evaluation.round()
        #expect(try await service(alarms).actionsSuppressedBy == "ExtensionPeriod")
        clock.advance(by: 100)
        try await evaluation.round()
        #expect(published.messages.withLock { $0.isEmpty })
        clock.advance(by: 100)
        try await evaluation.round()
        #expect(try await service(alarms).actionsSuppressedBy == nil)
        #expect(published.messages.withLock { $0.count } == 1)
    }

    @Test("the composite leaving ALARM while held ends the suppression without running the ALARM actions")
    func leaves() async throws {
        let (alarms, evaluation, published) = try await setUp()
        try await set(alarms, "cpu", "ALARM")
        try await set(alarms, "cpu", "OK")
        let s = try await service(alarms)
        #expect(s.stateValue == "OK" && s.actionsSuppressedBy == nil)
        clock.advance(by: 300)
        try await evaluation.round()
        #expect(published.messages.withLock { $0.isEmpty })
    }
}

@Suite("DeleteAlarms and composite alarms")
struct DeleteCompositeTests {
    let clock = ManualClock(Date(timeIntervalSince1970: 1_790_000_000))
    let ctx = CallContext(requestID: "r", identity: .root(accountId: "123456789012", accessKeyId: "k"), region: "us-east-1",
                          receivedAt: Date(timeIntervalSince1970: 1_790_000_000))

    @Test("an alarm a composite depends on is kept, one composite a call, a cycle cannot be deleted until broken")
    func refusals() async throws {
        let store = try SQLiteResourceStore(try SQLiteDatabase(location: .memory))
        let s = AlarmService(resources: store, tags: store, clock: clock)
        _ = try await s.putMetricAlarm(CloudWatch.PutMetricAlarmInput(
            alarmName: "cpu", metricName: "cpu", namespace: "App", statistic: "Average", period: 60, evaluationPeriods: 1,
            threshold: 1, comparisonOperator: "GreaterThanThreshold"), ctx)
        _ = try await s.putCompositeAlarm(CloudWatch.PutCompositeAlarmInput(alarmName: "a", alarmRule: "ALARM(cpu)"), ctx)
        _ = try await s.putCompositeAlarm(CloudWatch.PutCompositeAlarmInput(alarmName: "b", alarmRule: "ALARM(a)"), ctx)
        _ = try await s.putCompositeAlarm(CloudWatch.PutCompositeAlarmInput(alarmName: "a", alarmRule: "ALARM(cpu) OR ALARM(b)"), ctx)
        func refused(_ names: [String]) async -> Bool {
            do { _ = try await s.deleteAlarms(CloudWatch.DeleteAlarmsInput(alarmNames: names), ctx); return false } catch { return true }
        }
        // A metric alarm cannot take a composite alarm's name.
        await #expect(throws: AWSError.self) {
            try await s.putMetricAlarm(CloudWatch.PutMetricAlarmInput(
                alarmName: "a", metricName: "cpu", namespace: "App", statistic: "Average", period: 60, evaluationPeriods: 1,
                threshold: 1, comparisonOperator: "GreaterThanThreshold"), ctx)
        }
        #expect(await refused(["cpu"]))
        #expect(await refused(["a", "b"]))
        #expect(await refused(["a"]))
        #expect(await refused(["b"]))
        // Nothing was deleted by the refused calls.
        let kept = try await s.all(ctx.scope).map(\.name)
        #expect(kept.sorted() == ["a", "b", "cpu"])
        // Breaking the cycle lets them go, a composite at a time, parents first.
        _ = try await s.putCompositeAlarm(CloudWatch.PutCompositeAlarmInput(alarmName: "a", alarmRule: "FALSE"), ctx)
        _ = try await s.deleteAlarms(CloudWatch.DeleteAlarmsInput(alarmNames: ["b", "missing"]), ctx)
        _ = try await s.deleteAlarms(CloudWatch.DeleteAlarmsInput(alarmNames: ["a", "cpu"]), ctx)
        #expect(try await s.all(ctx.scope).isEmpty)
    }
}
