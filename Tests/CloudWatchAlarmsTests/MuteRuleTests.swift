import AWSShapes
@testable import CloudWatchAlarms
import Foundation
import Storage
import StorageSQLite
import Synchronization
import Testing
import TrailwatchCore

/// Alarm mute rules on the manual clock: the API, and an ACTIVE rule muting an alarm's actions.
@Suite("Alarm mute rules")
struct MuteRuleTests {
    // 2026-09-21 14:13:20 UTC, a Monday.
    let clock = ManualClock(Date(timeIntervalSince1970: 1_790_000_000))
    var ctx: CallContext {
        CallContext(requestID: "r", identity: .root(accountId: "123456789012", accessKeyId: "k"), region: "us-east-1", receivedAt: clock.now())
    }
    static let topic = "arn:aws:sns:us-east-1:123456789012:ops"

    func setUp(_ published: Published) async throws -> AlarmService {
        let store = try SQLiteResourceStore(try SQLiteDatabase(location: .memory))
        let alarms = AlarmService(resources: store, tags: store, clock: clock,
                                  notify: { t, s, m in published.messages.withLock { $0.append((t, s, m)) } })
        _ = try await alarms.putMetricAlarm(CloudWatch.PutMetricAlarmInput(
            alarmName: "cpu", okActions: [Self.topic], alarmActions: [Self.topic], metricName: "cpu", namespace: "App",
            statistic: "Average", period: 60, evaluationPeriods: 1, threshold: 1, comparisonOperator: "GreaterThanThreshold"), ctx)
        return alarms
    }

    func set(_ alarms: AlarmService, _ value: String) async throws {
        _ = try await alarms.setAlarmState(CloudWatch.SetAlarmStateInput(alarmName: "cpu", stateValue: value, stateReason: "test"), ctx)
    }

    @Test("an ACTIVE rule mutes the alarm's actions; the alarm still changes state; after the window they run")
    func mutes() async throws {
        let published = Published()
        let alarms = try await setUp(published)
        // Every day from 14:00 UTC for two hours: active now.
        _ = try await alarms.putAlarmMuteRule(CloudWatch.PutAlarmMuteRuleInput(
            name: "maintenance", description: "daily window",
            rule: CloudWatch.Rule(schedule: CloudWatch.Schedule(expression: "cron(0 14 * * *)", duration: "PT2H")),
            muteTargets: CloudWatch.MuteTargets(alarmNames: ["cpu"])), ctx)
        let got = try await alarms.getAlarmMuteRule(CloudWatch.GetAlarmMuteRuleInput(alarmMuteRuleName: "maintenance"), ctx)
        #expect(got.status == "ACTIVE" && got.muteType == "RECURRING")
        #expect(got.alarmMuteRuleArn == "arn:aws:cloudwatch:us-east-1:123456789012:alarm-mute-rule:maintenance")
        #expect(got.rule?.schedule.expression == "cron(0 14 * * *)" && got.muteTargets?.alarmNames == ["cpu"])

        try await set(alarms, "ALARM")
        #expect(try await alarms.load("cpu", ctx.scope)?.stateValue == "ALARM")
        #expect(published.messages.withLock { $0.isEmpty })

        // 16:13: the window is over; the next change notifies.
        clock.advance(by: 2 * 3600)
        #expect(try await alarms.getAlarmMuteRule(CloudWatch.GetAlarmMuteRuleInput(alarmMuteRuleName: "maintenance"), ctx).status == "SCHEDULED")
        try await set(alarms, "OK")
        #expect(published.messages.withLock { $0.map(\.subject) } == [#"OK: "cpu" in US East (N. Virginia)"#])
    }

    @Test("list filters by alarm and status and pages; a one-time rule expires; delete is idempotent; the refusals")
    func api() async throws {
        let alarms = try await setUp(Published())
        func put(_ name: String, _ expression: String, targets: [String] = ["cpu"], expire: Date? = nil) async throws {
            _ = try await alarms.putAlarmMuteRule(CloudWatch.PutAlarmMuteRuleInput(
                name: name, rule: CloudWatch.Rule(schedule: CloudWatch.Schedule(expression: expression, duration: "PT1H", timezone: "Europe/Berlin")),
                muteTargets: CloudWatch.MuteTargets(alarmNames: targets), expireDate: expire), ctx)
        }
        try await put("once-past", "at(2026-09-01T10:00)")
        try await put("once-future", "at(2026-12-24T18:00)", targets: [])
        try await put("nightly", "cron(0 2 * * *)", expire: Date(timeIntervalSince1970: 1_789_000_000))
        let all = try await alarms.listAlarmMuteRules(CloudWatch.ListAlarmMuteRulesInput(), ctx).alarmMuteRuleSummaries ?? []
        #expect(all.map(\.status) == ["EXPIRED", "SCHEDULED", "EXPIRED"])
        #expect(all.map(\.muteType) == ["RECURRING", "ONE_TIME", "ONE_TIME"])
        let forCPU = try await alarms.listAlarmMuteRules(CloudWatch.ListAlarmMuteRulesInput(alarmName: "cpu"), ctx)
        #expect(forCPU.alarmMuteRuleSummaries?.count == 2)
        let scheduled = try await alarms.listAlarmMuteRules(CloudWatch.ListAlarmMuteRulesInput(statuses: ["SCHEDULED"]), ctx)
        #expect(scheduled.alarmMuteRuleSummaries?.map(\.alarmMuteRuleArn) == ["arn:aws:cloudwatch:us-east-1:123456789012:alarm-mute-rule:once-future"])
        let page = try await alarms.listAlarmMuteRules(CloudWatch.ListAlarmMuteRulesInput(maxRecords: 2), ctx)
        #expect(page.alarmMuteRuleSummaries?.count == 2)
        let rest = try await alarms.listAlarmMuteRules(CloudWatch.ListAlarmMuteRulesInput(maxRecords: 2, nextToken: page.nextToken), ctx)
        #expect(rest.alarmMuteRuleSummaries?.count == 1 && rest.nextToken == nil)

        for (expression, duration) in [("cron(0 25 * * *)", "PT1H"), ("every day", "PT1H"), ("cron(0 2 * * *)", "PT30S"), ("cron(0 2 * * *)", "P16D")] {
            await #expect(throws: AWSError.self) {
                try await alarms.putAlarmMuteRule(CloudWatch.PutAlarmMuteRuleInput(
                    name: "bad", rule: CloudWatch.Rule(schedule: CloudWatch.Schedule(expression: expression, duration: duration))), ctx)
            }
        }
        await #expect(throws: AWSError.self) {
            try await alarms.listAlarmMuteRules(CloudWatch.ListAlarmMuteRulesInput(alarmName: "no-such-alarm"), ctx)
        }
        await #expect(throws: AWSError.self) {
            try await alarms.getAlarmMuteRule(CloudWatch.GetAlarmMuteRuleInput(alarmMuteRuleName: "bad"), ctx)
        }
        _ = try await alarms.deleteAlarmMuteRule(CloudWatch.DeleteAlarmMuteRuleInput(alarmMuteRuleName: "nightly"), ctx)
        _ = try await alarms.deleteAlarmMuteRule(CloudWatch.DeleteAlarmMuteRuleInput(alarmMuteRuleName: "nightly"), ctx)
        #expect(try await alarms.listAlarmMuteRules(CloudWatch.ListAlarmMuteRulesInput(), ctx).alarmMuteRuleSummaries?.count == 2)
    }
}
