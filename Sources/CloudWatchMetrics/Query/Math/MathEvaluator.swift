import Foundation

/// What an expression can see while it is evaluated.
struct MathEnvironment: Sendable {
    /// The request window (start rounded as GetMetricData rounds it; end exclusive).
    var start: Int64
    var end: Int64
    /// The period non-sparse results use when no input series gives one.
    var defaultPeriod: Int64
    /// The expression query's own `Period`, if any.
    var queryPeriod: Int64?
    /// Evaluates another query by id.
    var resolve: @Sendable (String) async throws -> MathValue
    /// Every MetricStat query of the request, in request order (for METRICS()).
    var metricStats: @Sendable () async throws -> [(id: String, series: TimeSeries)]
    /// Runs a SEARCH: query string, statistic, period.
    var search: @Sendable (String, String, Int64) async throws -> [TimeSeries]
    /// The anomaly model of a metric statistic at a period, trained up to a time; nil while
    /// it has too little history.
    var anomalyModel: @Sendable (TimeSeries.Source, Int64, Int64) async throws -> AnomalyModel? = { _, _, _ in nil }
    /// Whether a query id is a MetricStat query (its series is a metric's, not computed).
    var isMetricStat: @Sendable (String) -> Bool = { _ in false }
    /// The anomaly model of a metric math expression's series at a period, trained up to a
    /// time on the expression evaluated over its history; nil while it has too little.
    var expressionModel: @Sendable (MathExpr, Int64, Int64) async throws -> AnomalyModel? = { _, _, _ in nil }
    /// A Contributor Insights rule's metric at a period (INSIGHT_RULE_METRIC); nil when the
    /// endpoint has no Contributor Insights.
    var insightRuleMetric: (@Sendable (String, String, Int64) async throws -> TimeSeries)?
}

/// Evaluates metric math (see /work/research notes in the closing note; AWS's semantics):
/// arithmetic and comparisons between series take the union of timestamps with a missing
/// side as 0; aggregates of one series are scalars; aggregates of an array are a series per
/// timestamp (AVG dividing by the member count); non-finite results are dropped and flagged.
final class MathEvaluator: @unchecked Sendable {
    let env: MathEnvironment
    /// Set when a point was dropped for being NaN or infinite.
    private(set) var droppedNonFinite = false

    init(_ env: MathEnvironment) { self.env = env }

    func evaluate(_ e: MathExpr) async throws -> MathValue {
        switch e {
        case .number(let v): return .scalar(v)
        case .string(let s): return .string(s)
        case .keyword(let k): return .keyword(k)
        case .reference(let id): return try await env.resolve(id)
        case .array(let items):
            var members: [TimeSeries] = []
            for item in items {
                switch try await evaluate(item) {
                case .series(let s): members.append(s)
                case .array(let a): members.append(contentsOf: a)
                default: throw MathError.invalidSyntax
                }
            }
            return .array(members)
        case .unary(_, let inner):
            return try await unaryMinus(try await evaluate(inner))
        case .binary(let op, let l, let r):
            return try binary(op, try await evaluate(l), try await evaluate(r))
        case .call(let name, let args):
            return try await call(name, args)
        }
    }

    // MARK: Operators

    private func unaryMinus(_ v: MathValue) throws -> MathValue {
        switch v {
        case .scalar(let x): return .scalar(-x)
        case .series(let s): return .series(s.with(values: s.values.map { -$0 }))
        case .array(let a): return .array(a.map { $0.with(values: $0.values.map { -$0 }) })
        default: throw MathError(message: "Unsupported operand type(s) for -: '[\(v.typeName)]'")
        }
    }

    static func apply(_ op: String, _ a: Double, _ b: Double) -> Double {
        switch op {
        case "+": return a + b
        case "-": return a - b
        case "*": return a * b
        case "/": return a / b
        case "^": return Foundation.pow(a, b)
        case "==": return a == b ? 1 : 0
        case "!=": return a != b ? 1 : 0
        case "<": return a < b ? 1 : 0
        case ">": return a > b ? 1 : 0
        case "<=": return a <= b ? 1 : 0
        case ">=": return a >= b ? 1 : 0
        case "AND": return (a != 0 && b != 0) ? 1 : 0
        case "OR": return (a != 0 || b != 0) ? 1 : 0
        default: return .nan
        }
    }

    func clean(_ s: TimeSeries) -> TimeSeries {
        var s = s
        if SeriesAlgebra.dropNonFinite(&s) { droppedNonFinite = true }
        return s
    }

    private func binary(_ op: String, _ l: MathValue, _ r: MathValue) throws -> MathValue {
        switch (l, r) {
        case (.scalar(let a), .scalar(let b)):
            return .scalar(Self.apply(op, a, b))
        case (.series(let s), .scalar(let b)):
            return .series(clean(s.with(values: s.values.map { Self.apply(op, $0, b) })))
        case (.scalar(let a), .series(let s)):
            return .series(clean(s.with(values: s.values.map { Self.apply(op, a, $0) })))
        case (.series(let a), .series(let b)):
            var out = SeriesAlgebra.combine(a, b, label: a.label) { Self.apply(op, $0, $1) }
            out.source = nil
            return .series(clean(out))
        case (.array(let arr), .scalar(let b)):
            return .array(arr.map { clean($0.with(values: $0.values.map { Self.apply(op, $0, b) })) })
        case (.scalar(let a), .array(let arr)):
            return .array(arr.map { clean($0.with(values: $0.values.map { Self.apply(op, a, $0) })) })
        case (.array(let arr), .series(let s)):
            return .array(arr.map { m in var o = SeriesAlgebra.combine(m, s, label: m.label) { Self.apply(op, $0, $1) }; o.source = m.source; return clean(o) })
        case (.series(let s), .array(let arr)):
            return .array(arr.map { m in var o = SeriesAlgebra.combine(s, m, label: m.label) { Self.apply(op, $0, $1) }; o.source = m.source; return clean(o) })
        default:
            throw MathError(message: "Unsupported operand type(s) for \(op): '[\(l.typeName), \(r.typeName)]'")
        }
    }
}
