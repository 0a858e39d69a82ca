public import AWSShapes
public import AWSWire
import Foundation
import Storage
public import TrailwatchCore

/// PutCompositeAlarm and the evaluation of composite alarms: a composite alarm is in ALARM
/// while its rule is true and in OK while it is false, re-evaluated whenever one of its
/// children changes state (`AlarmService.transition`) and when it is stored.
///
/// Rules may form a cycle (AWS allows it); a composite alarm in a cycle is not evaluated, as
/// AWS stops evaluating on a cycle in the evaluation path.
///
/// Not built yet: the actions suppressor (ActionsSuppressor and its wait and extension
/// periods are stored and answered, but do not suppress anything).
extension AlarmService {
    public func putCompositeAlarm(_ input: CloudWatch.PutCompositeAlarmInput, _ ctx: CallContext) async throws -> EmptyShape {
        let rule: CompositeRule
        do {
            rule = try CompositeRule.parse(input.alarmRule)
        } catch {
            throw AWSError(CloudWatch.Errors.invalidParameterValueException, error.message)
        }
        try AlarmValidation.checkActions((input.okActions ?? []) + (input.alarmActions ?? []) + (input.insufficientDataActions ?? []))
        let everything = try await all(ctx.scope)
        let byName = Dictionary(everything.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let children = rule.alarms.map { Self.alarmName($0, ctx.scope) }
        let missing = children.filter { byName[$0] == nil }
        if !missing.isEmpty {
            throw AWSError(CloudWatch.Errors.invalidParameterValueException,
                           "Could not save the composite alarm as alarms [\(missing.joined(separator: ", "))] in the alarm rule do not exist") // wording unverified
        }
        if let existing = byName[input.alarmName], !existing.isComposite {
            throw AWSError(CloudWatch.Errors.invalidParameterCombinationException,
                           "The alarm \(input.alarmName) is a metric alarm; a composite alarm cannot replace it.") // wording unverified
        }
        let existing = byName[input.alarmName]
        let now = clock.now().timeIntervalSince1970
        let alarm = AlarmRecord(
            name: input.alarmName, arn: Self.arn(ctx.scope, name: input.alarmName), description: input.alarmDescription,
            actionsEnabled: input.actionsEnabled ?? true, okActions: input.okActions ?? [], alarmActions: input.alarmActions ?? [],
            insufficientDataActions: input.insufficientDataActions ?? [], metricName: nil, namespace: nil, statistic: nil,
            extendedStatistic: nil, dimensions: [], period: nil, unit: nil, evaluationPeriods: 0, datapointsToAlarm: nil,
            threshold: nil, comparisonOperator: "", treatMissingData: nil, evaluateLowSampleCountPercentile: nil,
            metricsJSON: nil, thresholdMetricId: nil, configurationUpdated: now,
            stateValue: existing?.stateValue ?? "INSUFFICIENT_DATA",
            stateReason: existing?.stateReason ?? "Unchecked: Initial alarm creation",
            stateReasonData: existing?.stateReasonData, stateUpdated: existing?.stateUpdated ?? now,
            stateTransitioned: existing?.stateTransitioned ?? now, alarmRule: input.alarmRule,
            actionsSuppressor: input.actionsSuppressor, actionsSuppressorWaitPeriod: input.actionsSuppressorWaitPeriod,
            actionsSuppressorExtensionPeriod: input.actionsSuppressorExtensionPeriod)
        try await save(alarm, replacing: existing, tags: input.tags, ctx)
        try await evaluateComposite(alarm.name, ctx.scope, trigger: nil)
        return EmptyShape()
    }

    /// The alarm name a rule's reference means: the name itself, or the name in an ARN of
    /// an alarm in `scope`.
    static func alarmName(_ ref: String, _ scope: ResourceScope) -> String {
        let prefix = arn(scope, name: "")
        return ref.hasPrefix(prefix) ? String(ref.dropFirst(prefix.count)) : ref
    }

    /// Whether `target` is among `names` or, through composite rules, their descendants.
    static func reaches(from names: [String], to target: String, _ byName: [String: AlarmRecord], _ scope: ResourceScope) -> Bool {
        var stack = names
        var seen = Set<String>()
        while let name = stack.popLast() {
            if name == target { return true }
            guard seen.insert(name).inserted, let rule = byName[name]?.compositeRule else { continue }
            stack += rule.alarms.map { alarmName($0, scope) }
        }
        return false
    }

    /// Re-evaluates every composite alarm whose rule names `child`; `composites`, when given,
    /// are the scope's composite alarms (the evaluation job knows them: it spares reading
    /// every alarm for each change).
    func reevaluateParents(of child: String, _ scope: ResourceScope, among composites: [AlarmRecord]? = nil) async throws {
        var candidates = composites ?? []
        if composites == nil { candidates = try await all(scope).filter(\.isComposite) }
        let parents = candidates.filter { $0.compositeRule?.alarms.contains(where: { Self.alarmName($0, scope) == child }) ?? false }
        guard !parents.isEmpty, let changed = try await load(child, scope) else { return }
        for parent in parents {
            try await evaluateComposite(parent.name, scope, trigger: changed)
        }
    }

    /// Moves composite alarm `name` to the state its rule gives now; `trigger` is the child
    /// whose change caused it (nil when the composite was stored).
    func evaluateComposite(_ name: String, _ scope: ResourceScope, trigger: AlarmRecord?) async throws {
        let everything = try await all(scope)
        let byName = Dictionary(everything.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        guard var alarm = byName[name], let rule = alarm.compositeRule,
              !Self.reaches(from: rule.alarms.map { Self.alarmName($0, scope) }, to: name, byName, scope) else { return }
        let value = rule.evaluate { ref in byName[Self.alarmName(ref, scope)].flatMap { AlarmStateValue(rawValue: $0.stateValue) } }
        let state: AlarmStateValue = value ? .alarm : .ok
        guard state.rawValue != alarm.stateValue else { return }
        var reason = "Composite alarm rule evaluated to \(value ? "TRUE" : "FALSE")." // wording unverified
        var data: String?
        if let trigger {
            let at = Date(timeIntervalSince1970: trigger.stateTransitioned)
            reason = "\(trigger.arn) transitioned to \(trigger.stateValue) at \(Self.longDate(at))" // wording unverified
            var w = JSONWriter()
            w.beginObject(); w.field("triggeringAlarms"); w.beginArray(); w.beginObject()
            w.field("arn"); w.string(trigger.arn); w.comma()
            w.field("state"); w.beginObject()
            w.field("value"); w.string(trigger.stateValue); w.comma()
            w.field("timestamp"); w.string(AlarmService.date(trigger.stateTransitioned))
            w.endObject(); w.endObject(); w.endArray(); w.endObject()
            data = String(decoding: w.bytes, as: UTF8.self)
        }
        try await transition(&alarm, to: state, reason: reason, reasonData: data, scope)
    }

    /// `Tuesday 01 December, 2026 10:00:00 UTC`.
    static func longDate(_ d: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "EEEE dd MMMM, yyyy HH:mm:ss 'UTC'"
        return f.string(from: d)
    }
}

extension AlarmRecord {
    /// A composite alarm's parsed rule.
    var compositeRule: CompositeRule? { alarmRule.flatMap { try? CompositeRule.parse($0) } }
}
