import Foundation

/// `stats` computed as rows arrive: each group holds one small accumulator per aggregate call
/// instead of its rows, so `stats pct(latency, 99) by bin(1m)` over 10M events keeps 10M
/// numbers, not 10M rows (the kept rows and their final pass were W4's hot spot).
///
/// Shards of a scan fill their own tables; `merge` combines them as if one had seen every row.
struct StatsGroups {
    let aggregates: [Named]
    let by: [Named]
    /// Every aggregate call in `aggregates` (`sum(x) / count(*)` has two), each with its slot.
    let calls: [Expr]

    struct Group {
        var keys: [Value]
        var slots: [Accumulator]
        /// The group's first row: what a non-aggregate part of an expression reads, and the
        /// group row's time.
        var first: Row
    }
    private(set) var groups: [[InsightsRun.GroupKey]: Group] = [:]

    init(aggregates: [Named], by: [Named]) {
        self.aggregates = aggregates
        self.by = by
        var calls: [Expr] = []
        func collect(_ e: Expr) {
            switch e {
            case .call(let name, _) where Aggregates.known.contains(name): if !calls.contains(e) { calls.append(e) }
            case .call(_, let args): args.forEach(collect)
            case .binary(_, let a, let b): collect(a); collect(b)
            case .negate(let a), .not(let a): collect(a)
            default: break
            }
        }
        aggregates.forEach { collect($0.expr) }
        self.calls = calls
    }

    /// Adds a row to its group.
    mutating func add(_ row: Row, _ eval: (Expr, Row) throws -> Value) throws {
        let keys = try by.map { try eval($0.expr, row) }
        let k = keys.map(InsightsRun.GroupKey.init)
        var at = groups.index(forKey: k)
        if at == nil {
            groups[k] = Group(keys: keys, slots: try calls.map(Accumulator.init), first: row)
            at = groups.index(forKey: k)
        }
        try groups.values[at!].slots.withUnsafeMutableBufferPointer { slots in
            for (i, call) in calls.enumerated() {
                guard case .call(_, let args) = call else { continue }
                try slots[i].add(args, row, eval)
            }
        }
    }

    /// Adds another table's groups (a sibling shard's).
    mutating func merge(_ other: StatsGroups) {
        for (k, g) in other.groups {
            guard var mine = groups[k] else { groups[k] = g; continue }
            if g.first.timestamp < mine.first.timestamp { mine.first = g.first }
            for i in mine.slots.indices { mine.slots[i].merge(g.slots[i]) }
            groups[k] = mine
        }
    }

    /// A row per group, in ascending order of their keys (one row with no groups and no `by`).
    func rows(_ eval: (Expr, Row) throws -> Value) throws -> [Row] {
        var all = Array(groups.values)
        if by.isEmpty && all.isEmpty {
            all = [Group(keys: [], slots: try calls.map(Accumulator.init), first: Row(fields: [:], timestamp: 0))]
        }
        all.sort { a, b in
            for (x, y) in zip(a.keys, b.keys) {
                if let c = Value.compare(x, y), c != 0 { return c < 0 }
            }
            return false
        }
        return try all.map { g in
            var fields: [String: Value] = [:]
            for (n, v) in zip(by, g.keys) { fields[n.name] = v }
            for a in aggregates { fields[a.name] = try value(a.expr, g, eval) }
            return Row(fields: fields, timestamp: g.first.timestamp)
        }
    }

    private func value(_ e: Expr, _ g: Group, _ eval: (Expr, Row) throws -> Value) throws -> Value {
        switch e {
        case .call(let name, _) where Aggregates.known.contains(name):
            return try g.slots[calls.firstIndex(of: e)!].result()
        case .binary(let op, let a, let b):
            return try InsightsRun.binary(op, try value(a, g, eval), try value(b, g, eval))
        case .negate(let a):
            return try value(a, g, eval).number.map { .number(-$0) } ?? .null
        case .call(let name, let args):
            return try Functions.call(name, try args.map { try value($0, g, eval) }, period: { InsightsRun.period(args, $0) })
        default:
            return g.first.fields.isEmpty ? .null : try eval(e, g.first)
        }
    }
}

