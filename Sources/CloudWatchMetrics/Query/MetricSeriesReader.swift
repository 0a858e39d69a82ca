public import Storage
public import TrailwatchCore

/// Reads one statistic of a metric as a time series, the way GetMetricData's MetricStat and
/// SEARCH members do: the metric's cells grouped into periods from the window start.
struct MetricSeriesReader: Sendable {
    let store: any MetricStore
    let scope: ResourceScope

    /// The result, and the units the metric had when none was asked for and it had several.
    struct Read {
        var series: TimeSeries
        var multipleUnits: [String]?
    }

    /// Reads `stat` of `metric` (in `unit`, or the alphabetically first unit it has).
    func read(_ metric: MetricIdentity, stat: Statistic, period: Int64, unit: String?, start: Int64, end: Int64,
              candidates: [SeriesInfo]? = nil) async throws -> Read {
        let all: [SeriesInfo]
        if let candidates { all = candidates } else { all = try await store.series(in: scope, namespace: metric.namespace, metricName: metric.metricName) }
        let matching = all.filter { $0.key.metric == metric && (unit == nil || $0.key.unit == unit) }
        let units = Set(matching.map(\.key.unit)).sorted()
        let chosen = matching.filter { $0.key.unit == units.first }
        var series = TimeSeries(label: metric.metricName, period: period,
                                source: .init(metric: metric, stat: stat.name, period: period))
        if !chosen.isEmpty {
            let cells = try await store.cells(chosen.map(\.id), start: start, end: end, resolution: Int(period))
            let merged = cells.count == 1 ? cells[0] : Self.mergeSeries(cells)
            for (ts, cell) in PeriodAggregation.aggregate(merged, start: start, end: end, period: period) {
                if let v = stat.value(of: cell) {
                    series.timestamps.append(ts)
                    series.values.append(v)
                }
            }
        }
        return Read(series: series, multipleUnits: units.count > 1 ? units : nil)
    }

    static func mergeSeries(_ lists: [[(bucket: Int64, cell: MetricCell)]]) -> [(bucket: Int64, cell: MetricCell)] {
        var byBucket: [Int64: MetricCell] = [:]
        for list in lists {
            for c in list {
                if byBucket[c.bucket] == nil { byBucket[c.bucket] = c.cell } else { byBucket[c.bucket]!.merge(c.cell) }
            }
        }
        return byBucket.keys.sorted().map { (bucket: $0, cell: byBucket[$0]!) }
    }
}

/// Automatic labels: the parts that differ between the series labelled together, in the order
/// namespace, dimension values (by dimension name), metric name, statistic, period; the metric
/// name when nothing differs.
enum AutomaticLabels {
    static func labels(_ sources: [TimeSeries.Source]) -> [String] {
        guard sources.count > 1 else { return sources.map(\.metric.metricName) }
        let namespaces = Set(sources.map(\.metric.namespace))
        let names = Set(sources.map(\.metric.metricName))
        let stats = Set(sources.map(\.stat))
        let periods = Set(sources.map(\.period))
        let dimNames = Set(sources.flatMap { $0.metric.dimensions.map(\.name) }).sorted()
        let differingDims = dimNames.filter { name in
            Set(sources.map { s in s.metric.dimensions.first { $0.name == name }?.value ?? "\u{0}" }).count > 1
        }
        return sources.map { s in
            var parts: [String] = []
            if namespaces.count > 1 { parts.append(s.metric.namespace) }
            for name in differingDims {
                if let v = s.metric.dimensions.first(where: { $0.name == name })?.value { parts.append(v) }
            }
            if names.count > 1 { parts.append(s.metric.metricName) }
            if stats.count > 1 { parts.append(s.stat) }
            if periods.count > 1 { parts.append(String(s.period)) }
            return parts.isEmpty ? s.metric.metricName : parts.joined(separator: " ")
        }
    }
}
