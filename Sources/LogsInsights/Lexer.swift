/// The tokens of a Logs Insights query, with their character offsets (MalformedQueryException
/// reports where the error is).
enum Token: Equatable {
    case ident(String)        // a command, function or field name; `@timestamp`, `a.b.c`, `` `odd name` ``
    case string(String)
    case number(Double)
    /// A time literal such as `5m`, in milliseconds.
    case duration(Int64)
    case regex(String, caseInsensitive: Bool)
    case op(String)           // = != < <= > >= =~ + - * / % ^ ( ) [ ] , |
    case end
}

struct Lexed {
    var token: Token
    var start: Int
    var end: Int
}

/// A query error: AWS's message and where it is (character offsets into the query).
public struct InsightsError: Error, Equatable, Sendable {
    public var message: String
    public var start: Int
    public var end: Int

    public init(_ message: String, start: Int = 0, end: Int = 0) {
        self.message = message
        self.start = start
        self.end = end
    }
}

enum Lexer {
    static let durationUnits: [(String, Int64)] = [
        ("ms", 1), ("mo", 30 * 86_400_000), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000),
        ("w", 7 * 86_400_000), ("q", 90 * 86_400_000), ("y", 365 * 86_400_000),
    ]

    static func lex(_ text: String) throws -> [Lexed] {
        let s = Array(text)
        var out: [Lexed] = []
        var i = 0
        func isIdentStart(_ c: Character) -> Bool { c.isLetter || c == "_" || c == "@" || c == "$" }
        func isIdentPart(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" || c == "." || c == "@" || c == "$" }
        while i < s.count {
            let c = s[i]
            let start = i
            if c.isWhitespace { i += 1; continue }
            if c == "#" { // a comment to the end of the line
                while i < s.count, s[i] != "\n" { i += 1 }
                continue
            }
            if c == "\"" || c == "'" {
                var v = ""
                i += 1
                while i < s.count, s[i] != c {
                    if s[i] == "\\", i + 1 < s.count {
                        i += 1
                        switch s[i] {
                        case "n": v.append("\n")
                        case "t": v.append("\t")
                        default: v.append(s[i])
                        }
                    } else {
                        v.append(s[i])
                    }
                    i += 1
                }
                guard i < s.count else { throw InsightsError("Unterminated string literal", start: start, end: s.count - 1) }
                i += 1
                out.append(Lexed(token: .string(v), start: start, end: i - 1))
                continue
            }
            if c == "`" {
                var v = ""
                i += 1
                while i < s.count, s[i] != "`" { v.append(s[i]); i += 1 }
                guard i < s.count else { throw InsightsError("Unterminated field name", start: start, end: s.count - 1) }
                i += 1
                out.append(Lexed(token: .ident(v), start: start, end: i - 1))
                continue
            }
            if c == "/" && (regexAllowed(after: out.last?.token) || Self.isParseSource(out)) {
                var v = ""
                i += 1
                while i < s.count, s[i] != "/" {
                    if s[i] == "\\", i + 1 < s.count, s[i + 1] == "/" { v.append("/"); i += 2; continue }
                    v.append(s[i]); i += 1
                }
                guard i < s.count else { throw InsightsError("Unterminated regular expression", start: start, end: s.count - 1) }
                i += 1
                var insensitive = false
                if i < s.count, s[i] == "i", !(i + 1 < s.count && isIdentPart(s[i + 1])) { insensitive = true; i += 1 }
                out.append(Lexed(token: .regex(v, caseInsensitive: insensitive), start: start, end: i - 1))
                continue
            }
            if c.isNumber || (c == "." && i + 1 < s.count && s[i + 1].isNumber) {
                var j = i
                while j < s.count, s[j].isNumber || s[j] == "." { j += 1 }
                if j < s.count, s[j] == "e" || s[j] == "E", j + 1 < s.count, s[j + 1].isNumber || s[j + 1] == "-" || s[j + 1] == "+" {
                    j += 2
                    while j < s.count, s[j].isNumber { j += 1 }
                }
                guard let v = Double(String(s[i..<j])) else { throw InsightsError("Invalid number", start: i, end: j - 1) }
                // A time literal: a number followed by a unit.
                var k = j
                while k < s.count, s[k].isLetter { k += 1 }
                let unit = String(s[j..<k])
                if !unit.isEmpty {
                    guard let (_, ms) = durationUnits.first(where: { $0.0 == unit }) else {
                        throw InsightsError("Invalid time unit '\(unit)'", start: i, end: k - 1)
                    }
                    guard let total = Value.int64(v * Double(ms)) else { throw InsightsError("Invalid time period", start: i, end: k - 1) }
                    out.append(Lexed(token: .duration(total), start: i, end: k - 1))
                    i = k
                    continue
                }
                out.append(Lexed(token: .number(v), start: i, end: j - 1))
                i = j
                continue
            }
            if isIdentStart(c) {
                var j = i
                while j < s.count, isIdentPart(s[j]) { j += 1 }
                out.append(Lexed(token: .ident(String(s[i..<j])), start: i, end: j - 1))
                i = j
                continue
            }
            let two = i + 1 < s.count ? String(s[i...i + 1]) : ""
            if ["!=", "<=", ">=", "=~", "=="].contains(two) {
                out.append(Lexed(token: .op(two == "==" ? "=" : two), start: i, end: i + 1))
                i += 2
                continue
            }
            if "=<>+-*/%^()[],|:".contains(c) {
                out.append(Lexed(token: .op(String(c)), start: i, end: i))
                i += 1
                continue
            }
            throw InsightsError("Unexpected character '\(c)'", start: i, end: i)
        }
        out.append(Lexed(token: .end, start: s.count, end: s.count))
        return out
    }

    /// `parse @message /…/`: a regex after the field `parse` reads.
    static func isParseSource(_ out: [Lexed]) -> Bool {
        guard out.count >= 2, case .ident = out[out.count - 1].token, case .ident(let w) = out[out.count - 2].token else { return false }
        return w.lowercased() == "parse"
    }

    /// A `/` starts a regex where an operand is expected, not after one.
    static func regexAllowed(after t: Token?) -> Bool {
        switch t {
        case nil: return true
        case .op(let o): return o != ")" && o != "]"
        case .ident(let w): return ["like", "in", "and", "or", "not", "parse"].contains(w.lowercased())
        default: return false
        }
    }
}
