import Foundation
import TrailwatchCore

/// What a run works out from its query before any event: the raw-message terms a leading
/// filter needs, and the fields kept rows must keep.
extension InsightsRun {

    enum MessageTerm {
        case contains([UInt8])
        case regex(NSRegularExpression)

        func holds(_ message: String) -> Bool {
            switch self {
            case .contains(let s): return InsightsRun.contains(message, s)
            case .regex(let r): return r.firstMatch(in: message, range: NSRange(message.startIndex..., in: message)) != nil
            }
        }
    }

    /// Byte strings every event the query keeps contains (its leading filter's literal
    /// `@message like` terms): a store may skip blocks that cannot hold them.
    public var requiredTerms: [[UInt8]] {
        prefilter.compactMap { if case .contains(let bytes) = $0 { return bytes } else { return nil } }
            + (indexTerm.map { [$0] } ?? [])
    }

    /// A `filterIndex` on a JSON field for one string, when no command before it writes the
    /// field: the string's bytes are in every message it keeps (JSON escapes none of the
    /// characters allowed here), so blocks without them are skipped, as a field index skips
    /// events.
    var indexTerm: [UInt8]? {
        var written: Set<String> = []
        for c in query.commands {
            switch c {
            case .filterIndex(let field, let values):
                guard !field.hasPrefix("@"), !written.contains(field), values.count == 1, case .string(let v) = values[0],
                      !v.isEmpty, v.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._-:+ ".unicodeScalars.contains($0)) })
                else { return nil }
                return Array(v.utf8)
            case .fields(let list), .display(let list): for n in list { written.insert(n.name) }
            case .parse(_, .glob(_, let names)), .parse(_, .regex(_, let names)): written.formUnion(names)
            case .lookup(let j): written.formUnion(j.outputs)
            case .unnest(_, let alias): written.insert(alias)
            default: break
            }
        }
        return nil
    }

    /// The `@message like …` terms of a conjunction (any other shape needs nothing).
    static func messageTerms(_ e: Expr) throws -> [MessageTerm] {
        switch e {
        case .binary("and", let a, let b): return try messageTerms(a) + messageTerms(b)
        case .binary("like", .field("@message"), .string(let s)): return [.contains(Array(s.utf8))]
        case .binary("like", .field("@message"), .regex(let r, let i)):
            if !i, let literal = literal(r) { return [.contains(Array(literal.utf8))] }
            return [.regex(try regex(r, insensitive: i))]
        default: return []
        }
    }

    /// The text a regular expression matches when it is only literal characters (`/zq7rare/`):
    /// then a byte search finds it, many times faster than the regex engine.
    static func literal(_ pattern: String) -> String? {
        guard !pattern.isEmpty, !pattern.contains(where: { "\\^$.|?*+()[]{}".contains($0) }) else { return nil }
        return pattern
    }

    /// Whether `needle`'s bytes occur in `text` (case sensitive, as `like` is).
    static func contains(_ text: String, _ needle: [UInt8]) -> Bool {
        if needle.isEmpty { return true }
        var text = text
        return text.withUTF8 { hay in
            guard hay.count >= needle.count, let base = hay.baseAddress else { return false }
            return needle.withUnsafeBytes { n in
                // memchr for the first byte, memcmp for the rest (memmem is not in Glibc's Swift overlay).
                var i = 0
                let last = hay.count - needle.count
                while i <= last {
                    guard let hit = memchr(base + i, Int32(needle[0]), last - i + 1) else { return false }
                    if memcmp(hit, n.baseAddress!, n.count) == 0 { return true }
                    i = base.distance(to: hit.assumingMemoryBound(to: UInt8.self)) + 1
                }
                return false
            }
        }
    }


    /// Every field the commands read; an `unnest`ed list as `unnested(list)`.
    static func read(_ commands: [Command], unnested: (String) -> String = { $0 }) -> Set<String> {
        var names: Set<String> = []
        for c in commands {
            switch c {
            case .fields(let list), .display(let list): for n in list { referenced(n.expr, into: &names) }
            case .filter(let e): referenced(e, into: &names)
            case .stats(let aggs, let by): for n in aggs + by { referenced(n.expr, into: &names) }
            case .sort(let keys): for k in keys { referenced(k.expr, into: &names) }
            case .parse(let source, _), .pattern(let source): referenced(source, into: &names)
            case .dedup(let fields): for f in fields { referenced(f, into: &names) }
            case .unnest(let field, _): names.insert(unnested(field))
            case .lookup(let j): names.formUnion(j.logFields)
            case .filterIndex(let f, _): names.insert(f)
            case .limit, .unmask, .diff, .anomaly: break
            }
        }
        return names
    }

    /// The fields kept rows keep: `@ptr`, the columns the streamed commands show, and what the
    /// rest read (an unnested list as "\0list", everything under it kept).
    static func needed(streamed: [Command], rest: [Command]) -> Set<String> {
        var names: Set<String> = ["@ptr"]
        names.formUnion(visible(streamed, nil) ?? ["@timestamp", "@message", "@logStream", "@log"])
        return names.union(read(rest) { "\u{0}" + $0 })
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
