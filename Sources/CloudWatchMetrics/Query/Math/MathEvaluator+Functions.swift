import Foundation
import TrailwatchCore

/// The metric math functions: which exist, how each is called, and what each computes.
extension MathEvaluator {
    static let functions: Set<String> = [
        "ABS", "ANOMALY_DETECTION_BAND", "AVG", "CEIL", "DATAPOINT_COUNT", "DB_PERF_INSIGHTS", "DIFF", "DIFF_TIME",
        "FILL", "FIRST", "LAST", "FLOOR", "IF", "INSIGHT_RULE_METRIC", "LAMBDA", "LOG", "LOG10", "MAX", "METRIC_COUNT",
        "METRICS", "MIN", "MINUTE", "HOUR", "DAY", "DATE", "MONTH", "YEAR", "EPOCH", "PERIOD", "RATE", "REMOVE_EMPTY",
        "RUNNING_SUM", "SEARCH", "SERVICE_QUOTA", "SLICE", "SORT", "STDDEV", "SUM", "TIME_SERIES",
    ]

    func unsupported(_ name: String, _ args: [MathValue]) -> MathError {
        MathError(message: "Unsupported operand type(s) for \(name): '[\(args.map(\.typeName).joined(separator: ", "))]'")
    }

    func call(_ name: String, _ argExprs: [MathExpr]) async throws -> MathValue {
        guard Self.functions.contains(name) else { throw MathError(message: "Function '\(name)' not found") }
        var args: [MathValue] = []
        for a in argExprs { args.append(try await evaluate(a)) }
        switch name {
        case "ABS": return try map(name, args) { abs($0) }
        case "CEIL": return try map(name, args) { $0.rounded(.up) }
        case "FLOOR": return try map(name, args) { $0.rounded(.down) }
        case "LOG": return try map(name, args) { Foundation.log($0) }
        case "LOG10": return try map(name, args) { Foundation.log10($0) }
        case "SUM", "MIN", "MAX", "AVG", "STDDEV", "DATAPOINT_COUNT":
            return try aggregate(name, args)
        case "METRIC_COUNT":
            guard args.count == 1, case .array(let a) = args[0] else { throw unsupported(name, args) }
            return .scalar(Double(a.count))
        case "METRICS":
            var filter: String?
            if args.count == 1, case .string(let f) = args[0] { filter = f } else if !args.isEmpty { throw unsupported(name, args) }
            return .array(try await env.metricStats().filter { filter == nil || $0.id.contains(filter!) }.map(\.series))
        case "FIRST", "LAST":
            guard args.count == 1, case .array(let a) = args[0] else { throw unsupported(name, args) }
            guard let s = name == "FIRST" ? a.first : a.last else { return .series(TimeSeries(label: "", period: env.defaultPeriod)) }
            return .series(s)
        case "REMOVE_EMPTY":
            guard args.count == 1, case .array(let a) = args[0] else { throw unsupported(name, args) }
            return .array(a.filter { !$0.isEmpty })
        case "DIFF": return try transform(name, args) { s in Self.pairwise(s) { _, _, v0, v1 in v1 - v0 } }
        case "DIFF_TIME": return try transform(name, args) { s in Self.pairwise(s) { t0, t1, _, _ in Double(t1 - t0) } }
        case "RATE": return try transform(name, args) { s in Self.pairwise(s) { t0, t1, v0, v1 in (v1 - v0) / Double(t1 - t0) } }
        case "RUNNING_SUM":
            return try transform(name, args) { s in
                var total = 0.0
                return s.with(values: s.values.map { total += $0; return total })
            }
        case "PERIOD":
            guard args.count == 1, case .series(let s) = args[0] else { throw unsupported(name, args) }
            return .scalar(Double(s.period))
        case "TIME_SERIES":
            guard args.count == 1, case .scalar(let v) = args[0] else { throw unsupported(name, args) }
            let p = env.queryPeriod ?? env.defaultPeriod
            return .series(try dense(label: "", period: p) { _ in v })
        case "MINUTE", "HOUR", "DAY", "DATE", "MONTH", "YEAR", "EPOCH":
            guard args.count == 1, case .series(let s) = args[0] else { throw unsupported(name, args) }
            return .series(try dense(label: s.label, period: s.period) { Self.calendar(name, $0) })
        case "FILL": return try fill(args)
        case "IF": return try conditional(args)
        case "SLICE": return try slice(args)
        case "SORT": return try sort(args)
        case "SEARCH": return try await search(args)
        case "SERVICE_QUOTA":
            guard args.count == 1, case .series = args[0] else { throw unsupported(name, args) }
            throw MathError(message: "SERVICE_QUOTA needs a usage metric in the AWS/Usage namespace published by AWS Service Quotas, and this endpoint has no service quotas")
        case "ANOMALY_DETECTION_BAND": return try await band(args, of: argExprs.first)
        case "INSIGHT_RULE_METRIC": return try await insightRuleMetric(args)
        case "LAMBDA", "DB_PERF_INSIGHTS":
            throw MathError(message: "\(name) reads an external data source that this endpoint cannot reach")
        default:
            throw MathError(message: "Function '\(name)' not found")
        }
    }