/// One aggregate call's state over a group's rows.
enum Accumulator {
    /// `count()`, `count(*)`, `count(x)`: the rows, or those where x is present.
    case count(Int, star: Bool)
    case distinct(Set<InsightsRun.GroupKey>)
    /// `sum` and `avg`: the numbers' sum and how many.
    case sum(Double, Int, average: Bool)
    /// `min` and `max`: the best number (and whether the first value was a time, to answer
    /// a time), and the best value by `Value.compare` when some value is not a number.
    case extreme(number: Double?, time: Bool, best: Value?, allNumbers: Bool, max: Bool)
    /// `pct` and `stddev`: every number (both need them all; 8 bytes a row).
    case numbers([Double], percentile: Double?)
    /// `earliest` and `latest`: the value at the first / last time.
    case timed(Int64, Value?, latest: Bool)
    /// `sortsFirst` and `sortsLast`.
    case sorts(Value?, last: Bool)

    init(_ call: Expr) throws {
        guard case .call(let name, let args) = call else { throw InsightsError("Not an aggregate") }
        if name != "count", args.isEmpty { throw InsightsError("Function \(name) needs a field") }
        switch name {
        case "count":
            if case .star? = args.first { self = .count(0, star: true) } else { self = .count(0, star: args.isEmpty) }
        case "count_distinct": self = .distinct([])
        case "sum", "avg": self = .sum(0, 0, average: name == "avg")
        case "min", "max": self = .extreme(number: nil, time: false, best: nil, allNumbers: true, max: name == "max")
        case "stddev": self = .numbers([], percentile: nil)
        case "pct":
            guard args.count == 2, case .number(let p) = args[1], (0...100).contains(p) else {
                throw InsightsError("pct takes a field and a percentile between 0 and 100")
            }
            self = .numbers([], percentile: p)
        case "earliest", "latest": self = .timed(0, nil, latest: name == "latest")
        case "sortsfirst", "sortslast": self = .sorts(nil, last: name == "sortslast")
        default: throw InsightsError("Unknown function '\(name)'")
        }
    }

    mutating func add(_ args: [Expr], _ row: Row, _ eval: (Expr, Row) throws -> Value) throws {
        if case .count(let n, star: true) = self { self = .count(n + 1, star: true); return }
        let v = try eval(args[0], row)
        if v.isNull { return }
        add(v, at: row.timestamp)
    }

    mutating func add(_ v: Value, at time: Int64) {
        switch self {
        case .count(let n, let star): self = .count(n + 1, star: star)
        case .distinct(var s):
            self = .count(0, star: false)  // no second reference while it grows
            s.insert(InsightsRun.GroupKey(v))
            self = .distinct(s)
        case .sum(let total, let n, let average):
            if let d = v.number { self = .sum(total + d, n + 1, average: average) }
        case .extreme(let number, var time, let best, var allNumbers, let max):
            if number == nil && allNumbers, case .time = v { time = true }
            var newNumber = number
            if let d = v.number {
                if let m = number { newNumber = max ? Swift.max(m, d) : Swift.min(m, d) } else { newNumber = d }
            } else {
                allNumbers = false
            }
            var newBest = best
            if let b = best {
                let c = Value.compare(v, b) ?? 0
                if max ? c > 0 : c < 0 { newBest = v }
            } else {
                newBest = v
            }
            self = .extreme(number: newNumber, time: time, best: newBest, allNumbers: allNumbers, max: max)
        case .numbers(var a, let p):
            guard let d = v.number else { return }
            self = .count(0, star: false)
            a.append(d)
            self = .numbers(a, percentile: p)
        case .timed(let t, let best, let latest):
            if best == nil || (latest ? time > t : time < t) { self = .timed(time, v, latest: latest) }
        case .sorts(let best, let last):
            guard let b = best else { self = .sorts(v, last: last); return }
            let c = Value.compare(v, b) ?? 0
            if last ? c >= 0 : c < 0 { self = .sorts(v, last: last) }
        }
    }

