import Foundation
import TrailwatchCore

/// Parses the three filter pattern forms (see `FilterPattern`).
struct FilterPatternParser {
    enum Token: Equatable {
        case open, close, and, or, comma
        case op(ComparisonOp)
        case quoted(String)
        case regex(String)
        case word(String)
    }

    let text: String

    init(_ text: String) { self.text = text }

    func parse() throws -> FilterPattern.Form {
        let t = text.trimmingASCIIWhitespace()
        if t.isEmpty || t == "\"\"" { return .all }
        if t.hasPrefix("{") {
            guard t.hasSuffix("}"), t.count >= 2 else { throw FilterPatternError(reason: "unbalanced { in JSON pattern") }
            let tokens = try Self.tokenize(String(t.dropFirst().dropLast()))
            var p = TokenStream(tokens)
            guard !p.atEnd else { throw FilterPatternError(reason: "empty JSON pattern") }
            let condition = try p.jsonOr()
            guard p.atEnd else { throw FilterPatternError(reason: "unexpected \(p.peek.map { "\($0)" } ?? "") in JSON pattern") }
            try Self.checkQuotas(tokens)
            return .json(condition)
        }
        if t.hasPrefix("[") {
            guard t.hasSuffix("]"), t.count >= 2 else { throw FilterPatternError(reason: "unbalanced [ in space-delimited pattern") }
            let tokens = try Self.tokenize(String(t.dropFirst().dropLast()))
            var fields: [DelimitedField] = []
            var entry: [Token] = []
            for token in tokens + [.comma] {
                if token == .comma {
                    fields.append(try Self.delimitedField(entry))
                    entry = []
                } else {
                    entry.append(token)
                }
            }
            try Self.checkQuotas(tokens)
            return .delimited(fields)
        }
        if t.hasPrefix("}") || t.hasPrefix("]") || t.hasSuffix("{") {
            throw FilterPatternError(reason: "unbalanced brackets")
        }
        return try Self.terms(t)
    }

    // MARK: Terms

    static func terms(_ t: String) throws -> FilterPattern.Form {
        var required: [Term] = [], anyOf: [Term] = [], noneOf: [Term] = []
        let s = Array(t.unicodeScalars)
        var i = 0
        while i < s.count {
            if s[i] == " " || s[i] == "\t" {
                i += 1
                continue
            }
            var kind: Unicode.Scalar = " "
            if s[i] == "?" || s[i] == "-" {
                kind = s[i]
                i += 1
                guard i < s.count, s[i] != " " else { throw FilterPatternError(reason: "\(kind) must be followed by a term") }
            }
            var term: Term
            if s[i] == "\"" {
                var j = i + 1
                var body = ""
                while j < s.count, s[j] != "\"" {
                    if s[j] == "\\", j + 1 < s.count { j += 1 }
                    body.unicodeScalars.append(s[j])
                    j += 1
                }
                guard j < s.count else { throw FilterPatternError(reason: "unterminated quoted term") }
                term = .text(body)
                i = j + 1
            } else if s[i] == "%" {
                var j = i + 1
                var body = ""
                while j < s.count, s[j] != "%" {
                    body.unicodeScalars.append(s[j])
                    j += 1
                }
                guard j < s.count, !body.isEmpty else { throw FilterPatternError(reason: "unterminated regular expression") }
                term = .regex(try RegexBox(body))
                i = j + 1
            } else {
                var body = ""
                while i < s.count, s[i] != " ", s[i] != "\t" {
                    if s[i] == "\"" { throw FilterPatternError(reason: "a quote inside a term") }
                    body.unicodeScalars.append(s[i])
                    i += 1
                }
                term = .text(body)
            }
            switch kind {
            case "?": anyOf.append(term)
            case "-": noneOf.append(term)
            default: required.append(term)
            }
        }
        // Mixed with plain terms, `?` terms are ignored (AWS's documented behaviour).
        return .terms(required: required, anyOf: required.isEmpty ? anyOf : [], noneOf: noneOf)
    }

    // MARK: Tokens

