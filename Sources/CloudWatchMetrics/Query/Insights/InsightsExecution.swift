import AWSShapes
import Storage
import TrailwatchCore

extension MetricDataService.Evaluation {
    /// Runs a Metrics Insights query: every matching metric's cells merged per bucket (so AVG
    /// is Σsum/Σcount over raw samples), grouped, ordered and limited.
    func insights(_ q: InsightsQuery, query: CloudWatch.MetricDataQuery) async throws -> MathValue {
        guard let requested = query.period.map(Int64.init) else {
            throw MathError(message: "Period is a required field when using query within an expression")
        }
        if requested < 60 && ![1, 5, 10, 20, 30].contains(requested) {
            throw MathError(message: "The parameter Period must be a value in the set [ 1, 5, 10, 20, 30 ].")
        }
        if requested >= 60 && requested % 60 != 0 {
            throw MathError(message: "The parameter Period must be a multiple of 60.")
        }
        // Insights answers at minute granularity, from the minute-floored start.
        let period = max(60, requested)
        var from = start - ((start % 60) + 60) % 60
        let until = end - ((end % 60) + 60) % 60
        let oldest = now - MetricDataService.insightsWindow
        if from < oldest {
            addTopMessage("MaxQueryTimeRangeExceeded", "Max time window exceeded for query")
            from += ((oldest - from + period - 1) / period) * period
        }
        let all = try await service.store.series(in: ctx.scope, namespace: q.namespace, metricName: q.metricName)
        let matching = all.filter { info in
            let dims = info.key.metric.dimensions
            if let keys = q.schemaKeys, Set(dims.map(\.name)) != keys || dims.count != keys.count { return false }
            return q.conditions.allSatisfy { c in
                let actual: String? = c.key == "AWS.AccountId" ? ctx.identity.accountId : dims.first { $0.name == c.key }?.value
                let wanted = c.value ?? (c.key == "AWS.AccountId" ? ctx.identity.accountId : "\u{0}")
                return c.equals ? actual == wanted : actual != wanted
            }
        }
        // Group the matching series.
        var groups: [[String]: [SeriesInfo]] = [:]
        for info in matching {
            let key = q.groupBy.map { k -> String in
                if k == "AWS.AccountId" { return ctx.identity.accountId }
                return info.key.metric.dimensions.first { $0.name == k }?.value ?? "Other"
            }
            groups[key, default: []].append(info)
        }
        if q.groupBy.isEmpty && groups.isEmpty { groups[[]] = [] }
        var out: [(key: [String], series: TimeSeries)] = []
        for (key, members) in groups {
            var series = TimeSeries(label: key.joined(separator: " "), period: period)
            if !q.groupBy.isEmpty { series.attributes = Dictionary(zip(q.groupBy, key), uniquingKeysWith: { a, _ in a }) }
            if from < until, !members.isEmpty {
                var merged = CellColumns()
                for c in try await service.store.cells(members.map(\.id), start: from, end: until, resolution: Int(period)) {
                    merged.append(contentsOf: c)
                }
                for (ts, cell) in PeriodAggregation.aggregate(merged.normalized(), start: from, end: until, period: period, distributions: false) {
                    series.timestamps.append(ts)
                    series.values.append(Self.apply(q.function, cell))
                }
            }
            out.append((key, series))
        }
        // Default order: group values ascending, position by position, "Other" last.
        out.sort { a, b in
            for (x, y) in zip(a.key, b.key) where x != y {
                if x == "Other" { return false }
                if y == "Other" { return true }
                return x < y
            }
            return false
        }
        if let (fn, ascending) = q.orderBy {
            func score(_ s: TimeSeries) -> Double {
                switch fn {
                case .avg: return s.values.isEmpty ? 0 : s.values.reduce(0, +) / Double(s.values.count)
                case .count: return Double(s.values.count)
                case .max: return s.values.max() ?? -.infinity
                case .min: return s.values.min() ?? .infinity
                case .sum: return s.values.reduce(0, +)
                }
            }
            out.sort { ascending ? score($0.series) < score($1.series) : score($0.series) > score($1.series) }
        }
        out = Array(out.prefix(min(q.limit ?? MetricDataService.maxSearchResults, MetricDataService.maxSearchResults)))
        if q.groupBy.isEmpty {
            var s = out.first?.series ?? TimeSeries(label: query.id, period: period)
            s.label = query.id
            return .series(s)
        }
        return .array(out.enumerated().map { i, entry in
            var s = entry.series
            if q.orderBy != nil { s.label = "\(i + 1) - \(s.label)" }
            return s
        })
    }

    static func apply(_ f: InsightsQuery.Function, _ cell: MetricCell) -> Double {
        switch f {
        case .avg: return cell.sum / cell.count
        case .count: return cell.count
        case .max: return cell.max
        case .min: return cell.min
        case .sum: return cell.sum
        }
    }
}
