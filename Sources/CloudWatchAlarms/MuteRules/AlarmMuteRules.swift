public import AWSShapes
public import AWSWire
import CloudWatchMetrics
import Foundation
import Storage
public import TrailwatchCore

/// Alarm mute rules: PutAlarmMuteRule, GetAlarmMuteRule, ListAlarmMuteRules and
/// DeleteAlarmMuteRule. A rule mutes the actions of up to 100 alarms during the windows of
/// its schedule (`MuteSchedule`: a cron or at expression, a duration, a time zone), between
/// its optional start and expire dates. The alarms keep evaluating and changing state; while a
/// rule that targets an alarm is ACTIVE, a change of state runs none of its actions
/// (`AlarmService.act`) and writes no Action history item for them.
///
/// Rules are regional resources (`cloudwatch:alarm-mute-rule`, named after the rule), tagged
/// through the CloudWatch tagging operations by their ARN
/// `arn:aws:cloudwatch:<region>:<account>:alarm-mute-rule:<name>`.
struct MuteRuleRecord: Codable, Sendable, Equatable {
    static let kind = "cloudwatch:alarm-mute-rule"

    var name: String
    var arn: String
    var description: String?
    var expression: String
    var duration: String
    var timezone: String?
    var targets: [String]
    /// Epoch seconds.
    var startDate: Double?
    var expireDate: Double?
    var lastUpdated: Double

    var schedule: MuteSchedule? { try? MuteSchedule.parse(expression: expression, duration: duration, timezone: timezone) }

    func status(at now: Double) -> String {
        schedule?.status(at: Int64(now), startDate: startDate.map { Int64($0) }, expireDate: expireDate.map { Int64($0) }) ?? "EXPIRED"
    }

    var muteType: String { schedule?.kind == .oneTime ? "ONE_TIME" : "RECURRING" }
}

extension AlarmService {
    static func muteRuleArn(_ scope: ResourceScope, name: String) -> String {
        scope.arn("cloudwatch", "alarm-mute-rule:\(name)")
    }

    public func putAlarmMuteRule(_ input: CloudWatch.PutAlarmMuteRuleInput, _ ctx: CallContext) async throws -> EmptyShape {
        let invalid = { (m: String) in AWSError(CloudWatch.Errors.invalidParameterValueException, m) }
        guard !input.name.isEmpty, input.name.count <= 255 else {
            throw invalid("The parameter Name must be between 1 and 255 characters long.") // wording unverified
        }
        let s = input.rule.schedule
        do {
            _ = try MuteSchedule.parse(expression: s.expression, duration: s.duration, timezone: s.timezone)
        } catch {
            throw invalid(error.message)
        }
        let targets = input.muteTargets?.alarmNames ?? []
        if targets.count > 100 {
            throw invalid("The collection MuteTargets.AlarmNames must not have a size greater than 100.") // wording unverified
        }
        if let start = input.startDate, let expire = input.expireDate, expire <= start {
            throw invalid("The ExpireDate must be after the StartDate.") // wording unverified
        }
        let rule = MuteRuleRecord(name: input.name, arn: Self.muteRuleArn(ctx.scope, name: input.name), description: input.description,
                                  expression: s.expression, duration: s.duration, timezone: s.timezone, targets: targets,
                                  startDate: input.startDate?.timeIntervalSince1970, expireDate: input.expireDate?.timeIntervalSince1970,
                                  lastUpdated: clock.now().timeIntervalSince1970)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try await resources.put(ResourceRecord(kind: MuteRuleRecord.kind, scope: ctx.scope, name: rule.name,
                                               body: Array(try encoder.encode(rule)), createdAt: clock.now(), updatedAt: clock.now()),
                                ifAbsent: false)
        if let newTags = input.tags, !newTags.isEmpty {
            try await tags.setTags(arn: rule.arn, newTags.map { (key: $0.key, value: $0.value) })
        }
        return EmptyShape()
    }

