/// The syntax tree of a metric math expression.
indirect enum MathExpr: Sendable, Equatable {
    case number(Double)
    case string(String)
    /// Another query's id (`m1`).
    case reference(String)
    /// A bare upper-case word used as an argument (`REPEAT`, `LINEAR`, `SUM`, `DESC`).
    case keyword(String)
    case array([MathExpr])
    case call(String, [MathExpr])
    case unary(String, MathExpr)
    case binary(String, MathExpr, MathExpr)
}

/// An error in an expression, worded as AWS words it (the query id prefix is added by the
/// caller unless `bare`).
struct MathError: Error, Sendable, Equatable {
    var message: String
    /// True for the messages AWS gives without the `Error in expression '<id>':` prefix.
    var bare = false

    static let invalidSyntax = MathError(message: "Invalid syntax")
}

/// Splits expression text into tokens.
struct MathLexer {
    enum Token: Equatable {
        case number(Double)
        case string(String)
        case word(String)
        case symbol(String)
        case end
    }

    static func tokens(_ text: String) throws -> [Token] {
        let s = Array(text.unicodeScalars)
        var out: [Token] = []
        var i = 0
        while i < s.count {
            let c = s[i]
            if c == " " || c == "\t" || c == "\n" || c == "\r" { i += 1; continue }
            if c.isASCIIDigit || (c == "." && i + 1 < s.count && s[i + 1].isASCIIDigit) {
                var j = i
                while j < s.count, s[j].isASCIIDigit || s[j] == "." { j += 1 }
                if j < s.count, s[j] == "e" || s[j] == "E" {
                    var k = j + 1
                    if k < s.count, s[k] == "+" || s[k] == "-" { k += 1 }
                    if k < s.count, s[k].isASCIIDigit {
                        j = k
                        while j < s.count, s[j].isASCIIDigit { j += 1 }
                    }
                }
                guard let v = Double(String(String.UnicodeScalarView(s[i..<j]))) else { throw MathError.invalidSyntax }
                out.append(.number(v))
                i = j
                continue
            }
            if c == "'" || c == "\"" {
                var j = i + 1
                var text = String.UnicodeScalarView()
                while j < s.count, s[j] != c {
                    if s[j] == "\\", j + 1 < s.count, s[j + 1] == c {
                        text.append(c)
                        j += 2
                        continue
                    }
                    text.append(s[j])
                    j += 1
                }
                guard j < s.count else { throw MathError.invalidSyntax }
                out.append(.string(String(text)))
                i = j + 1
                continue
            }
            if c.properties.isAlphabetic || c == "_" {
                var j = i
                while j < s.count, s[j].properties.isAlphabetic || s[j].isASCIIDigit || s[j] == "_" { j += 1 }
                out.append(.word(String(String.UnicodeScalarView(s[i..<j]))))
                i = j
                continue
            }
            let two = i + 1 < s.count ? String(String.UnicodeScalarView([c, s[i + 1]])) : ""
            if ["==", "!=", "<=", ">=", "&&", "||"].contains(two) {
                out.append(.symbol(two))
                i += 2
                continue
            }
            if "+-*/^<>(),[]".unicodeScalars.contains(c) {
                out.append(.symbol(String(c)))
                i += 1
                continue
            }
            throw MathError.invalidSyntax
        }
        out.append(.end)
        return out
    }
}

extension Unicode.Scalar {
    var isASCIIDigit: Bool { value >= 48 && value <= 57 }
}

/// Parses metric math with the usual precedence (low to high): OR, AND, comparisons,
/// + -, * /, ^ (right-associative), unary minus.
struct MathParser {
    private let tokens: [MathLexer.Token]
    private var pos = 0

    static func parse(_ text: String) throws -> MathExpr {
        var p = MathParser(tokens: try MathLexer.tokens(text))
        let e = try p.or()
        guard p.peek == .end else { throw MathError.invalidSyntax }
        return e
    }

    private init(tokens: [MathLexer.Token]) { self.tokens = tokens }

    private var peek: MathLexer.Token { tokens[pos] }

    private mutating func next() -> MathLexer.Token {
        defer { pos += 1 }
        return tokens[pos]
    }

    private mutating func accept(_ symbols: Set<String>) -> String? {
        switch peek {
        case .symbol(let s) where symbols.contains(s): pos += 1; return s
        case .word(let w) where symbols.contains(w): pos += 1; return w
        default: return nil
        }
    }

    private mutating func or() throws -> MathExpr {
        var e = try and()
        while let _ = accept(["OR", "||"]) { e = .binary("OR", e, try and()) }
        return e
    }

    private mutating func and() throws -> MathExpr {
        var e = try comparison()
        while let _ = accept(["AND", "&&"]) { e = .binary("AND", e, try comparison()) }
        return e
    }

    private mutating func comparison() throws -> MathExpr {
        var e = try additive()
        while let op = accept(["==", "!=", "<=", ">=", "<", ">"]) { e = .binary(op, e, try additive()) }
        return e
    }

    private mutating func additive() throws -> MathExpr {
        var e = try multiplicative()
        while let op = accept(["+", "-"]) { e = .binary(op, e, try multiplicative()) }
        return e
    }

    private mutating func multiplicative() throws -> MathExpr {
        var e = try unary()
        while let op = accept(["*", "/"]) { e = .binary(op, e, try unary()) }
        return e
    }

    /// Every nesting (parentheses, arguments, unary signs, powers) passes through `unary`, so
    /// this bounds the parser's recursion, and the evaluator's over the tree it builds.
    static let maxDepth = 100
    private var depth = 0

    private mutating func unary() throws -> MathExpr {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw MathError(message: "Invalid syntax: the expression is nested more than \(Self.maxDepth) levels deep") }
        if accept(["-"]) != nil { return .unary("-", try unary()) }
        if accept(["+"]) != nil { return try unary() }
        return try power()
    }

    private mutating func power() throws -> MathExpr {
        let base = try primary()
        if accept(["^"]) != nil { return .binary("^", base, try unary()) }
        return base
    }

    private mutating func primary() throws -> MathExpr {
        switch next() {
        case .number(let v): return .number(v)
        case .string(let s): return .string(s)
        case .symbol("("):
            let e = try or()
            guard accept([")"]) != nil else { throw MathError.invalidSyntax }
            return e
        case .symbol("["):
            var items: [MathExpr] = []
            if accept(["]"]) != nil { return .array(items) }
            repeat { items.append(try or()) } while accept([","]) != nil
            guard accept(["]"]) != nil else { throw MathError.invalidSyntax }
            return .array(items)
        case .word(let w):
            if case .symbol("(") = peek {
                pos += 1
                var args: [MathExpr] = []
                if accept([")"]) == nil {
                    repeat { args.append(try or()) } while accept([","]) != nil
                    guard accept([")"]) != nil else { throw MathError.invalidSyntax }
                }
                return .call(w, args)
            }
            if let first = w.unicodeScalars.first, first.properties.isLowercase { return .reference(w) }
            return .keyword(w)
        default:
            throw MathError.invalidSyntax
        }
    }
}
