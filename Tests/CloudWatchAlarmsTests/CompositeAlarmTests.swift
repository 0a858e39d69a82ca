import AWSShapes
@testable import CloudWatchAlarms
import Foundation
import Storage
import StorageSQLite
import Synchronization
import Testing
import TrailwatchCore

@Suite("Composite alarms")
struct CompositeAlarmTests {
    let clock = ManualClock(Date(timeIntervalSince1970: 1_790_000_000))
    let ctx = CallContext(requestID: "r", identity: .root(accountId: "123456789012", accessKeyId: "k"), region: "us-east-1",
                          receivedAt: Date(timeIntervalSince1970: 1_790_000_000))

    func service(_ published: Published = Published()) throws -> AlarmService {
        let store = try SQLiteResourceStore(try SQLiteDatabase(location: .memory))
        return AlarmService(resources: store, tags: store, clock: clock,
                            notify: { t, s, m in published.messages.withLock { $0.append((t, s, m)) } })
    }

    func metricAlarm(_ s: AlarmService, _ name: String) async throws {
        _ = try await s.putMetricAlarm(CloudWatch.PutMetricAlarmInput(
            alarmName: name, metricName: "Latency", namespace: "App", statistic: "Average", period: 60,
            evaluationPeriods: 1, threshold: 1, comparisonOperator: "GreaterThanThreshold"), ctx)
    }

    func state(_ s: AlarmService, _ name: String, _ value: String) async throws {
        _ = try await s.setAlarmState(CloudWatch.SetAlarmStateInput(alarmName: name, stateValue: value, stateReason: "test"), ctx)
    }

    func composite(_ s: AlarmService, _ name: String) async throws -> CloudWatch.CompositeAlarm? {
        try await s.describeAlarms(CloudWatch.DescribeAlarmsInput(alarmNames: [name], alarmTypes: ["CompositeAlarm"]), ctx).compositeAlarms?.first
    }

    @Test("a composite alarm is evaluated when stored and follows its children's changes, notifying its actions")
    func follows() async throws {
        let published = Published()
        let s = try service(published)
        try await metricAlarm(s, "cpu")
        try await metricAlarm(s, "disk")
        _ = try await s.putCompositeAlarm(CloudWatch.PutCompositeAlarmInput(
            alarmActions: ["arn:aws:sns:us-east-1:123456789012:ops"], alarmName: "both",
            alarmRule: #"ALARM("cpu") AND ALARM(arn:aws:cloudwatch:us-east-1:123456789012:alarm:disk)"#), ctx)
        // Evaluated at once: the rule is false, so OK (the only INSUFFICIENT_DATA is before that).
        #expect(try await composite(s, "both")?.stateValue == "OK")
        try await state(s, "cpu", "ALARM")
        #expect(try await composite(s, "both")?.stateValue == "OK")
        try await state(s, "disk", "ALARM")
        let both = try #require(try await composite(s, "both"))
        #expect(both.stateValue == "ALARM")
        #expect(both.stateReason?.hasPrefix("arn:aws:cloudwatch:us-east-1:123456789012:alarm:disk transitioned to ALARM at ") == true)
        let sent = published.messages.withLock { $0 }
        #expect(sent.map(\.subject) == [#"ALARM: "both" in US East (N. Virginia)"#])
        #expect(try JSONReader.parse(Array(sent[0].message.utf8))["AlarmRule"]?.stringValue?.contains("ALARM(\"cpu\")") == true)
        try await state(s, "cpu", "OK")
        #expect(try await composite(s, "both")?.stateValue == "OK")
        // Metric alarms only by default; both kinds as children or parents.
        #expect(try await s.describeAlarms(CloudWatch.DescribeAlarmsInput(), ctx).compositeAlarms == [])
        let children = try await s.describeAlarms(CloudWatch.DescribeAlarmsInput(childrenOfAlarmName: "both"), ctx)
        #expect(children.metricAlarms?.compactMap(\.alarmName) == ["cpu", "disk"])
        let parents = try await s.describeAlarms(CloudWatch.DescribeAlarmsInput(parentsOfAlarmName: "cpu"), ctx)
        #expect(parents.compositeAlarms?.compactMap(\.alarmName) == ["both"])
        let history = try await s.describeAlarmHistory(CloudWatch.DescribeAlarmHistoryInput(alarmName: "both", historyItemType: "StateUpdate"), ctx)
        #expect(history.alarmHistoryItems?.compactMap(\.alarmType) == ["CompositeAlarm", "CompositeAlarm", "CompositeAlarm"])
    }

    @Test("a rule that does not parse, or names an alarm that does not exist, is refused")
    func refused() async throws {
        let s = try service()
        try await metricAlarm(s, "cpu")
        for rule in ["ALARM(cpu) AND", "()", #"ALARM("nope")"#] {
            await #expect(throws: AWSError.self) {
                _ = try await s.putCompositeAlarm(CloudWatch.PutCompositeAlarmInput(alarmName: "c", alarmRule: rule), ctx)
            }
        }
        #expect(try await composite(s, "c") == nil)
    }

    @Test("composite alarms in a cycle are stored but not evaluated")
    func cycle() async throws {
        let s = try service()
        try await metricAlarm(s, "cpu")
        _ = try await s.putCompositeAlarm(CloudWatch.PutCompositeAlarmInput(alarmName: "a", alarmRule: "ALARM(cpu)"), ctx)
        _ = try await s.putCompositeAlarm(CloudWatch.PutCompositeAlarmInput(alarmName: "b", alarmRule: "ALARM(a)"), ctx)
        _ = try await s.putCompositeAlarm(CloudWatch.PutCompositeAlarmInput(alarmName: "a", alarmRule: "ALARM(cpu) OR ALARM(b)"), ctx)
        try await state(s, "cpu", "ALARM")
        // a and b now depend on each other: neither follows cpu.
        #expect(try await composite(s, "a")?.stateValue == "OK")
        #expect(try await composite(s, "b")?.stateValue == "OK")
    }
}
