public import AWSShapes
import Foundation
public import CloudWatchMetrics
public import Runtime
import Storage
import Synchronization
public import TrailwatchCore

/// Evaluates metric alarms on AWS's cadence: every minute the alarms whose period is a minute
/// or more, every 10 s the high-resolution ones (periods of 10, 20 and 30 s). Values come from
/// the GetMetricData engine (one evaluator of metric math), the decision from
/// `AlarmEvaluator`; a change of state runs its actions and is stored with its history items
/// (`AlarmService.transition`).
public final class AlarmEvaluation: Sendable {
    let alarms: AlarmService
    let metricData: MetricDataService
    /// The minute whose round last evaluated the minute-or-longer alarms.
    private let lastMinute = Mutex<Int64>(.min)
    /// The alarms, decoded, between rounds.
    let index = AlarmIndex()

    public init(alarms: AlarmService, metricData: MetricDataService) {
        self.alarms = alarms
        self.metricData = metricData
    }

    /// The singleton job: a round at every multiple of 10 s of clock time.
    public var job: Job {
        Job("cloudwatch.alarms", every: 10, aligned: true, singleton: true) { [self] in try await round() }
    }

    /// One round at the clock's time: the high-resolution alarms always, the others once a minute.
    ///
    /// Alarms on one metric statistic (no metric math) are read together, one batch per
    /// period (`MetricDataService.watch`); alarms with metric math run their queries through
    /// GetMetricData one alarm at a time.
    public func round() async throws {
        let now = Int64(alarms.clock.now().timeIntervalSince1970.rounded(.down))
        let minute = now / 60
        let minuteDue = lastMinute.withLock { last -> Bool in
            defer { last = minute }
            return last != minute
        }
        let due = try index.refresh(try await alarms.resources.all(kind: AlarmRecord.kind)).filter { entry in
            guard let rule = entry.rule, AlarmStateValue(rawValue: entry.alarm.stateValue) != nil else { return false }
            return rule.period < 60 || minuteDue
        }
        var changes = Changes()
        var plainByPeriod: [Int64: [AlarmIndex.Entry]] = [:]
        for entry in due {
            if entry.metrics == nil {
                plainByPeriod[Int64(entry.rule!.period), default: []].append(entry)
            } else {
                var alarm = entry.alarm
                try await evaluate(&alarm, rule: entry.rule!, scope: entry.scope, now: now, into: &changes)
            }
        }
        for (period, entries) in plainByPeriod.sorted(by: { $0.key < $1.key }) {
            try await evaluatePlain(entries, period: period, now: now, into: &changes)
        }
        try await store(&changes)
        // The composite alarms over the alarms that changed follow them.
        let composites = Dictionary(grouping: index.current().filter(\.alarm.isComposite), by: \.scope).mapValues { $0.map(\.alarm) }
        for (scope, name) in changes.changed {
            guard let among = composites[scope], !among.isEmpty else { continue }
            try await alarms.reevaluateParents(of: name, scope, among: among)
        }
        // Composite alarms whose ALARM actions a suppressor holds back, as they are now.
        var held: [(ResourceScope, AlarmRecord)] = []
        for entry in index.current() where entry.alarm.actionsSuppressor != nil {
            if let alarm = try await alarms.load(entry.alarm.name, entry.scope), alarm.actionsSuppressedBy != nil { held.append((entry.scope, alarm)) }
        }
        try await alarms.store(try await alarms.advanceSuppression(held, at: alarms.clock.now().timeIntervalSince1970))
    }

    /// A round's state changes: stored together (records and notifications), a batch at a time.
    struct Changes {
        var pending = AlarmChange()
        var changed: [(ResourceScope, String)] = []
    }

    /// Changes are committed in batches of this many records.
    static let batchRecords = 2_000

    func store(_ changes: inout Changes) async throws {
        guard !changes.pending.records.isEmpty else { return }
        try await alarms.store(changes.pending)
        changes.pending = AlarmChange()
    }

