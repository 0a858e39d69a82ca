import Foundation

/// The `stats` functions, computed over a group's rows.
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

    static func compute(_ name: String, _ args: [Expr], _ rows: [Row], _ eval: (Expr, Row) throws -> Value) throws -> Value {
        func values() throws -> [Value] {
            guard let a = args.first else { throw InsightsError("Function \(name) needs a field") }
            if case .star = a { return rows.map { _ in .bool(true) } }
            return try rows.map { try eval(a, $0) }.filter { !$0.isNull }
        }
        func numbers() throws -> [Double] { try values().compactMap(\.number) }
        switch name {
        case "count":
            if args.isEmpty { return .number(Double(rows.count)) }
            return .number(Double(try values().count))
        case "count_distinct":
            return .number(Double(Set(try values().compactMap(\.text)).count))
        case "sum":
            let n = try numbers()
            return n.isEmpty ? .null : .number(n.reduce(0, +))
        case "avg":
            let n = try numbers()
            return n.isEmpty ? .null : .number(n.reduce(0, +) / Double(n.count))
        case "min", "max":
            let v = try values()
            if v.allSatisfy({ $0.number != nil }) {
                let n = v.compactMap(\.number)
                guard let m = name == "min" ? n.min() : n.max() else { return .null }
                if case .time? = v.first, let t = Value.int64(m) { return .time(t) }
                return .number(m)
            }
            return (name == "min" ? v.min { (Value.compare($0, $1) ?? 0) < 0 } : v.max { (Value.compare($0, $1) ?? 0) < 0 }) ?? .null
        case "stddev":
            let n = try numbers()
            guard n.count > 1 else { return n.isEmpty ? .null : .number(0) }
            let mean = n.reduce(0, +) / Double(n.count)
            return .number((n.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n.count - 1)).squareRoot())
        case "pct":
            guard args.count == 2, case .number(let p) = args[1], (0...100).contains(p) else {
                throw InsightsError("pct takes a field and a percentile between 0 and 100")
            }
            let n = try numbers().sorted()
            guard !n.isEmpty else { return .null }
            // Nearest rank.
            let rank = max(1, Int((p / 100 * Double(n.count)).rounded(.up)))
            return .number(n[min(n.count, rank) - 1])
        case "earliest", "latest":
            guard let a = args.first else { throw InsightsError("Function \(name) needs a field") }
            let present = try rows.compactMap { r -> (Int64, Value)? in
                let v = try eval(a, r)
                return v.isNull ? nil : (r.timestamp, v)
            }
            let pick = name == "earliest" ? present.min { $0.0 < $1.0 } : present.max { $0.0 < $1.0 }
            return pick?.1 ?? .null
        case "sortsfirst", "sortslast":
            let v = try values()
            let sorted = v.sorted { (Value.compare($0, $1) ?? 0) < 0 }
            return (name == "sortsfirst" ? sorted.first : sorted.last) ?? .null
        default:
            throw InsightsError("Unknown function '\(name)'")
        }
    }
}