    /// `ANOMALY_DETECTION_BAND(m, k)`: two series, the band's lower and upper bounds
    /// (`expected ± k × spread`, k defaulting to 2) at every period of the window, from the
    /// model of m's metric statistic, or of m's expression when m is metric math, trained on
    /// the expression evaluated over its history (`AnomalyBands`); no points while the model
    /// has too little history. Member labels `Lower` and `Upper` (wording unverified).
    private func band(_ args: [MathValue], of expression: MathExpr?) async throws -> MathValue {
        guard (1...2).contains(args.count), case .series(let s) = args[0] else { throw unsupported("ANOMALY_DETECTION_BAND", args) }
        var k = 2.0
        if args.count == 2 {
            guard case .scalar(let v) = args[1] else { throw unsupported("ANOMALY_DETECTION_BAND", args) }
            k = v
        }
        var lower = TimeSeries(label: "Lower", period: s.period), upper = TimeSeries(label: "Upper", period: s.period)
        let trainedAt = AnomalyBands.trainingEnd(start: env.start, end: env.end)
        let trained: AnomalyModel?
        // A computed series keeps its first input's source; only a MetricStat's own series is
        // the metric's.
        var metric: TimeSeries.Source?
        if case .reference(let id)? = expression, env.isMetricStat(id) { metric = s.source }
        if let source = metric {
            trained = try await env.anomalyModel(source, s.period, trainedAt)
        } else if let expression {
            trained = try await env.expressionModel(expression, s.period, trainedAt)
        } else {
            trained = nil
        }
        guard let model = trained else { return .array([lower, upper]) }
        let bounds = try dense(label: "", period: s.period) { t in model.band(at: t, deviations: k).lower }
        lower.timestamps = bounds.timestamps
        lower.values = bounds.values
        upper.timestamps = bounds.timestamps
        upper.values = bounds.timestamps.map { model.band(at: $0, deviations: k).upper }
        return .array([lower, upper])
    }

    /// Applies `f` to every value of a series or of each array member.
    private func map(_ name: String, _ args: [MathValue], _ f: (Double) -> Double) throws -> MathValue {
        guard args.count == 1 else { throw unsupported(name, args) }
        switch args[0] {
        case .series(let s): return .series(clean(s.with(values: s.values.map(f))))
        case .array(let a): return .array(a.map { clean($0.with(values: $0.values.map(f))) })
        default: throw unsupported(name, args)
        }
    }

    private func transform(_ name: String, _ args: [MathValue], _ f: (TimeSeries) -> TimeSeries) throws -> MathValue {
        guard args.count == 1 else { throw unsupported(name, args) }
        switch args[0] {
        case .series(let s): return .series(clean(f(s)))
        case .array(let a): return .array(a.map { clean(f($0)) })
        default: throw unsupported(name, args)
        }
    }

    /// Each point after the first, from it and the one before.
    static func pairwise(_ s: TimeSeries, _ f: (Int64, Int64, Double, Double) -> Double) -> TimeSeries {
        var out = s
        out.timestamps = []
        out.values = []
        guard s.count > 1 else { return out }
        for i in 1..<s.count {
            out.timestamps.append(s.timestamps[i])
            out.values.append(f(s.timestamps[i - 1], s.timestamps[i], s.values[i - 1], s.values[i]))
        }
        return out
    }

    /// A non-sparse series: one point per period over the window.
    /// Refused past `MetricDataService.defaultMaxDatapoints` points (AWS's limit for one call),
    /// so a one-second period over a year cannot make the server allocate millions of points.
    private func dense(label: String, period: Int64, _ f: (Int64) -> Double) throws -> TimeSeries {
        var out = TimeSeries(label: label, period: period)
        let points = (env.end - env.start) / max(1, period)
        guard points <= Int64(MetricDataService.defaultMaxDatapoints) else {
            throw MathError(message: "The expression would compute \(points) datapoints, more than the limit of \(MetricDataService.defaultMaxDatapoints) for one call. Increase the period or shorten the time range.")
        }
        var t = env.start
        while t < env.end {
            out.timestamps.append(t)
            out.values.append(f(t))
            t += max(1, period)
        }
        return out
    }

    /// The window's period slots for a series' period.
    private func slots(_ period: Int64) -> Double {
        Double(max(1, (env.end - env.start + period - 1) / max(1, period)))
    }