    /// Evaluates alarms that watch one statistic of one metric each, all at `period`, with
    /// one read for all of them.
    func evaluatePlain(_ entries: [AlarmIndex.Entry], period: Int64, now: Int64, into changes: inout Changes) async throws {
        // The newest complete period ends at the last period boundary.
        let end = now / period * period
        let longest = entries.map { AlarmEvaluator.evaluationRange($0.rule!) }.max() ?? 1
        let start = end - Int64(longest) * period
        let watched = entries.map { e in
            WatchedMetric(scope: e.scope,
                          metric: MetricIdentity(namespace: e.alarm.namespace ?? "", metricName: e.alarm.metricName ?? "",
                                                 dimensions: e.alarm.dimensions.map { MetricDimension(name: $0.name, value: $0.value) }),
                          stat: e.alarm.statistic ?? e.alarm.extendedStatistic ?? "Average", unit: e.alarm.unit)
        }
        let reads = try await metricData.watch(watched, period: period, start: start, end: end)
        for (entry, read) in zip(entries, reads) {
            let range = AlarmEvaluator.evaluationRange(entry.rule!)
            let from = end - Int64(range) * period
            let points = (0..<range).map { i in
                let t = from + Int64(i) * period
                return AlarmDatapoint(timestamp: t, value: read.values[t], sampleCount: read.counts[t], lower: nil, upper: nil)
            }
            var alarm = entry.alarm
            try await decide(&alarm, rule: entry.rule!, points: points, scope: entry.scope, now: now, into: &changes)
        }
    }

    /// Evaluates one alarm through GetMetricData (metric math, or any alarm in tests).
    func evaluate(_ alarm: inout AlarmRecord, rule: AlarmRule, scope: ResourceScope, now: Int64, into changes: inout Changes) async throws {
        let period = Int64(rule.period)
        let range = AlarmEvaluator.evaluationRange(rule)
        let end = now / period * period
        let start = end - Int64(range) * period
        let read = try await datapoints(alarm, scope: scope, start: start, end: end, period: period, count: range)
        if let members = read.contributors {
            let empty = read.points.map { AlarmDatapoint(timestamp: $0.timestamp, value: nil, sampleCount: nil, lower: nil, upper: nil) }
            try await decideContributors(&alarm, rule: rule, members: members, empty: empty, scope: scope, now: now, into: &changes)
        } else {
            try await decide(&alarm, rule: rule, points: read.points, scope: scope, now: now, into: &changes)
        }
    }

    /// Applies the evaluator's verdict: a change of state is a transition (its actions run
    /// now; its records join the round's next commit).
    func decide(_ alarm: inout AlarmRecord, rule: AlarmRule, points: [AlarmDatapoint], scope: ResourceScope, now: Int64,
                into changes: inout Changes) async throws {
        guard let current = AlarmStateValue(rawValue: alarm.stateValue) else { return }
        let outcome = AlarmEvaluator.evaluate(rule, datapoints: points, current: current, now: now)
        guard let state = outcome.state, state != current else { return }
        changes.pending += try await alarms.transitionRecords(&alarm, to: state, reason: outcome.reason, reasonData: outcome.reasonData, scope)
        changes.changed.append((scope, alarm.name))
        if changes.pending.records.count >= Self.batchRecords { try await store(&changes) }
    }

    /// What an alarm's queries answer over its evaluation range: the watched series's
    /// datapoints, one per period oldest first; for a multi-time-series alarm (a Metrics
    /// Insights query with GROUP BY), each group's too.
    struct Read {
        var points: [AlarmDatapoint]
        var contributors: [(attributes: [String: String], points: [AlarmDatapoint])]?
    }

