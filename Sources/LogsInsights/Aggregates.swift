import Foundation

/// The `stats` functions (computed by `Accumulator`s).
enum Aggregates {
    static let known: Set<String> = [
        "count", "count_distinct", "sum", "avg", "min", "max", "pct", "stddev", "earliest", "latest", "sortsfirst", "sortslast",
    ]

    static func contains(_ e: Expr) -> Bool {
        switch e {
        case .call(let name, let args): return known.contains(name) || args.contains(where: contains)
        case .binary(_, let a, let b): return contains(a) || contains(b)
        case .not(let a), .negate(let a): return contains(a)
        case .list(let items): return items.contains(where: contains)
        default: return false
        }
    }
}
