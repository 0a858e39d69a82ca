import TrailwatchCore

/// The body of a JSON filter pattern: comparisons on selectors joined by `&&` and `||`.
indirect enum JSONCondition: Sendable {
    case and(JSONCondition, JSONCondition)
    case or(JSONCondition, JSONCondition)
    case compare(JSONSelector, ComparisonOp, PatternValue)
    case isNull(JSONSelector)
    case notExists(JSONSelector)
    case isBool(JSONSelector, Bool)

    func evaluate(_ doc: WireValue) -> Bool {
        switch self {
        case .and(let a, let b): return a.evaluate(doc) && b.evaluate(doc)
        case .or(let a, let b): return a.evaluate(doc) || b.evaluate(doc)
        case .notExists(let s): return s.resolve(in: doc).isEmpty
        case .isNull(let s): return s.resolve(in: doc).contains { $0 == .null }
        case .isBool(let s, let b): return s.resolve(in: doc).contains { $0 == .bool(b) }
        case .compare(let s, let op, let value):
            // Any element an array selector reaches may satisfy it.
            return s.resolve(in: doc).contains { field in
                switch (field, value) {
                case (.string(let t), .number):
                    return value.compare(op, text: t, number: Double(t))
                case (.string(let t), _):
                    return value.compare(op, text: t, number: nil)
                case (.int, _), (.double, _):
                    guard let n = field.doubleValue else { return false }
                    if case .number = value { return value.compare(op, text: field.scalarText ?? "", number: n) }
                    return value.compare(op, text: field.scalarText ?? "", number: nil)
                case (.bool(let b), .string(_, let raw)):
                    return (op == .eq) == (String(b) == raw)
                default:
                    return false
                }
            }
        }
    }
}

/// `$.a.b[0].c`, `$.list[*]`, `$.*`: the path to the values a comparison reads.
struct JSONSelector: Sendable {
    enum Step: Sendable, Equatable {
        case key(String)
        case index(Int)
        case any
    }
    let steps: [Step]
    let text: String

    static func parse(_ text: String) throws -> JSONSelector {
        let chars = Array(text.unicodeScalars)
        guard chars.first == "$" else { throw FilterPatternError(reason: "a JSON selector starts with $") }
        var steps: [Step] = []
        var i = 1
        while i < chars.count {
            if chars[i] == ".", i + 1 < chars.count, chars[i + 1] == "[" {
                i += 1  // `$.['a.b']`: the bracket carries the step
            } else if chars[i] == "." {
                i += 1
                if i < chars.count, chars[i] == "*" {
                    steps.append(.any)
                    i += 1
                    continue
                }
                var name = ""
                while i < chars.count, chars[i] != ".", chars[i] != "[" {
                    name.unicodeScalars.append(chars[i])
                    i += 1
                }
                guard !name.isEmpty else { throw FilterPatternError(reason: "empty JSON selector step in \(text)") }
                steps.append(.key(name))
            } else if chars[i] == "[" {
                i += 1
                var inner = ""
                while i < chars.count, chars[i] != "]" {
                    inner.unicodeScalars.append(chars[i])
                    i += 1
                }
                guard i < chars.count else { throw FilterPatternError(reason: "unclosed [ in \(text)") }
                i += 1
                if inner.count >= 2, let q = inner.first, q == "'" || q == "\"", inner.last == q {
                    steps.append(.key(String(inner.dropFirst().dropLast())))
                } else if inner == "*" { steps.append(.any) } else if let n = Int(inner), n >= 0 { steps.append(.index(n)) } else {
                    throw FilterPatternError(reason: "bad array index in \(text)")
                }
            } else {
                throw FilterPatternError(reason: "unexpected character in JSON selector \(text)")
            }
        }
        guard !steps.isEmpty else { throw FilterPatternError(reason: "a JSON selector names a field") }
        return JSONSelector(steps: steps, text: text)
    }

    /// Every value the selector reaches (several through `*`; none when absent).
    func resolve(in doc: WireValue) -> [WireValue] {
        var current = [doc]
        for step in steps {
            var next: [WireValue] = []
            for v in current {
                switch (step, v) {
                case (.key(let k), .map(let m)): if let x = m[k] { next.append(x) }
                case (.index(let n), .list(let l)): if n < l.count { next.append(l[n]) }
                case (.any, .list(let l)): next.append(contentsOf: l)
                case (.any, .map(let m)): next.append(contentsOf: m.values)
                default: break
                }
            }
            current = next
        }
        return current
    }
}

extension WireValue {
    /// A scalar as text (numbers without a trailing `.0` when whole).
    var scalarText: String? {
        switch self {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .double(let d): return d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case .bool(let b): return String(b)
        default: return nil
        }
    }
}
