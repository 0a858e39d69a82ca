import Foundation
import TrailwatchCore

/// Evaluating expressions on a row: fields, literals, operators, functions and regexes.
extension InsightsRun {
    // MARK: Expressions

    func eval(_ e: Expr, _ row: Row) throws -> Value {
        switch e {
        case .field(let name): return row.fields[name] ?? .null
        case .string(let s): return .string(s)
        case .number(let d): return .number(d)
        case .duration(let ms): return .number(Double(ms))
        case .regex(let r, _): return .string(r)
        case .star: return .bool(true)
        case .list(let items): return .string(try items.compactMap { try eval($0, row).text }.joined(separator: ","))
        case .not(let a): return .bool(!(try eval(a, row).truthy))
        case .negate(let a): return try eval(a, row).number.map { .number(-$0) } ?? .null
        case .binary("and", let a, let b): return .bool(try eval(a, row).truthy && eval(b, row).truthy)
        case .binary("or", let a, let b): return .bool(try eval(a, row).truthy || eval(b, row).truthy)
        case .binary("like", let a, let b):
            guard let text = try eval(a, row).text else { return .bool(false) }
            switch b {
            case .regex(let r, let i):
                if !i, let literal = Self.literal(r) { return .bool(Self.contains(text, Array(literal.utf8))) }
                return .bool(try Self.regex(r, insensitive: i).firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil)
            default:
                guard let needle = try eval(b, row).text else { return .bool(false) }
                return .bool(Self.contains(text, Array(needle.utf8)))
            }
        case .binary("in", let a, .list(let items)):
            let v = try eval(a, row)
            return .bool(try items.contains { Value.compare(v, try eval($0, row)) == 0 })
        case .binary(let op, let a, let b):
            return try Self.binary(op, try eval(a, row), try eval(b, row))
        case .call("bin", let args):
            guard args.count == 1, let p = Self.period(args, 0), p > 0 else { throw InsightsError("bin takes one time period, such as 5m") }
            return .time(Functions.floorDiv(row.timestamp, p) &* p)
        case .call(let name, _) where Aggregates.known.contains(name):
            throw InsightsError("Aggregate function \(name) can only be used in stats")
        case .call(let name, let args):
            return try Functions.call(name, try args.map { try eval($0, row) }, period: { Self.period(args, $0) })
        }
    }

    static func period(_ args: [Expr], _ i: Int) -> Int64? {
        guard i < args.count else { return nil }
        if case .duration(let ms) = args[i] { return ms }
        return nil
    }

    static func binary(_ op: String, _ x: Value, _ y: Value) throws -> Value {
        switch op {
        case "=", "!=":
            guard let c = Value.compare(x, y) else { return .bool(op == "!=" && x.isNull != y.isNull) }
            return .bool(op == "=" ? c == 0 : c != 0)
        case "<", "<=", ">", ">=":
            guard let c = Value.compare(x, y) else { return .bool(false) }
            switch op {
            case "<": return .bool(c < 0)
            case "<=": return .bool(c <= 0)
            case ">": return .bool(c > 0)
            default: return .bool(c >= 0)
            }
        case "and": return .bool(x.truthy && y.truthy)
        case "or": return .bool(x.truthy || y.truthy)
        default:
            guard let a = x.number, let b = y.number else { return .null }
            switch op {
            case "+": return .number(a + b)
            case "-": return .number(a - b)
            case "*": return .number(a * b)
            case "/": return b == 0 ? .null : .number(a / b)
            case "%": return b == 0 ? .null : .number(a.truncatingRemainder(dividingBy: b))
            case "^": return .number(pow(a, b))
            default: throw InsightsError("Unknown operator \(op)")
            }
        }
    }

    nonisolated(unsafe) static var regexCache: [String: NSRegularExpression] = [:]
    static let regexLock = NSLock()

    static func regex(_ pattern: String, insensitive: Bool) throws -> NSRegularExpression {
        let key = (insensitive ? "i:" : "s:") + pattern
        regexLock.lock(); defer { regexLock.unlock() }
        if let r = regexCache[key] { return r }
        guard let r = try? NSRegularExpression(pattern: pattern, options: insensitive ? [.caseInsensitive] : []) else {
            throw InsightsError("Invalid regular expression /\(pattern)/")
        }
        if regexCache.count > 256 { regexCache.removeAll() }
        regexCache[key] = r
        return r
    }
}
