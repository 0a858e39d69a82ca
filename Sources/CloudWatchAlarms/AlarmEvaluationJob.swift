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

    public init(alarms: AlarmService, metricData: MetricDataService) {
        self.alarms = alarms
        self.metricData = metricData
    }

    /// The singleton job: a round every 10 s.
    public var job: Job {
        Job("cloudwatch.alarms", every: 10, singleton: true) { [self] in try await round() }
    }

    /// One round at the clock's time: the high-resolution alarms always, the others once a minute.
    public func round() async throws {
        let now = Int64(alarms.clock.now().timeIntervalSince1970.rounded(.down))
        let minute = now / 60
        let minuteDue = lastMinute.withLock { last -> Bool in
            defer { last = minute }
            return last != minute
        }
        for record in try await alarms.resources.all(kind: AlarmRecord.kind) {
            var alarm = try AlarmRecord(record)
            let period = alarm.evaluationPeriod
            guard period < 60 || minuteDue else { continue }
            try await evaluate(&alarm, scope: record.scope, now: now)
        }
    }

    func evaluate(_ alarm: inout AlarmRecord, scope: ResourceScope, now: Int64) async throws {
        guard let rule = alarm.rule, let current = AlarmStateValue(rawValue: alarm.stateValue) else { return }
        let period = Int64(rule.period)
        let range = AlarmEvaluator.evaluationRange(rule)
        // The newest complete period ends at the last period boundary.
        let end = now / period * period
        let start = end - Int64(range) * period
        let points = try await datapoints(alarm, scope: scope, start: start, end: end, period: period, count: range)
        let outcome = AlarmEvaluator.evaluate(rule, datapoints: points, current: current, now: now)
        guard let state = outcome.state, state != current else { return }
        try await alarms.transition(&alarm, to: state, reason: outcome.reason, reasonData: outcome.reasonData, scope)
    }

    /// The evaluation range, one entry per period oldest first, from GetMetricData.
    func datapoints(_ alarm: AlarmRecord, scope: ResourceScope, start: Int64, end: Int64, period: Int64, count: Int) async throws -> [AlarmDatapoint] {
        var queries: [CloudWatch.MetricDataQuery]
        let watched: String
        if let metrics = alarm.metrics {
            queries = metrics
            watched = metrics.first { $0.returnData ?? true }?.id ?? ""
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
        // Every query answers: the sample counts ride along with the watched value.
        for i in queries.indices { queries[i].returnData = queries[i].id == watched || queries[i].id == "n" && alarm.metrics == nil }
        let ctx = CallContext(requestID: "alarm-evaluation", identity: .root(accountId: scope.accountId, accessKeyId: ""),
                              region: scope.region, receivedAt: Date(timeIntervalSince1970: Double(end)))
        let output = try await metricData.getMetricData(
            CloudWatch.GetMetricDataInput(metricDataQueries: queries, startTime: Date(timeIntervalSince1970: Double(start)),
                                          endTime: Date(timeIntervalSince1970: Double(end)), scanBy: "TimestampAscending"), ctx)
        func series(_ id: String) -> [Int64: Double] {
            guard let r = output.metricDataResults?.first(where: { $0.id == id }) else { return [:] }
            var out: [Int64: Double] = [:]
            for (t, v) in zip(r.timestamps ?? [], r.values ?? []) { out[Int64(t.timeIntervalSince1970)] = v }
            return out
        }
        let values = series(watched), counts = series("n")
        return (0..<count).map { i in
            let t = start + Int64(i) * period
            return AlarmDatapoint(timestamp: t, value: values[t], sampleCount: counts[t], lower: nil, upper: nil)
        }
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