    /// The evaluation range, from the GetMetricData engine.
    func datapoints(_ alarm: AlarmRecord, scope: ResourceScope, start: Int64, end: Int64, period: Int64, count: Int) async throws -> Read {
        var queries: [CloudWatch.MetricDataQuery]
        let watched: String
        let band = alarm.thresholdMetricId
        if let metrics = alarm.metrics {
            queries = metrics
            watched = metrics.first { ($0.returnData ?? true) && $0.id != band }?.id ?? ""
        } else {
            let metric = CloudWatch.Metric(namespace: alarm.namespace, metricName: alarm.metricName,
                                           dimensions: alarm.dimensions.map { CloudWatch.Dimension(name: $0.name, value: $0.value) })
            let stat = alarm.statistic ?? alarm.extendedStatistic ?? "Average"
            queries = [
                CloudWatch.MetricDataQuery(id: "v", metricStat: CloudWatch.MetricStat(metric: metric, period: Int(period), stat: stat, unit: alarm.unit)),
                CloudWatch.MetricDataQuery(id: "n", metricStat: CloudWatch.MetricStat(metric: metric, period: Int(period), stat: "SampleCount", unit: alarm.unit)),
            ]
            watched = "v"
        }
        // Every query answers: the sample counts and the band ride along with the watched value.
        for i in queries.indices {
            let id = queries[i].id
            queries[i].returnData = id == watched || id == band || id == "n" && alarm.metrics == nil
        }
        let ctx = CallContext(requestID: "alarm-evaluation", identity: .root(accountId: scope.accountId, accessKeyId: ""),
                              region: scope.region, receivedAt: Date(timeIntervalSince1970: Double(end)))
        let output = try await metricData.series(
            CloudWatch.GetMetricDataInput(metricDataQueries: queries, startTime: Date(timeIntervalSince1970: Double(start)),
                                          endTime: Date(timeIntervalSince1970: Double(end))), ctx)
        func values(_ s: TimeSeries?) -> [Int64: Double] {
            guard let s else { return [:] }
            return Dictionary(zip(s.timestamps, s.values), uniquingKeysWith: { a, _ in a })
        }
        let counts = values(output["n"]?.first)
        // ANOMALY_DETECTION_BAND answers its lower bound, then its upper bound.
        let lower = values(band.flatMap { output[$0]?.first }), upper = values(band.flatMap { output[$0]?.dropFirst().first })
        func points(_ s: TimeSeries?) -> [AlarmDatapoint] {
            let v = values(s)
            return (0..<count).map { i in
                let t = start + Int64(i) * period
                return AlarmDatapoint(timestamp: t, value: v[t], sampleCount: counts[t], lower: lower[t], upper: upper[t])
            }
        }
        let members = output[watched] ?? []
        if alarm.metrics?.first(where: { $0.id == watched })?.expression.map(MetricDataService.isGroupedQuery) == true {
            return Read(points: points(nil), contributors: members.map { ($0.attributes ?? [:], points($0)) })
        }
        return Read(points: points(members.first))
    }
}

extension AlarmRecord {
    /// The period the alarm evaluates on: its own, or its watched query's.
    var evaluationPeriod: Int {
        if let period { return period }
        guard let watched = metrics?.first(where: { $0.returnData ?? true }) ?? metrics?.first else { return 60 }
        return watched.period ?? watched.metricStat?.period ?? metrics?.compactMap({ $0.metricStat?.period }).first ?? 60
    }

    /// The evaluation rule, nil for an alarm this build cannot evaluate.
    var rule: AlarmRule? {
        guard let comparison = AlarmComparison(rawValue: comparisonOperator) else { return nil }
        return AlarmRule(comparison: comparison, threshold: threshold, evaluationPeriods: evaluationPeriods,
                         datapointsToAlarm: datapointsToAlarm ?? evaluationPeriods,
                         treatMissingData: treatMissingData.flatMap(MissingDataTreatment.init(rawValue:)) ?? .missing,
                         period: evaluationPeriod, statistic: statistic ?? extendedStatistic ?? "", unit: unit,
                         datapointsToAlarmIsSet: datapointsToAlarm != nil, evaluateLowSampleCountPercentile: evaluateLowSampleCountPercentile)
    }
}