    mutating func merge(_ other: Accumulator) {
        switch (self, other) {
        case (.count(let a, let star), .count(let b, _)): self = .count(a + b, star: star)
        case (.distinct(var a), .distinct(let b)):
            self = .count(0, star: false)
            a.formUnion(b)
            self = .distinct(a)
        case (.sum(let a, let n, let average), .sum(let b, let m, _)): self = .sum(a + b, n + m, average: average)
        case (.extreme(let n1, let t1, let b1, let all1, let max), .extreme(let n2, let t2, let b2, let all2, _)):
            var number = n1 ?? n2
            if let a = n1, let b = n2 { number = max ? Swift.max(a, b) : Swift.min(a, b) }
            var best = b1 ?? b2
            if let a = b1, let b = b2 {
                let c = Value.compare(b, a) ?? 0
                if max ? c > 0 : c < 0 { best = b }
            }
            self = .extreme(number: number, time: n1 == nil && all1 ? t2 : t1, best: best, allNumbers: all1 && all2, max: max)
        case (.numbers(var a, let p), .numbers(let b, _)):
            self = .count(0, star: false)
            a.append(contentsOf: b)
            self = .numbers(a, percentile: p)
        case (.timed(_, nil, _), .timed), (.sorts(nil, _), .sorts): self = other
        case (.timed(let t1, _, let latest), .timed(let t2, let v2?, _)):
            if latest ? t2 > t1 : t2 < t1 { self = .timed(t2, v2, latest: latest) }
        case (.sorts(let a?, let last), .sorts(let b?, _)):
            let c = Value.compare(b, a) ?? 0
            if last ? c >= 0 : c < 0 { self = .sorts(b, last: last) }
        default: break
        }
    }

    func result() throws -> Value {
        switch self {
        case .count(let n, _): return .number(Double(n))
        case .distinct(let s): return .number(Double(s.count))
        case .sum(let total, let n, let average):
            guard n > 0 else { return .null }
            return .number(average ? total / Double(n) : total)
        case .extreme(let number, let time, let best, let allNumbers, _):
            if allNumbers {
                guard let m = number else { return .null }
                if time, let t = Value.int64(m) { return .time(t) }
                return .number(m)
            }
            return best ?? .null
        case .numbers(let a, let p?):
            guard !a.isEmpty else { return .null }
            // Nearest rank.
            let rank = max(1, Int((p / 100 * Double(a.count)).rounded(.up)))
            return .number(Self.select(a, min(a.count, rank) - 1))
        case .numbers(let n, nil):
            guard n.count > 1 else { return n.isEmpty ? .null : .number(0) }
            let mean = n.reduce(0, +) / Double(n.count)
            return .number((n.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n.count - 1)).squareRoot())
        case .timed(_, let v, _): return v ?? .null
        case .sorts(let v, _): return v ?? .null
        }
    }

    /// The k-th smallest of `a` (quickselect: a percentile of 10M numbers without sorting them).
    static func select(_ a: [Double], _ k: Int) -> Double {
        var a = a
        var lo = 0, hi = a.count - 1
        var rng = SystemRandomNumberGenerator()
        while lo < hi {
            let pivot = a[Int.random(in: lo...hi, using: &rng)]
            var i = lo, j = hi
            while i <= j {
                while a[i] < pivot { i += 1 }
                while a[j] > pivot { j -= 1 }
                if i <= j { a.swapAt(i, j); i += 1; j -= 1 }
            }
            if k <= j { hi = j } else if k >= i { lo = i } else { return a[k] }
        }
        return a[k]
    }
}