    static func tokenize(_ body: String) throws -> [Token] {
        var out: [Token] = []
        let s = Array(body.unicodeScalars)
        var i = 0
        func isWordChar(_ c: Unicode.Scalar) -> Bool {
            !(c == " " || c == "\t" || c == "\n" || "()=!<>&|,\"%".unicodeScalars.contains(c))
        }
        while i < s.count {
            let c = s[i]
            switch c {
            case " ", "\t", "\n", "\r": i += 1
            case "(": out.append(.open); i += 1
            case ")": out.append(.close); i += 1
            case ",": out.append(.comma); i += 1
            case "&":
                guard i + 1 < s.count, s[i + 1] == "&" else { throw FilterPatternError(reason: "a lone &") }
                out.append(.and); i += 2
            case "|":
                guard i + 1 < s.count, s[i + 1] == "|" else { throw FilterPatternError(reason: "a lone |") }
                out.append(.or); i += 2
            case "=": out.append(.op(.eq)); i += 1
            case "!":
                guard i + 1 < s.count, s[i + 1] == "=" else { throw FilterPatternError(reason: "a lone !") }
                out.append(.op(.ne)); i += 2
            case "<", ">":
                let eq = i + 1 < s.count && s[i + 1] == "="
                out.append(.op(c == "<" ? (eq ? .le : .lt) : (eq ? .ge : .gt)))
                i += eq ? 2 : 1
            case "\"":
                var j = i + 1
                var v = ""
                while j < s.count, s[j] != "\"" {
                    if s[j] == "\\", j + 1 < s.count { j += 1 }
                    v.unicodeScalars.append(s[j])
                    j += 1
                }
                guard j < s.count else { throw FilterPatternError(reason: "unterminated string") }
                out.append(.quoted(v))
                i = j + 1
            case "%":
                var j = i + 1
                var v = ""
                while j < s.count, s[j] != "%" {
                    v.unicodeScalars.append(s[j])
                    j += 1
                }
                guard j < s.count, !v.isEmpty else { throw FilterPatternError(reason: "unterminated regular expression") }
                out.append(.regex(v))
                i = j + 1
            default:
                var v = ""
                while i < s.count, isWordChar(s[i]) {
                    v.unicodeScalars.append(s[i])
                    i += 1
                }
                out.append(.word(v))
            }
        }
        return out
    }

    /// The value of `op`: numeric operators need a number; unquoted strings are plain words.
    static func value(_ token: Token?, for op: ComparisonOp) throws -> PatternValue {
        let v: PatternValue
        switch token {
        case .quoted(let s): v = .string(Glob(s), raw: s)
        case .regex(let r): v = .regex(try RegexBox(r))
        case .word(let w):
            if let n = Double(w), !w.hasPrefix("$") {
                v = .number(n, raw: w)
            } else {
                if w.unicodeScalars.contains(where: { "@$\\".unicodeScalars.contains($0) }) {
                    throw FilterPatternError(reason: "the value \(w) must be quoted")
                }
                v = .string(Glob(w), raw: w)
            }
        default: throw FilterPatternError(reason: "a comparison needs a value")
        }
        if op != .eq && op != .ne, case .number = v {} else if op != .eq && op != .ne {
            throw FilterPatternError(reason: "\(op.rawValue) compares numbers")
        }
        return v
    }

    /// AWS's limits: two regular expressions, one wildcard per selector, three in all.
    static func checkQuotas(_ tokens: [Token]) throws {
        var regexes = 0, wildcards = 0
        for t in tokens {
            switch t {
            case .regex: regexes += 1
            case .word(let w) where w.hasPrefix("$"):
                let n = w.components(separatedBy: "[*]").count - 1 + w.components(separatedBy: ".*").count - 1
                if n > 1 { throw FilterPatternError(reason: "one wildcard per selector") }
                wildcards += n
            default: break
            }
        }
        if regexes > 2 { throw FilterPatternError(reason: "at most two regular expressions") }
        if wildcards > 3 { throw FilterPatternError(reason: "at most three wildcard selectors") }
    }

    // MARK: Space-delimited

