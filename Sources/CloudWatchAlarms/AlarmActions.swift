import AWSWire
import Foundation
public import Storage
import TrailwatchCore

/// What a state change sets off: each action of the new state's list, when the alarm's
/// actions are enabled. SNS topics get AWS's alarm message (published through SNS's durable
/// outbox); actions on services Trailwatch does not host (Auto Scaling, EC2, Lambda, SSM) are
/// recorded as actions that could not run, as AWS records a failed action.
/// How alarm actions reach SNS: `prepare` turns a notification into outbox items (nothing is
/// sent yet), which are committed with the alarm's change of state (`AlarmChange`); `queued`
/// then wakes their delivery.
public struct AlarmNotifier: Sendable {
    public var prepare: @Sendable (_ topicArn: String, _ subject: String, _ message: String) async throws -> [OutboxItem]
    public var queued: @Sendable () -> Void

    public init(prepare: @escaping @Sendable (_ topicArn: String, _ subject: String, _ message: String) async throws -> [OutboxItem],
                queued: @escaping @Sendable () -> Void) {
        self.prepare = prepare
        self.queued = queued
    }
}

/// What one change of an alarm writes, in one commit: the alarm and its history items, and
/// the notifications its actions owe.
struct AlarmChange {
    var records: [ResourceRecord] = []
    var outbox: [OutboxItem] = []

    static func += (a: inout AlarmChange, b: AlarmChange) {
        a.records += b.records
        a.outbox += b.outbox
    }
}

extension AlarmService {
    /// Runs the actions of `alarm`'s new state: their notifications and Action history items.
    func act(_ alarm: AlarmRecord, old: AlarmRecord, scope: ResourceScope, at now: Double) async throws -> AlarmChange {
        try await run(alarm, old: old, scope: scope, at: now, contributor: nil)
    }

    /// The actions of `alarm`'s state (for a contributor's change, `alarm` carries the
    /// contributor's state): notifications, and history items of `Action` type, or
    /// `AlarmContributorAction` for a contributor.
    func run(_ alarm: AlarmRecord, old: AlarmRecord, scope: ResourceScope, at now: Double,
             contributor: AlarmContributorRecord?) async throws -> AlarmChange {
        guard alarm.actionsEnabled else { return AlarmChange() }
        let actions: [String]
        switch alarm.stateValue {
        case "ALARM": actions = alarm.alarmActions
        case "OK": actions = alarm.okActions
        default: actions = alarm.insufficientDataActions
        }
        // An ACTIVE alarm mute rule targeting the alarm mutes all of them.
        if !actions.isEmpty, try await mutingRule(for: alarm.name, scope, at: now) != nil { return AlarmChange() }
        var items: [ResourceRecord] = []
        var outbox: [OutboxItem] = []
        for action in actions {
            var summary: String
            if action.hasPrefix("arn:aws:sns:") || action.hasPrefix("arn:aws-cn:sns:") || action.hasPrefix("arn:aws-us-gov:sns:") {
                do {
                    outbox += try await notifier.prepare(action, Self.subject(alarm, region: scope.region),
                                                         Self.message(alarm, old: old, scope: scope, contributor: contributor))
                    summary = "Successfully executed action \(action)"
                } catch {
                    summary = "Failed to execute action \(action). Received error: \"\(error)\""
                }
            } else {
                summary = "Failed to execute action \(action). Received error: \"Trailwatch does not host the service this action calls.\""
            }
            items.append(try AlarmHistory.item(alarmName: alarm.name, composite: alarm.isComposite, scope: scope,
                                               type: contributor == nil ? "Action" : "AlarmContributorAction", summary: summary, data: nil,
                                               at: now, contributor: contributor))
        }
        return AlarmChange(records: items, outbox: outbox)
    }

    /// `ALARM: "name" in US East (N. Virginia)`, as AWS titles its notifications.
    static func subject(_ alarm: AlarmRecord, region: String) -> String {
        "\(alarm.stateValue): \"\(alarm.name)\" in \(RegionNames.long(region))"
    }

