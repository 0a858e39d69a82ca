import AWSWire
import Foundation

/// A field's value while a query runs. Log fields are text; arithmetic and comparisons read
/// numbers out of them, as Logs Insights does.
enum Value: Equatable, Sendable {
    case null
    case string(String)
    case number(Double)
    case bool(Bool)
    /// Epoch milliseconds (`@timestamp`, `bin(...)`), shown as AWS shows dates.
    case time(Int64)

    /// `d` as a whole number, clamped: a huge or non-finite value never traps.
    static func int64(_ d: Double) -> Int64? {
        guard d.isFinite else { return nil }
        return Int64(max(-9.2e18, min(9.2e18, d)))
    }

    var isNull: Bool { if case .null = self { return true } else { return false } }

    var number: Double? {
        switch self {
        case .number(let d): return d
        case .time(let t): return Double(t)
        case .string(let s): return Double(s.trimmingCharacters(in: .whitespaces))
        case .bool(let b): return b ? 1 : 0
        case .null: return nil
        }
    }

    var truthy: Bool {
        switch self {
        case .bool(let b): return b
        case .null: return false
        case .number(let d): return d != 0
        case .string(let s): return !s.isEmpty
        case .time: return true
        }
    }

    /// The value as GetQueryResults answers it.
    var text: String? {
        switch self {
        case .null: return nil
        case .string(let s): return s
        case .number(let d): return Self.format(d)
        case .bool(let b): return b ? "1" : "0"
        case .time(let t): return Self.format(time: t)
        }
    }

    static func format(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return String(d)
    }

    /// `2026-12-01 10:00:00.000`: how Logs Insights shows a time (UTC).
    static func format(time ms: Int64) -> String {
        Timestamps.insights(millis: ms)
    }

    /// Ordering for comparisons and sort: numbers numerically when both sides are numbers,
    /// text otherwise; nil when either side is null.
    static func compare(_ a: Value, _ b: Value) -> Int? {
        if a.isNull || b.isNull { return nil }
        if let x = a.number, let y = b.number {
            return x < y ? -1 : (x > y ? 1 : 0)
        }
        let x = a.text ?? "", y = b.text ?? ""
        return x < y ? -1 : (x > y ? 1 : 0)
    }
}

extension Value {
    /// AWS's `sort` order (an updated natural sort), ascending: every non-number value before
    /// every number value; numbers by value; other values in chunks of digits and of
    /// non-digits, digit chunks against each other by length and then value, anything else
    /// by Unicode order.
    static func sortOrder(_ a: Value, _ b: Value) -> Int {
        let x = a.sortNumber, y = b.sortNumber
        switch (x, y) {
        case (let p?, let q?):
            if p != q { return p < q ? -1 : 1 }
            let s = a.text ?? "", t = b.text ?? ""
            return s == t ? 0 : (s < t ? -1 : 1)
        case (nil, .some): return -1
        case (.some, nil): return 1
        case (nil, nil): break
        }
        let ca = chunks(a.text ?? ""), cb = chunks(b.text ?? "")
        for (p, q) in zip(ca, cb) where p != q {
            if p.digits && q.digits {
                let s = p.text.drop { $0 == "0" }, t = q.text.drop { $0 == "0" }
                if s.count != t.count { return s.count < t.count ? -1 : 1 }
                if s != t { return s < t ? -1 : 1 }
                return p.text.count < q.text.count ? -1 : 1
            }
            return p.text.unicodeScalars.lexicographicallyPrecedes(q.text.unicodeScalars) ? -1 : 1
        }
        return ca.count == cb.count ? 0 : (ca.count < cb.count ? -1 : 1)
    }

    /// The value as a number when it is only a number (a time counts as one).
    private var sortNumber: Double? {
        switch self {
        case .number(let d): return d
        case .time(let t): return Double(t)
        case .string(let s): return Double(s)
        default: return nil
        }
    }

    private static func chunks(_ s: String) -> [(text: String, digits: Bool)] {
        var out: [(text: String, digits: Bool)] = []
        for c in s {
            let d = c.isASCII && c.isNumber
            if let last = out.last, last.digits == d { out[out.count - 1].text.append(c) } else { out.append((String(c), d)) }
        }
        return out
    }
}
