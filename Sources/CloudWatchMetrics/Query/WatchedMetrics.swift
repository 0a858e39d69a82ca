public import Storage
public import TrailwatchCore

/// One statistic of one metric that an alarm watches (an alarm without metric math).
public struct WatchedMetric: Hashable, Sendable {
    public var scope: ResourceScope
    public var metric: MetricIdentity
    public var stat: String
    public var unit: String?

    public init(scope: ResourceScope, metric: MetricIdentity, stat: String, unit: String?) {
        self.scope = scope
        self.metric = metric
        self.stat = stat
        self.unit = unit
    }
}

/// A watched metric's value and sample count per period, keyed by the period's start.
public struct WatchedValues: Sendable, Equatable {
    public var values: [Int64: Double] = [:]
    public var counts: [Int64: Double] = [:]
}

extension MetricDataService {
    /// The values and sample counts, per period of [start, end), of many watched metrics at
    /// once: one series lookup per account, region, namespace and metric name, and one cell
    /// read for all of them. It reads as a GetMetricData MetricStat query does (the unit asked
    /// for, or the alphabetically first the metric has; cells merged per period from `start`;
    /// the statistic computed from the merged cell), so an alarm sees what GetMetricData shows.
    /// An unknown statistic reads as no data.
    public func watch(_ metrics: [WatchedMetric], period: Int64, start: Int64, end: Int64) async throws -> [WatchedValues] {
        struct Group: Hashable { var scope: ResourceScope; var namespace: String; var metricName: String }
        var groups: [Group: [SeriesInfo]] = [:]
        for m in metrics {
            let g = Group(scope: m.scope, namespace: m.metric.namespace, metricName: m.metric.metricName)
            if groups[g] == nil { groups[g] = try await store.series(in: m.scope, namespace: g.namespace, metricName: g.metricName) }
        }
        // Each group's series by metric identity, then the chosen series of every watched metric.
        var byMetric: [Group: [MetricIdentity: [SeriesInfo]]] = [:]
        for (g, infos) in groups { byMetric[g] = Dictionary(grouping: infos, by: \.key.metric) }
        var chosen = [UInt32](repeating: 0, count: metrics.count)
        for (i, m) in metrics.enumerated() {
            let g = Group(scope: m.scope, namespace: m.metric.namespace, metricName: m.metric.metricName)
            let matching = (byMetric[g]?[m.metric] ?? []).filter { m.unit == nil || $0.key.unit == m.unit }
            chosen[i] = matching.min { $0.key.unit < $1.key.unit }?.id ?? 0
        }
        let ids = Array(Set(chosen.filter { $0 != 0 }))
        let columns = ids.isEmpty ? [] : try await store.cells(ids, start: start, end: end, resolution: Int(period))
        var cellsOf: [UInt32: CellColumns] = [:]
        for (id, c) in zip(ids, columns) { cellsOf[id] = c }

        var statistics: [String: Statistic] = [:]
        return metrics.enumerated().map { i, m in
            guard let c = cellsOf[chosen[i]] else { return WatchedValues() }
            let stat: Statistic
            if let known = statistics[m.stat] { stat = known } else if let parsed = Statistic(m.stat) {
                statistics[m.stat] = parsed
                stat = parsed
            } else { return WatchedValues() }
            var out = WatchedValues()
            for (t, cell) in PeriodAggregation.aggregate(c, start: start, end: end, period: period, distributions: !stat.isBasic) {
                out.counts[t] = cell.count
                if let v = stat.value(of: cell) { out.values[t] = v }
            }
            return out
        }
    }
}
