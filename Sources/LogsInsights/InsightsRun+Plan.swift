import Foundation
import TrailwatchCore

/// What a run works out from its query before any event: the raw-message terms a leading
/// filter needs, and the fields kept rows must keep.
extension InsightsRun {

    enum MessageTerm {
        case contains(String)
        case regex(NSRegularExpression)

        func holds(_ message: String) -> Bool {
            switch self {
            case .contains(let s): return message.contains(s)
            case .regex(let r): return r.firstMatch(in: message, range: NSRange(message.startIndex..., in: message)) != nil
            }
        }
    }

    /// The `@message like …` terms of a conjunction (any other shape needs nothing).
    static func messageTerms(_ e: Expr) throws -> [MessageTerm] {
        switch e {
        case .binary("and", let a, let b): return try messageTerms(a) + messageTerms(b)
        case .binary("like", .field("@message"), .string(let s)): return [.contains(s)]
        case .binary("like", .field("@message"), .regex(let r, let i)): return [.regex(try regex(r, insensitive: i))]
        default: return []
        }
    }


    static func needed(streamed: [Command], rest: [Command]) -> Set<String> {
        var names: Set<String> = ["@ptr"]
        names.formUnion(visible(streamed, nil) ?? ["@timestamp", "@message", "@logStream", "@log"])
        for c in rest {
            switch c {
            case .fields(let list), .display(let list): for n in list { referenced(n.expr, into: &names) }
            case .filter(let e): referenced(e, into: &names)
            case .stats(let aggs, let by): for n in aggs + by { referenced(n.expr, into: &names) }
            case .sort(let keys): for k in keys { referenced(k.expr, into: &names) }
            case .parse(let source, _): referenced(source, into: &names)
            case .dedup(let fields): for f in fields { referenced(f, into: &names) }
            case .unnest(let field, _): names.formUnion(["\u{0}" + field])
            case .limit, .unmask: break
            }
        }
        return names
    }

    /// Whether `key` lies under a list an `unnest` expands (kept as "\0list" in `needed`).
    static func underUnnested(_ key: String, _ needed: Set<String>) -> Bool {
        var k = Substring(key)
        while let dot = k.lastIndex(of: ".") {
            k = k[..<dot]
            if needed.contains("\u{0}" + k) { return true }
        }
        return false
    }

    static func referenced(_ e: Expr, into names: inout Set<String>) {
        switch e {
        case .field(let f): names.insert(f)
        case .list(let items): for i in items { referenced(i, into: &names) }
        case .not(let a), .negate(let a): referenced(a, into: &names)
        case .binary(_, let a, let b): referenced(a, into: &names); referenced(b, into: &names)
        case .call(_, let args): for a in args { referenced(a, into: &names) }
        case .string, .number, .duration, .regex, .star: break
        }
    }
}
