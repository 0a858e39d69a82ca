public import AWSShapes
public import AWSWire
import CloudWatchMetrics
import Foundation
public import Storage
public import TrailwatchCore

/// CloudWatch metric alarms: PutMetricAlarm, DescribeAlarms, DescribeAlarmsForMetric,
/// DeleteAlarms, SetAlarmState, EnableAlarmActions, DisableAlarmActions, DescribeAlarmHistory.
///
/// Alarms are regional resources (`cloudwatch:alarm`, named after the alarm); their state
/// changes (SetAlarmState here, evaluation in `AlarmEvaluationJob`) go through `AlarmHistory`.
public struct AlarmService: Sendable {
    let resources: any ResourceStore
    let tags: any TagStore
    let history: AlarmHistory
    let clock: any WallClock
    /// How alarm actions reach SNS.
    let notifier: AlarmNotifier

    public init(resources: any ResourceStore, tags: any TagStore, clock: any WallClock, notifier: AlarmNotifier) {
        self.resources = resources
        self.tags = tags
        self.history = AlarmHistory(resources: resources)
        self.clock = clock
        self.notifier = notifier
    }

    /// An alarm service whose notifications go to `notify` as they are made (tests).
    public init(resources: any ResourceStore, tags: any TagStore, clock: any WallClock,
                notify: @escaping @Sendable (_ topicArn: String, _ subject: String, _ message: String) async throws -> Void = { _, _, _ in }) {
        self.init(resources: resources, tags: tags, clock: clock,
                  notifier: AlarmNotifier(prepare: { t, s, m in try await notify(t, s, m); return [] }, queued: {}))
    }

    static func arn(_ scope: ResourceScope, name: String) -> String {
        scope.arn("cloudwatch", "alarm:\(name)")
    }

    // MARK: PutMetricAlarm

    public func putMetricAlarm(_ input: CloudWatch.PutMetricAlarmInput, _ ctx: CallContext) async throws -> EmptyShape {
        try AlarmValidation.check(input)
        let now = clock.now().timeIntervalSince1970
        let existing = try await load(input.alarmName, ctx.scope)
        if let existing, existing.isComposite {
            throw AWSError(CloudWatch.Errors.invalidParameterCombinationException,
                           "The alarm \(input.alarmName) is a composite alarm; a metric alarm cannot replace it.") // wording unverified
        }
        var alarm = AlarmRecord(
            name: input.alarmName, arn: Self.arn(ctx.scope, name: input.alarmName), description: input.alarmDescription,
            actionsEnabled: input.actionsEnabled ?? true, okActions: input.okActions ?? [], alarmActions: input.alarmActions ?? [],
            insufficientDataActions: input.insufficientDataActions ?? [], metricName: input.metricName, namespace: input.namespace,
            statistic: input.statistic, extendedStatistic: input.extendedStatistic,
            dimensions: (input.dimensions ?? []).map { AlarmRecord.Dimension(name: $0.name, value: $0.value) },
            period: input.period, unit: input.unit, evaluationPeriods: input.evaluationPeriods ?? 1,
            datapointsToAlarm: input.datapointsToAlarm, threshold: input.threshold,
            comparisonOperator: input.comparisonOperator ?? "", treatMissingData: input.treatMissingData,
            evaluateLowSampleCountPercentile: input.evaluateLowSampleCountPercentile,
            metricsJSON: AlarmRecord.encode(input.metrics), thresholdMetricId: input.thresholdMetricId,
            configurationUpdated: now,
            // An update replaces the configuration and keeps the state.
            stateValue: existing?.stateValue ?? "INSUFFICIENT_DATA",
            stateReason: existing?.stateReason ?? "Unchecked: Initial alarm creation",
            stateReasonData: existing?.stateReasonData, stateUpdated: existing?.stateUpdated ?? now,
            stateTransitioned: existing?.stateTransitioned ?? now)
        // The contributors are the query's time series: kept while the query is.
        if existing?.metricsJSON == alarm.metricsJSON { alarm.contributors = existing?.contributors }
        try await save(alarm, replacing: existing, tags: input.tags, ctx)
        return EmptyShape()
    }

    /// Stores a created or updated alarm with its ConfigurationUpdate history item in one
    /// commit, then its tags.
    func save(_ alarm: AlarmRecord, replacing existing: AlarmRecord?, tags newTags: [CloudWatch.Tag]?, _ ctx: CallContext) async throws {
        try await resources.put([
            try alarm.resource(scope: ctx.scope, created: clock.now()),
            try AlarmHistory.item(alarmName: alarm.name, composite: alarm.isComposite, scope: ctx.scope, type: "ConfigurationUpdate",
                                  summary: existing == nil ? "Alarm \"\(alarm.name)\" created" : "Alarm \"\(alarm.name)\" updated",
                                  data: AlarmConfigurationData.json(existing == nil ? .create : .update, alarm: alarm, previous: existing),
                                  at: alarm.configurationUpdated),
        ])
        if let newTags, !newTags.isEmpty {
            try await tags.setTags(arn: alarm.arn, newTags.map { (key: $0.key, value: $0.value) })
        }
    }