    /// AWS's alarm notification: the alarm, the change and the trigger.
    /// A contributor's notification also names the contributor (`AlarmContributorId`,
    /// `AlarmContributorAttributes`: field names unverified against AWS).
    static func message(_ alarm: AlarmRecord, old: AlarmRecord, scope: ResourceScope, contributor: AlarmContributorRecord? = nil) -> String {
        var w = JSONWriter()
        w.beginObject()
        w.field("AlarmName"); w.string(alarm.name); w.comma()
        w.field("AlarmDescription"); if let d = alarm.description { w.string(d) } else { w.null() }; w.comma()
        w.field("AWSAccountId"); w.string(scope.accountId); w.comma()
        w.field("AlarmConfigurationUpdatedTimestamp"); w.string(date(alarm.configurationUpdated)); w.comma()
        w.field("NewStateValue"); w.string(alarm.stateValue); w.comma()
        w.field("NewStateReason"); w.string(alarm.stateReason); w.comma()
        w.field("StateChangeTime"); w.string(date(alarm.stateUpdated)); w.comma()
        w.field("Region"); w.string(RegionNames.long(scope.region)); w.comma()
        w.field("AlarmArn"); w.string(alarm.arn); w.comma()
        w.field("OldStateValue"); w.string(old.stateValue); w.comma()
        w.field("OKActions"); strings(&w, alarm.okActions); w.comma()
        w.field("AlarmActions"); strings(&w, alarm.alarmActions); w.comma()
        w.field("InsufficientDataActions"); strings(&w, alarm.insufficientDataActions); w.comma()
        if let contributor {
            w.field("AlarmContributorId"); w.string(contributor.id); w.comma()
            w.field("AlarmContributorAttributes"); w.beginObject()
            for (i, (k, v)) in contributor.attributes.sorted(by: { $0.key < $1.key }).enumerated() {
                if i > 0 { w.comma() }
                w.key(k); w.string(v)
            }
            w.endObject(); w.comma()
        }
        if let rule = alarm.alarmRule {
            w.field("AlarmRule"); w.string(rule)
        } else {
            w.field("Trigger"); trigger(&w, alarm)
        }
        w.endObject()
        return String(decoding: w.bytes, as: UTF8.self)
    }

    static func trigger(_ w: inout JSONWriter, _ alarm: AlarmRecord) {
        w.beginObject()
        if alarm.metricsJSON == nil {
            w.field("MetricName"); w.string(alarm.metricName ?? ""); w.comma()
            w.field("Namespace"); w.string(alarm.namespace ?? ""); w.comma()
            if let s = alarm.statistic {
                w.field("StatisticType"); w.string("Statistic"); w.comma()
                w.field("Statistic"); w.string(s.uppercased()); w.comma()
            } else {
                w.field("StatisticType"); w.string("ExtendedStatistic"); w.comma()
                w.field("ExtendedStatistic"); w.string(alarm.extendedStatistic ?? ""); w.comma()
            }
            w.field("Unit"); if let u = alarm.unit { w.string(u) } else { w.null() }; w.comma()
            w.field("Dimensions"); w.beginArray()
            for (i, d) in alarm.dimensions.enumerated() {
                if i > 0 { w.comma() }
                w.beginObject(); w.field("value"); w.string(d.value); w.comma(); w.field("name"); w.string(d.name); w.endObject()
            }
            w.endArray(); w.comma()
            w.field("Period"); w.int(Int64(alarm.period ?? 60)); w.comma()
        } else if let metricsJSON = alarm.metricsJSON {
            w.field("Metrics"); w.rawBytes(Array(metricsJSON.utf8)); w.comma()
        }
        w.field("EvaluationPeriods"); w.int(Int64(alarm.evaluationPeriods)); w.comma()
        if let m = alarm.datapointsToAlarm { w.field("DatapointsToAlarm"); w.int(Int64(m)); w.comma() }
        w.field("ComparisonOperator"); w.string(alarm.comparisonOperator); w.comma()
        if let t = alarm.threshold { w.field("Threshold"); w.double(t); w.comma() }
        if let id = alarm.thresholdMetricId { w.field("ThresholdMetricId"); w.string(id); w.comma() }
        w.field("TreatMissingData"); w.string(alarm.treatMissingData ?? ""); w.comma()
        w.field("EvaluateLowSampleCountPercentile"); w.string(alarm.evaluateLowSampleCountPercentile ?? "")
        w.endObject()
    }

    static func strings(_ w: inout JSONWriter, _ list: [String]) {
        w.beginArray()
        for (i, s) in list.enumerated() {
            if i > 0 { w.comma() }
            w.string(s)
        }
        w.endArray()
    }

    /// `2026-12-01T10:05:12.345+0000`, the date form of AWS's alarm messages.
    static func date(_ t: Double) -> String {
        Timestamps.iso8601(Date(timeIntervalSince1970: t)).replacingOccurrences(of: "Z", with: "+0000")
    }
}

/// Regions' long names, as AWS's alarm notifications print them.
enum RegionNames {
    static let names: [String: String] = [
        "us-east-1": "US East (N. Virginia)", "us-east-2": "US East (Ohio)", "us-west-1": "US West (N. California)",
        "us-west-2": "US West (Oregon)", "af-south-1": "Africa (Cape Town)", "ap-east-1": "Asia Pacific (Hong Kong)",
        "ap-south-1": "Asia Pacific (Mumbai)", "ap-northeast-1": "Asia Pacific (Tokyo)", "ap-northeast-2": "Asia Pacific (Seoul)",
        "ap-northeast-3": "Asia Pacific (Osaka)", "ap-southeast-1": "Asia Pacific (Singapore)", "ap-southeast-2": "Asia Pacific (Sydney)",
        "ca-central-1": "Canada (Central)", "eu-central-1": "EU (Frankfurt)", "eu-west-1": "EU (Ireland)", "eu-west-2": "EU (London)",
        "eu-west-3": "EU (Paris)", "eu-north-1": "EU (Stockholm)", "eu-south-1": "EU (Milan)", "me-south-1": "Middle East (Bahrain)",
        "sa-east-1": "South America (Sao Paulo)",
    ]

    static func long(_ region: String) -> String { names[region] ?? region }
}