    static func delimitedField(_ tokens: [Token]) throws -> DelimitedField {
        guard let first = tokens.first else { throw FilterPatternError(reason: "an empty field in a space-delimited pattern") }
        if tokens == [.word("...")] { return .ellipsis }
        guard case .word(let name) = first, !name.hasPrefix("$") || name.count > 1 else {
            throw FilterPatternError(reason: "a space-delimited field starts with its name")
        }
        if tokens.count == 1 { return .field(name: name, condition: nil) }
        var p = TokenStream(tokens)
        p.i = 1
        let condition = try p.fieldOr(name)
        guard p.atEnd else { throw FilterPatternError(reason: "unexpected tokens in field \(name)") }
        return .field(name: name, condition: condition)
    }
}

/// A cursor over tokens with the recursive-descent rules of both structured forms.
struct TokenStream {
    typealias Token = FilterPatternParser.Token
    let tokens: [Token]
    var i = 0
    var depth = 0

    init(_ tokens: [Token]) { self.tokens = tokens }

    var atEnd: Bool { i >= tokens.count }
    var peek: Token? { i < tokens.count ? tokens[i] : nil }
    mutating func next() -> Token? {
        defer { i += 1 }
        return peek
    }

    mutating func jsonOr() throws -> JSONCondition {
        var left = try jsonAnd()
        while peek == .or {
            i += 1
            left = .or(left, try jsonAnd())
        }
        return left
    }

    mutating func jsonAnd() throws -> JSONCondition {
        var left = try jsonPrimary()
        while peek == .and {
            i += 1
            left = .and(left, try jsonPrimary())
        }
        return left
    }

    /// How deep parentheses may nest in a JSON pattern (the recursion of `jsonOr`).
    static let maxDepth = 100

    mutating func jsonPrimary() throws -> JSONCondition {
        if peek == .open {
            i += 1
            depth += 1
            defer { depth -= 1 }
            guard depth <= Self.maxDepth else { throw FilterPatternError(reason: "JSON pattern nested too deeply") }
            let inner = try jsonOr()
            guard next() == .close else { throw FilterPatternError(reason: "unbalanced ( in JSON pattern") }
            return inner
        }
        guard case .word(let w) = next(), w.hasPrefix("$") else {
            throw FilterPatternError(reason: "a JSON comparison starts with a $ selector")
        }
        let selector = try JSONSelector.parse(w)
        switch next() {
        case .op(let op):
            return .compare(selector, op, try FilterPatternParser.value(next(), for: op))
        case .word(let k) where k.uppercased() == "IS":
            guard case .word(let v) = next() else { throw FilterPatternError(reason: "IS needs NULL, TRUE or FALSE") }
            switch v.uppercased() {
            case "NULL": return .isNull(selector)
            case "TRUE": return .isBool(selector, true)
            case "FALSE": return .isBool(selector, false)
            default: throw FilterPatternError(reason: "IS needs NULL, TRUE or FALSE")
            }
        case .word(let k) where k.uppercased() == "NOT":
            guard case .word(let v) = next(), v.uppercased() == "EXISTS" else { throw FilterPatternError(reason: "NOT needs EXISTS") }
            return .notExists(selector)
        default:
            throw FilterPatternError(reason: "a JSON selector needs a comparison")
        }
    }

    mutating func fieldOr(_ name: String) throws -> DelimitedField.FieldCondition {
        var left = try fieldAnd(name)
        while peek == .or {
            i += 1
            left = .or(left, try fieldAnd(name))
        }
        return left
    }

    mutating func fieldAnd(_ name: String) throws -> DelimitedField.FieldCondition {
        var left = try fieldCompare(name)
        while peek == .and {
            i += 1
            left = .and(left, try fieldCompare(name))
        }
        return left
    }

    mutating func fieldCompare(_ name: String) throws -> DelimitedField.FieldCondition {
        // The first comparison follows the name; later ones repeat it (`a=1 || a=2`).
        if i > 0, case .word(let w) = peek, w == name { i += 1 }
        guard case .op(let op) = next() else { throw FilterPatternError(reason: "field \(name) needs a comparison") }
        return .compare(op, try FilterPatternParser.value(next(), for: op))
    }
}
