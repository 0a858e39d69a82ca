public import Storage
public import TrailwatchCore

/// Reads one statistic of metrics as time series, the way GetMetricData's MetricStat and
/// SEARCH members do: each metric's cells grouped into periods from the window start.
struct MetricSeriesReader: Sendable {
    let store: any MetricStore
    let scope: ResourceScope

    /// The result, and the units the metric had when none was asked for and it had several.
    struct Read {
        var series: TimeSeries
        var multipleUnits: [String]?
    }

    /// Reads `stat` of `metric` (in `unit`, or the alphabetically first unit it has).
    func read(_ metric: MetricIdentity, stat: Statistic, period: Int64, unit: String?, start: Int64, end: Int64) async throws -> Read {
        let all = try await store.series(in: scope, namespace: metric.namespace, metricName: metric.metricName)
        return try await readMany([(metric, all.filter { $0.key.metric == metric })], stat: stat, period: period, unit: unit, start: start, end: end)[0]
    }

    /// Reads `stat` of several metrics, each given with its stored series, in one store read.
    func readMany(_ metrics: [(MetricIdentity, [SeriesInfo])], stat: Statistic, period: Int64, unit: String?,
                  start: Int64, end: Int64) async throws -> [Read] {
        var chosen: [UInt32] = []
        var unitsOf: [[String]] = []
        for (_, infos) in metrics {
            let matching = infos.filter { unit == nil || $0.key.unit == unit }
            let units = Set(matching.map(\.key.unit)).sorted()
            unitsOf.append(units)
            chosen.append(matching.first { $0.key.unit == units.first }?.id ?? 0)
        }
        let ids = chosen.filter { $0 != 0 }
        let columns = ids.isEmpty ? [] : try await store.cells(ids, start: start, end: end, resolution: Int(period))
        var byID: [UInt32: CellColumns] = [:]
        for (id, c) in zip(ids, columns) { byID[id] = c }
        var out: [Read] = []
        out.reserveCapacity(metrics.count)
        for (i, (metric, _)) in metrics.enumerated() {
            var series = TimeSeries(label: metric.metricName, period: period,
                                    source: .init(metric: metric, stat: stat.name, period: period))
            if let c = byID[chosen[i]] {
                if stat.isBasic {
                    (series.timestamps, series.values) = PeriodAggregation.basic(c, stat: stat.kind, start: start, end: end, period: period)
                } else {
                    for (ts, cell) in PeriodAggregation.aggregate(c, start: start, end: end, period: period) {
                        if let v = stat.value(of: cell) {
                            series.timestamps.append(ts)
                            series.values.append(v)
                        }
                    }
                }
            }
            out.append(Read(series: series, multipleUnits: unitsOf[i].count > 1 ? unitsOf[i] : nil))
        }
        return out
    }
}

/// Automatic labels: the parts that differ between the series labelled together, in the order
/// namespace, dimension values (by dimension name), metric name, statistic, period; the metric
/// name when nothing differs.
enum AutomaticLabels {
    /// The default labels of MetricStat queries: `metric1`, then ` Sum` when the queries differ
    /// in statistic and ` 60` when they differ in period (`metric1 Sum 60`, `metric1 Average`).
    static func metricStatLabels(_ sources: [TimeSeries.Source]) -> [String] {
        let stats = Set(sources.map(\.stat)).count > 1
        let periods = Set(sources.map(\.period)).count > 1
        return sources.map { s in
            var label = s.metric.metricName
            if stats { label += " " + s.stat }
            if periods { label += " \(s.period)" }
            return label
        }
    }

    /// The labels of a SEARCH's series: what tells them apart (namespace, dimension values,
    /// name, statistic, period), or the metric name.
    static func labels(_ sources: [TimeSeries.Source]) -> [String] {
        guard sources.count > 1 else { return sources.map(\.metric.metricName) }
        let namespaces = Set(sources.map(\.metric.namespace))
        let names = Set(sources.map(\.metric.metricName))
        let stats = Set(sources.map(\.stat))
        let periods = Set(sources.map(\.period))
        var valuesByName: [String: Set<String>] = [:]
        var presence: [String: Int] = [:]
        for s in sources {
            for d in s.metric.dimensions {
                valuesByName[d.name, default: []].insert(d.value)
                presence[d.name, default: 0] += 1
            }
        }
        let differingDims = valuesByName.keys.sorted().filter { valuesByName[$0]!.count > 1 || presence[$0]! < sources.count }
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