    public func getAlarmMuteRule(_ input: CloudWatch.GetAlarmMuteRuleInput, _ ctx: CallContext) async throws -> CloudWatch.GetAlarmMuteRuleOutput {
        guard let rule = try await muteRule(input.alarmMuteRuleName, ctx.scope) else {
            throw AWSError(CloudWatch.Errors.resourceNotFoundException, "The alarm mute rule \(input.alarmMuteRuleName) does not exist.") // wording unverified
        }
        return CloudWatch.GetAlarmMuteRuleOutput(
            name: rule.name, alarmMuteRuleArn: rule.arn, description: rule.description,
            rule: CloudWatch.Rule(schedule: CloudWatch.Schedule(expression: rule.expression, duration: rule.duration, timezone: rule.timezone)),
            muteTargets: CloudWatch.MuteTargets(alarmNames: rule.targets),
            startDate: rule.startDate.map(Date.init(timeIntervalSince1970:)), expireDate: rule.expireDate.map(Date.init(timeIntervalSince1970:)),
            status: rule.status(at: clock.now().timeIntervalSince1970), lastUpdatedTimestamp: Date(timeIntervalSince1970: rule.lastUpdated),
            muteType: rule.muteType)
    }

    public func listAlarmMuteRules(_ input: CloudWatch.ListAlarmMuteRulesInput, _ ctx: CallContext) async throws -> CloudWatch.ListAlarmMuteRulesOutput {
        let limit = try Self.pageSize(input.maxRecords)
        for status in input.statuses ?? [] where !["SCHEDULED", "ACTIVE", "EXPIRED"].contains(status) {
            throw AWSError(CloudWatch.Errors.invalidParameterValueException,
                           "1 validation error detected: Value '[\(status)]' at 'statuses' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [SCHEDULED, ACTIVE, EXPIRED]]")
        }
        if let alarm = input.alarmName, try await load(alarm, ctx.scope) == nil {
            throw AWSError(CloudWatch.Errors.resourceNotFoundException, "Alarm \(alarm) not found") // wording unverified
        }
        let after = try input.nextToken.map { token -> String in
            guard let name = PageToken.decode(token, kind: "mute-rules") else {
                throw AWSError(CloudWatch.Errors.invalidNextToken, "The service couldn't process your request because the NextToken is invalid.")
            }
            return name
        }
        let now = clock.now().timeIntervalSince1970
        var matched: [MuteRuleRecord] = []
        for rule in try await muteRules(ctx.scope) where after.map({ rule.name > $0 }) ?? true {
            if let alarm = input.alarmName, !rule.targets.contains(alarm) { continue }
            if let statuses = input.statuses, !statuses.isEmpty, !statuses.contains(rule.status(at: now)) { continue }
            matched.append(rule)
            if matched.count > limit { break }
        }
        let page = matched.prefix(limit)
        return CloudWatch.ListAlarmMuteRulesOutput(
            alarmMuteRuleSummaries: page.map { rule in
                CloudWatch.AlarmMuteRuleSummary(alarmMuteRuleArn: rule.arn, expireDate: rule.expireDate.map(Date.init(timeIntervalSince1970:)),
                                                status: rule.status(at: now), muteType: rule.muteType,
                                                lastUpdatedTimestamp: Date(timeIntervalSince1970: rule.lastUpdated))
            },
            nextToken: matched.count > limit ? page.last.map { PageToken.encode($0.name, kind: "mute-rules") } : nil)
    }

    public func deleteAlarmMuteRule(_ input: CloudWatch.DeleteAlarmMuteRuleInput, _ ctx: CallContext) async throws -> EmptyShape {
        let deleted = try await resources.delete(kind: MuteRuleRecord.kind, scope: ctx.scope, names: [input.alarmMuteRuleName], allOrNothing: false)
        if !deleted.deleted.isEmpty { try await tags.removeAllTags(arn: Self.muteRuleArn(ctx.scope, name: input.alarmMuteRuleName)) }
        return EmptyShape()
    }

    func muteRule(_ name: String, _ scope: ResourceScope) async throws -> MuteRuleRecord? {
        try await resources.get(kind: MuteRuleRecord.kind, scope: scope, name: name).map { try JSONDecoder().decode(MuteRuleRecord.self, from: Data($0.body)) }
    }

    func muteRules(_ scope: ResourceScope) async throws -> [MuteRuleRecord] {
        try await resources.everything(kind: MuteRuleRecord.kind, scope: scope).map { try JSONDecoder().decode(MuteRuleRecord.self, from: Data($0.body)) }
    }

    /// The ACTIVE mute rule that targets `alarm` at `now`, if any.
    func mutingRule(for alarm: String, _ scope: ResourceScope, at now: Double) async throws -> MuteRuleRecord? {
        try await muteRules(scope).first { $0.targets.contains(alarm) && $0.status(at: now) == "ACTIVE" }
    }
}