    // MARK: DescribeAlarms

    /// DescribeAlarms answers at most this many alarms a page (MaxRecords' default is 50).
    static let maxRecords = 100

    public func describeAlarms(_ input: CloudWatch.DescribeAlarmsInput, _ ctx: CallContext) async throws -> CloudWatch.DescribeAlarmsOutput {
        if input.alarmNames?.isEmpty == false, input.alarmNamePrefix != nil {
            throw AWSError(CloudWatch.Errors.invalidParameterCombinationException,
                           "AlarmNames and AlarmNamePrefix cannot be specified at the same time.")
        }
        let limit = try Self.pageSize(input.maxRecords)
        let after = try input.nextToken.map { token -> String in
            guard let name = PageToken.decode(token, kind: "alarms") else {
                throw AWSError(CloudWatch.Errors.invalidNextToken, "The service couldn't process your request because the NextToken is invalid.")
            }
            return name
        }
        if let child = input.childrenOfAlarmName ?? input.parentsOfAlarmName {
            guard input.alarmNames == nil, input.alarmNamePrefix == nil, input.stateValue == nil, input.actionPrefix == nil,
                  input.alarmTypes == nil, input.childrenOfAlarmName == nil || input.parentsOfAlarmName == nil else {
                throw AWSError(CloudWatch.Errors.invalidParameterCombinationException,
                               "If you specify ChildrenOfAlarmName or ParentsOfAlarmName, you cannot specify any other parameters in the request except for MaxRecords and NextToken.") // wording unverified
            }
            let everything = try await all(ctx.scope)
            let byName = Dictionary(everything.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            let candidates: [AlarmRecord]
            if input.childrenOfAlarmName != nil {
                let names = Set((byName[child]?.compositeRule?.alarms ?? []).map { Self.alarmName($0, ctx.scope) })
                candidates = everything.filter { names.contains($0.name) }
            } else {
                candidates = everything.filter { parent in
                    parent.compositeRule?.alarms.contains { Self.alarmName($0, ctx.scope) == child } ?? false
                }
            }
            return Self.page(candidates.filter { alarm in after.map { alarm.name > $0 } ?? true }, limit: limit)
        }
        // Without AlarmTypes, AWS answers metric alarms only.
        let types = input.alarmTypes ?? ["MetricAlarm"]
        func matches(_ alarm: AlarmRecord) -> Bool {
            guard types.contains(alarm.isComposite ? "CompositeAlarm" : "MetricAlarm") else { return false }
            if let state = input.stateValue, alarm.stateValue != state { return false }
            if let prefix = input.actionPrefix, !alarm.allActions.contains(where: { $0.hasPrefix(prefix) }) { return false }
            return true
        }
        var matched: [AlarmRecord] = []
        if let names = input.alarmNames, !names.isEmpty {
            for name in Set(names).sorted() where after.map({ name > $0 }) ?? true {
                if let alarm = try await load(name, ctx.scope), matches(alarm) { matched.append(alarm) }
                if matched.count > limit { break }
            }
        } else {
            // Read the store a page at a time, in name order, until the answer's page is full:
            // a page of a large account decodes only the alarms up to it.
            var cursor = after
            scan: while true {
                let records = try await resources.list(kind: AlarmRecord.kind, scope: ctx.scope, prefix: input.alarmNamePrefix,
                                                       after: cursor, limit: 1000)
                for record in records {
                    let alarm = try AlarmRecord(record)
                    if matches(alarm) { matched.append(alarm) }
                    if matched.count > limit { break scan }
                }
                guard records.count == 1000, let last = records.last else { break }
                cursor = last.name
            }
        }
        return Self.page(matched, limit: limit)
    }

    /// The first `limit` alarms of `matched` (name order), with a token when more matched.
    static func page(_ matched: [AlarmRecord], limit: Int) -> CloudWatch.DescribeAlarmsOutput {
        let page = matched.prefix(limit)
        let next = matched.count > limit ? page.last.map { PageToken.encode($0.name, kind: "alarms") } : nil
        return CloudWatch.DescribeAlarmsOutput(compositeAlarms: page.filter(\.isComposite).map(\.compositeShape),
                                               metricAlarms: page.filter { !$0.isComposite }.map(\.shape), nextToken: next)
    }

    static func pageSize(_ maxRecords: Int?) throws -> Int {
        guard let maxRecords else { return 50 }
        guard (1...Self.maxRecords).contains(maxRecords) else {
            throw AWSError(CloudWatch.Errors.invalidParameterValueException,
                           "The parameter MaxRecords must be between 1 and \(Self.maxRecords).")
        }
        return maxRecords
    }

    public func describeAlarmsForMetric(_ input: CloudWatch.DescribeAlarmsForMetricInput, _ ctx: CallContext) async throws -> CloudWatch.DescribeAlarmsForMetricOutput {
        let dimensions = (input.dimensions ?? []).map { AlarmRecord.Dimension(name: $0.name, value: $0.value) }
        let alarms = try await all(ctx.scope).filter { a in
            !a.isComposite && a.metricName == input.metricName && a.namespace == input.namespace
                && (input.statistic == nil || a.statistic == input.statistic)
                && (input.extendedStatistic == nil || a.extendedStatistic == input.extendedStatistic)
                && (input.period == nil || a.period == input.period)
                && (input.unit == nil || a.unit == input.unit)
                && (input.dimensions == nil || Set(a.dimensions.map { "\($0.name)=\($0.value)" }) == Set(dimensions.map { "\($0.name)=\($0.value)" }))
        }
        return CloudWatch.DescribeAlarmsForMetricOutput(metricAlarms: alarms.map(\.shape))
    }

    // MARK: DeleteAlarms, SetAlarmState, actions

    public func deleteAlarms(_ input: CloudWatch.DeleteAlarmsInput, _ ctx: CallContext) async throws -> EmptyShape {
        if input.alarmNames.count > 100 {
            throw AWSError(CloudWatch.Errors.invalidParameterValueException,
                           "The collection AlarmNames must not have a size greater than 100.")
        }
        // At most one composite alarm a call, and none that a composite alarm kept depends on
        // (so the alarms of a cycle cannot be deleted until its rule is changed, as AWS says).
        let everything = try await all(ctx.scope)
        let named = Set(input.alarmNames)
        if everything.filter({ named.contains($0.name) && $0.isComposite }).count > 1 {
            throw AWSError(CloudWatch.Errors.invalidParameterValueException,
                           "You can delete at most one composite alarm in one DeleteAlarms call.") // wording unverified
        }
        for parent in everything where parent.isComposite && !named.contains(parent.name) {
            if let child = parent.compositeRule?.alarms.map({ Self.alarmName($0, ctx.scope) }).first(where: named.contains) {
                throw AWSError(CloudWatch.Errors.invalidParameterValueException,
                               "The alarm \(child) cannot be deleted because the composite alarm \(parent.name) depends on it.") // wording unverified
            }
        }
        let deleted = try await resources.delete(kind: AlarmRecord.kind, scope: ctx.scope, names: input.alarmNames, allOrNothing: false)
        // The history outlives the alarm: its ConfigurationUpdate "deleted" item follows the
        // delete's commit (after a crash between them the alarm is gone without that item).
        let byName = Dictionary(everything.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let at = clock.now().timeIntervalSince1970
        let items = try deleted.deleted.compactMap { byName[$0] }.map { alarm in
            try AlarmHistory.item(alarmName: alarm.name, composite: alarm.isComposite, scope: ctx.scope, type: "ConfigurationUpdate",
                                  summary: "Alarm \"\(alarm.name)\" deleted", data: AlarmConfigurationData.json(.delete, alarm: alarm, previous: nil), at: at)
        }
        if !items.isEmpty { try await resources.put(items) }
        for name in deleted.deleted {
            try await tags.removeAllTags(arn: Self.arn(ctx.scope, name: name))
        }
        return EmptyShape()
    }

    public func setAlarmState(_ input: CloudWatch.SetAlarmStateInput, _ ctx: CallContext) async throws -> EmptyShape {
        guard let state = AlarmStateValue(rawValue: input.stateValue) else {
            throw AWSError(CloudWatch.Errors.invalidParameterValueException,
                           "1 validation error detected: Value '\(input.stateValue)' at 'stateValue' failed to satisfy constraint: Member must satisfy enum value set: [INSUFFICIENT_DATA, ALARM, OK]")
        }
        if let data = input.stateReasonData, (try? JSONReader.parse(Array(data.utf8))) == nil {
            throw AWSError(CloudWatch.Errors.invalidFormatFault, "The parameter StateReasonData must be valid JSON.")
        }
        guard var alarm = try await load(input.alarmName, ctx.scope) else {
            throw AWSError(CloudWatch.Errors.resourceNotFound, "Alarm \(input.alarmName) not found")
        }
        try await transition(&alarm, to: state, reason: input.stateReason, reasonData: input.stateReasonData, ctx.scope)
        return EmptyShape()
    }

    /// Moves `alarm` to `state` and stores it. A change of value also runs the new state's
    /// actions (when enabled) and writes the StateUpdate and Action history items, in the
    /// alarm's own commit; the same value only refreshes the reason.
    ///
    /// The notifications the actions owe are outbox items in that same commit: a crash leaves
    /// either the change with its notifications queued (delivered after a restart) or neither.
    func transition(_ alarm: inout AlarmRecord, to state: AlarmStateValue, reason: String, reasonData: String?,
                    _ scope: ResourceScope) async throws {
        let old = alarm.stateValue
        let change = try await transitionRecords(&alarm, to: state, reason: reason, reasonData: reasonData, scope)
        try await store(change)
        // The composite alarms over this one follow its change.
        if alarm.stateValue != old { try await reevaluateParents(of: alarm.name, scope) }
    }

    /// Commits a change: its records and the notifications it owes together, then wakes delivery.
    func store(_ change: AlarmChange) async throws {
        try await resources.put(change.records, enqueueing: change.outbox)
        if !change.outbox.isEmpty { notifier.queued() }
    }

    /// What `transition` stores: the alarm, its StateUpdate and Action history items, and
    /// (a change of value) its actions' notifications. The evaluation job stores many alarms'
    /// changes in one commit.
    func transitionRecords(_ alarm: inout AlarmRecord, to state: AlarmStateValue, reason: String, reasonData: String?,
                           _ scope: ResourceScope, actions: Bool = true) async throws -> AlarmChange {
        let now = clock.now().timeIntervalSince1970
        let old = alarm
        alarm.stateReason = reason
        alarm.stateReasonData = reasonData
        alarm.stateUpdated = now
        var records = [ResourceRecord]()
        var outbox = [OutboxItem]()
        if alarm.stateValue != state.rawValue {
            alarm.stateValue = state.rawValue
            alarm.stateTransitioned = now
            records.append(try AlarmHistory.item(alarmName: alarm.name, composite: alarm.isComposite, scope: scope, type: "StateUpdate",
                                                 summary: "Alarm updated from \(old.stateValue) to \(state.rawValue)",
                                                 data: AlarmHistory.stateData(old: old, new: alarm), at: now))
            try await suppress(&alarm, scope: scope, at: now)
            if actions, alarm.actionsSuppressedBy == nil {
                let acted = try await act(alarm, old: old, scope: scope, at: now)
                records += acted.records
                outbox = acted.outbox
            }
        }
        return AlarmChange(records: [try alarm.resource(scope: scope, created: clock.now())] + records, outbox: outbox)
    }

    public func enableAlarmActions(_ input: CloudWatch.EnableAlarmActionsInput, _ ctx: CallContext) async throws -> EmptyShape {
        try await setActionsEnabled(input.alarmNames, true, ctx)
        return EmptyShape()
    }

    public func disableAlarmActions(_ input: CloudWatch.DisableAlarmActionsInput, _ ctx: CallContext) async throws -> EmptyShape {
        try await setActionsEnabled(input.alarmNames, false, ctx)
        return EmptyShape()
    }

    func setActionsEnabled(_ names: [String], _ on: Bool, _ ctx: CallContext) async throws {
        for name in names {
            guard var alarm = try await load(name, ctx.scope), alarm.actionsEnabled != on else { continue }
            alarm.actionsEnabled = on
            try await resources.put(try alarm.resource(scope: ctx.scope, created: clock.now()), ifAbsent: false)
        }
    }

    // MARK: DescribeAlarmHistory

    public func describeAlarmHistory(_ input: CloudWatch.DescribeAlarmHistoryInput, _ ctx: CallContext) async throws -> CloudWatch.DescribeAlarmHistoryOutput {
        let limit = try Self.pageSize(input.maxRecords)
        let now = clock.now().timeIntervalSince1970
        return try await history.describe(input, scope: ctx.scope, limit: limit, now: now)
    }

    // MARK: Loading

    func load(_ name: String, _ scope: ResourceScope) async throws -> AlarmRecord? {
        try await resources.get(kind: AlarmRecord.kind, scope: scope, name: name).map(AlarmRecord.init)
    }

    /// Every alarm of the scope, by name.
    func all(_ scope: ResourceScope) async throws -> [AlarmRecord] {
        try await resources.everything(kind: AlarmRecord.kind, scope: scope).map(AlarmRecord.init)
    }
}
