import AWSShapes
@testable import CloudWatchAlarms
import Foundation
import Storage
import StorageSQLite
import Testing
import TrailwatchCore

@Suite("Alarm service")
struct AlarmServiceTests {
    let clock = ManualClock(Date(timeIntervalSince1970: 1_790_000_000))

    func service() throws -> AlarmService {
        let store = try SQLiteResourceStore(try SQLiteDatabase(location: .memory))
        return AlarmService(resources: store, tags: store, clock: clock)
    }

    static let ctx = CallContext(requestID: "r", identity: .root(accountId: "123456789012", accessKeyId: "k"), region: "us-east-1",
                                 receivedAt: Date(timeIntervalSince1970: 1_790_000_000))

    func alarm(_ name: String, n: Int = 3, m: Int? = nil) -> CloudWatch.PutMetricAlarmInput {
        CloudWatch.PutMetricAlarmInput(alarmName: name, metricName: "Latency", namespace: "App", statistic: "Average",
                                       period: 60, evaluationPeriods: n, datapointsToAlarm: m, threshold: 21,
                                       comparisonOperator: "GreaterThanThreshold")
    }

    @Test("a new alarm starts INSUFFICIENT_DATA, unchecked; an update keeps its state")
    func create() async throws {
        let s = try service()
        _ = try await s.putMetricAlarm(alarm("a"), Self.ctx)
        var got = try await s.describeAlarms(CloudWatch.DescribeAlarmsInput(), Self.ctx).metricAlarms ?? []
        #expect(got.map(\.alarmName) == ["a"])
        #expect(got.first?.stateValue == "INSUFFICIENT_DATA")
        #expect(got.first?.stateReason == "Unchecked: Initial alarm creation")
        #expect(got.first?.alarmArn == "arn:aws:cloudwatch:us-east-1:123456789012:alarm:a")
        _ = try await s.setAlarmState(CloudWatch.SetAlarmStateInput(alarmName: "a", stateValue: "ALARM", stateReason: "testing"), Self.ctx)
        _ = try await s.putMetricAlarm(alarm("a", n: 5), Self.ctx)
        got = try await s.describeAlarms(CloudWatch.DescribeAlarmsInput(alarmNames: ["a"]), Self.ctx).metricAlarms ?? []
        #expect(got.first?.stateValue == "ALARM")
        #expect(got.first?.stateReason == "testing")
        #expect(got.first?.evaluationPeriods == 5)
        let history = try await s.describeAlarmHistory(CloudWatch.DescribeAlarmHistoryInput(alarmName: "a", historyItemType: "StateUpdate"), Self.ctx)
        #expect(history.alarmHistoryItems?.map(\.historySummary) == ["Alarm updated from INSUFFICIENT_DATA to ALARM"])
    }

    @Test("PutMetricAlarm refuses what AWS refuses")
    func validation() async throws {
        let s = try service()
        var bad = alarm("b")
        bad.period = 45
        await #expect(throws: AWSError.self) { _ = try await s.putMetricAlarm(bad, Self.ctx) }
        bad = alarm("b", n: 2, m: 3)
        await #expect(throws: AWSError.self) { _ = try await s.putMetricAlarm(bad, Self.ctx) }
        bad = alarm("b", n: 1441)
        await #expect(throws: AWSError.self) { _ = try await s.putMetricAlarm(bad, Self.ctx) }
        bad = alarm("b")
        bad.extendedStatistic = "p99"
        await #expect(throws: AWSError.self) { _ = try await s.putMetricAlarm(bad, Self.ctx) }
        bad = alarm("b")
        bad.threshold = nil
        await #expect(throws: AWSError.self) { _ = try await s.putMetricAlarm(bad, Self.ctx) }
        let none = try await s.describeAlarms(CloudWatch.DescribeAlarmsInput(), Self.ctx).metricAlarms ?? []
        #expect(none.isEmpty)
    }

    @Test("DescribeAlarms filters by prefix, state and action prefix, and pages")
    func describe() async throws {
        let s = try service()
        for i in 0..<5 {
            var a = alarm("web-\(i)")
            if i == 2 { a.alarmActions = ["arn:aws:sns:us-east-1:123456789012:ops"] }
            _ = try await s.putMetricAlarm(a, Self.ctx)
        }
        _ = try await s.putMetricAlarm(alarm("db-0"), Self.ctx)
        _ = try await s.setAlarmState(CloudWatch.SetAlarmStateInput(alarmName: "web-3", stateValue: "OK", stateReason: "x"), Self.ctx)
        let web = try await s.describeAlarms(CloudWatch.DescribeAlarmsInput(alarmNamePrefix: "web-"), Self.ctx)
        #expect(web.metricAlarms?.count == 5)
        let ok = try await s.describeAlarms(CloudWatch.DescribeAlarmsInput(stateValue: "OK"), Self.ctx)
        #expect(ok.metricAlarms?.map(\.alarmName) == ["web-3"])
        let ops = try await s.describeAlarms(CloudWatch.DescribeAlarmsInput(actionPrefix: "arn:aws:sns:us-east-1:123456789012:o"), Self.ctx)
        #expect(ops.metricAlarms?.map(\.alarmName) == ["web-2"])
        var names: [String] = []
        var token: String?
        repeat {
            let page = try await s.describeAlarms(CloudWatch.DescribeAlarmsInput(maxRecords: 4, nextToken: token), Self.ctx)
            names += page.metricAlarms?.compactMap(\.alarmName) ?? []
            token = page.nextToken
        } while token != nil
        #expect(names == ["db-0", "web-0", "web-1", "web-2", "web-3", "web-4"])
        _ = try await s.deleteAlarms(CloudWatch.DeleteAlarmsInput(alarmNames: ["web-0", "nope"]), Self.ctx)
        #expect(try await s.describeAlarms(CloudWatch.DescribeAlarmsInput(), Self.ctx).metricAlarms?.count == 5)
        await #expect(throws: AWSError.self) {
            _ = try await s.setAlarmState(CloudWatch.SetAlarmStateInput(alarmName: "web-0", stateValue: "OK", stateReason: "x"), Self.ctx)
        }
    }
}