    private func aggregate(_ name: String, _ args: [MathValue]) throws -> MathValue {
        guard args.count == 1 else { throw unsupported(name, args) }
        switch args[0] {
        case .series(let s):
            let v = s.values
            switch name {
            case "SUM": return .scalar(v.reduce(0, +))
            case "MIN": return .scalar(v.min() ?? .nan)
            case "MAX": return .scalar(v.max() ?? .nan)
            case "DATAPOINT_COUNT": return .scalar(Double(v.count))
            case "AVG": return .scalar(v.reduce(0, +) / slots(s.period))
            default:  // STDDEV over every slot, missing as 0
                let n = slots(s.period)
                let mean = v.reduce(0, +) / n
                let sq = v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } + (n - Double(v.count)) * mean * mean
                return .scalar((sq / n).squareRoot())
            }
        case .array(let members):
            let period = members.map(\.period).min() ?? env.defaultPeriod
            return .series(clean(SeriesAlgebra.across(members, label: "", period: period) { present, n in
                switch name {
                case "SUM": return present.reduce(0, +)
                case "MIN": return present.min()
                case "MAX": return present.max()
                case "DATAPOINT_COUNT": return Double(present.count)
                case "AVG": return present.reduce(0, +) / Double(n)
                default:
                    let mean = present.reduce(0, +) / Double(n)
                    let sq = present.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } + Double(n - present.count) * mean * mean
                    return (sq / Double(n)).squareRoot()
                }
            }))
        default:
            throw unsupported(name, args)
        }
    }

    static func calendar(_ name: String, _ t: Int64) -> Double {
        if name == "EPOCH" { return Double(t) }
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        let d = Date(timeIntervalSince1970: Double(t))
        switch name {
        case "MINUTE": return Double(cal.component(.minute, from: d))
        case "HOUR": return Double(cal.component(.hour, from: d))
        case "DAY":  // 1 = Monday ... 7 = Sunday
            let weekday = cal.component(.weekday, from: d)  // 1 = Sunday
            return Double((weekday + 5) % 7 + 1)
        case "DATE": return Double(cal.component(.day, from: d))
        case "MONTH": return Double(cal.component(.month, from: d))
        default: return Double(cal.component(.year, from: d))
        }
    }

    // FILL(series|array, scalar | series | REPEAT | LINEAR)
    private func fill(_ args: [MathValue]) throws -> MathValue {
        guard args.count == 2 else { throw unsupported("FILL", args) }
        func filled(_ s: TimeSeries) throws -> TimeSeries {
            var known: [Int64: Double] = [:]
            for (t, v) in zip(s.timestamps, s.values) { known[t] = v }
            let grid = try dense(label: s.label, period: s.period) { _ in 0 }.timestamps
            var out = TimeSeries(label: s.label, period: s.period, source: s.source)
            switch args[1] {
            case .scalar(let c):
                for t in grid { out.timestamps.append(t); out.values.append(known[t] ?? c) }
            case .series(let filler):
                var f: [Int64: Double] = [:]
                for (t, v) in zip(filler.timestamps, filler.values) { f[t] = v }
                for t in grid { if let v = known[t] ?? f[t] { out.timestamps.append(t); out.values.append(v) } }
            case .keyword("REPEAT"):
                var last: Double?
                for t in grid {
                    if let v = known[t] { last = v }
                    if let v = last { out.timestamps.append(t); out.values.append(v) }
                }
            case .keyword("LINEAR"):
                let points = grid.compactMap { t in known[t].map { (t, $0) } }
                for t in grid {
                    if let v = known[t] { out.timestamps.append(t); out.values.append(v); continue }
                    guard let before = points.last(where: { $0.0 < t }), let after = points.first(where: { $0.0 > t }) else { continue }
                    let f = Double(t - before.0) / Double(after.0 - before.0)
                    out.timestamps.append(t)
                    out.values.append(before.1 + f * (after.1 - before.1))
                }
            default:
                throw unsupported("FILL", args)
            }
            return out
        }
        switch args[0] {
        case .series(let s): return .series(try filled(s))
        case .array(let a): return .array(try a.map(filled))
        default: throw unsupported("FILL", args)
        }
    }

    // IF(condition, trueValue[, falseValue])
    private func conditional(_ args: [MathValue]) throws -> MathValue {
        guard args.count == 2 || args.count == 3 else { throw unsupported("IF", args) }
        let whenFalse: MathValue? = args.count == 3 ? args[2] : nil
        switch args[0] {
        case .scalar(let c):
            let chosen = c != 0 ? args[1] : whenFalse
            switch chosen {
            case .series(let s)?: return .series(s)
            case nil: return .series(TimeSeries(label: "", period: env.defaultPeriod))
            default: throw unsupported("IF", args)
            }
        case .series(let cond):
            func lookup(_ v: MathValue?) throws -> ((Int64) -> Double?)? {
                switch v {
                case .scalar(let x)?: return { _ in x }
                case .series(let s)?:
                    var m: [Int64: Double] = [:]
                    for (t, x) in zip(s.timestamps, s.values) { m[t] = x }
                    return { m[$0] }
                case nil: return nil
                default: throw unsupported("IF", args)
                }
            }
            guard let onTrue = try lookup(args[1]) else { throw unsupported("IF", args) }
            let onFalse = try lookup(whenFalse)
            var out = TimeSeries(label: cond.label, period: cond.period)
            for (t, c) in zip(cond.timestamps, cond.values) {
                let v: Double?
                if c != 0 {
                    v = onTrue(t) ?? 0  // a missing true branch counts as 0
                } else {
                    v = onFalse?(t)  // a missing false branch drops the point
                }
                if let v {
                    out.timestamps.append(t)
                    out.values.append(v)
                }
            }
            return .series(clean(out))
        default:
            throw unsupported("IF", args)
        }
    }

    // SLICE(array, start[, end])
    private func slice(_ args: [MathValue]) throws -> MathValue {
        guard args.count == 2 || args.count == 3, case .array(let a) = args[0], case .scalar(let s) = args[1] else {
            throw unsupported("SLICE", args)
        }
        var end = Double(a.count)
        if args.count == 3 {
            guard case .scalar(let e) = args[2] else { throw unsupported("SLICE", args) }
            end = e
        }
        let lo = max(0, min(a.count, Int(saturating: s))), hi = max(lo, min(a.count, Int(saturating: end)))
        return .array(Array(a[lo..<hi]))
    }

    // SORT(array, AVG|MIN|MAX|SUM, ASC|DESC[, limit])
    private func sort(_ args: [MathValue]) throws -> MathValue {
        guard args.count == 3 || args.count == 4, case .array(let a) = args[0],
              case .keyword(let fn) = args[1], ["AVG", "MIN", "MAX", "SUM"].contains(fn),
              case .keyword(let order) = args[2], order == "ASC" || order == "DESC" else {
            throw unsupported("SORT", args)
        }
        func key(_ s: TimeSeries) -> Double {
            switch fn {
            case "MIN": return s.values.min() ?? -.infinity
            case "MAX": return s.values.max() ?? -.infinity
            case "SUM": return s.values.reduce(0, +)
            default: return s.values.reduce(0, +) / slots(s.period)
            }
        }
        var sorted = a.sorted { key($0) < key($1) }
        if order == "DESC" { sorted.reverse() }
        if args.count == 4 {
            guard case .scalar(let n) = args[3] else { throw unsupported("SORT", args) }
            sorted = Array(sorted.prefix(max(0, Int(saturating: n))))
        }
        return .array(sorted)
    }

    // INSIGHT_RULE_METRIC('rule', 'metric'): the rule's metric at the query's period. The
    // report checks the metric's name and the period (its errors are the expression's).
    private func insightRuleMetric(_ args: [MathValue]) async throws -> MathValue {
        guard args.count == 2, case .string(let rule) = args[0], case .string(let metric) = args[1] else {
            throw unsupported("INSIGHT_RULE_METRIC", args)
        }
        guard let read = env.insightRuleMetric else {
            throw MathError(message: "INSIGHT_RULE_METRIC needs Contributor Insights, which this endpoint does not run")
        }
        return .series(try await read(rule, metric, env.queryPeriod ?? env.defaultPeriod))
    }

    // SEARCH('query', 'statistic'[, period])
    private func search(_ args: [MathValue]) async throws -> MathValue {
        guard (2...3).contains(args.count), case .string(let query) = args[0], case .string(let stat) = args[1] else {
            throw unsupported("SEARCH", args)
        }
        var period = env.queryPeriod
        if args.count == 3 {
            guard case .scalar(let p) = args[2] else { throw unsupported("SEARCH", args) }
            if p < 0 { throw MathError(message: "SEARCH arguments must be '[String, String, Positive Number]'", bare: true) }
            if p == 0 { throw MathError(message: "The parameter Period must not equal 0.\n") }
            period = Int64(saturating: p)
        }
        guard let period else {
            throw MathError(message: "Period is a required field when using SEARCH function within an expression", bare: true)
        }
        guard period % 60 == 0 || [1, 5, 10, 20, 30].contains(period) else {
            throw MathError(message: "The parameter Period must be a multiple of 60.\n")
        }
        guard Statistic(stat) != nil else { throw MathError(message: "The value for parameter Stat is not a valid statistic.\n") }
        return .array(try await env.search(query, stat, period))
    }
}
