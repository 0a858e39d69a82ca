/// A parsed CloudWatch Metrics Insights query:
///
/// ```
/// SELECT FUNC(metric) FROM namespace | SCHEMA(namespace, key, ...)
/// [WHERE key = 'v' | key != 'v' [AND ...]] [GROUP BY key, ...]
/// [ORDER BY FUNC() [ASC | DESC]] [LIMIT n]
/// ```
/// FUNC is AVG, COUNT, MAX, MIN or SUM. Keywords and functions are case-insensitive;
/// identifiers and values are not. Only `=`, `!=` and `AND` are accepted in WHERE (AWS
/// refuses OR, IN, LIKE and IS NULL today).
struct InsightsQuery: Sendable, Equatable {
    enum Function: String, Sendable, CaseIterable { case avg = "AVG", count = "COUNT", max = "MAX", min = "MIN", sum = "SUM" }

    struct Condition: Sendable, Equatable {
        var key: String
        var equals: Bool
        /// nil means CURRENT_ACCOUNT_ID().
        var value: String?
    }

    var function: Function
    var metricName: String
    var namespace: String
    /// SCHEMA(...)'s dimension keys, or nil for FROM namespace (any dimensions).
    var schemaKeys: Set<String>?
    var conditions: [Condition] = []
    var groupBy: [String] = []
    var orderBy: (function: Function, ascending: Bool)?
    var limit: Int?

    static func == (a: InsightsQuery, b: InsightsQuery) -> Bool {
        a.function == b.function && a.metricName == b.metricName && a.namespace == b.namespace &&
            a.schemaKeys == b.schemaKeys && a.conditions == b.conditions && a.groupBy == b.groupBy &&
            a.orderBy?.function == b.orderBy?.function && a.orderBy?.ascending == b.orderBy?.ascending && a.limit == b.limit
    }

    /// True when `text` is an Insights query rather than metric math.
    static func looksLikeQuery(_ text: String) -> Bool {
        text.trimmingCharacters(in: .whitespaces).uppercased().hasPrefix("SELECT")
    }

    /// Parses `text`; errors are AWS's "Invalid syntax ..." messages.
    static func parse(_ text: String) throws -> InsightsQuery {
        var p = try InsightsParser(text)
        return try p.parse()
    }
}

import Foundation

private struct InsightsParser {
    enum Token: Equatable {
        case ident(String, quoted: Bool)
        case string(String)
        case number(String)
        case symbol(String)
        case end
    }

    let text: [Character]
    var tokens: [(token: Token, offset: Int)] = []
    var pos = 0

    init(_ text: String) throws {
        self.text = Array(text)
        var i = 0
        let s = self.text
        while i < s.count {
            let c = s[i]
            if c.isWhitespace { i += 1; continue }
            let start = i
            if c == "\"" {
                var j = i + 1, v = ""
                while j < s.count, s[j] != "\"" {
                    if s[j] == "\\", j + 1 < s.count, s[j + 1] == "\"" { v.append("\""); j += 2; continue }
                    v.append(s[j]); j += 1
                }
                guard j < s.count else { throw Self.near(s, start) }
                tokens.append((.ident(v, quoted: true), start)); i = j + 1; continue
            }
            if c == "'" {
                var j = i + 1, v = ""
                while j < s.count, s[j] != "'" {
                    if s[j] == "\\", j + 1 < s.count, s[j + 1] == "'" { v.append("'"); j += 2; continue }
                    v.append(s[j]); j += 1
                }
                guard j < s.count else { throw Self.near(s, start) }
                tokens.append((.string(v), start)); i = j + 1; continue
            }
            if c.isLetter || c == "_" {
                var j = i
                while j < s.count, s[j].isLetter || s[j].isNumber || s[j] == "_" || s[j] == "." { j += 1 }
                tokens.append((.ident(String(s[i..<j]), quoted: false), start)); i = j; continue
            }
            if c.isNumber || c == "-" {
                var j = i + 1
                while j < s.count, s[j].isNumber { j += 1 }
                tokens.append((.number(String(s[i..<j])), start)); i = j; continue
            }
            if i + 1 < s.count, ["!=", "<=", ">=", "<>"].contains(String(s[i...i + 1])) {
                tokens.append((.symbol(String(s[i...i + 1])), start)); i += 2; continue
            }
            tokens.append((.symbol(String(c)), start)); i += 1
        }
        tokens.append((.end, s.count))
    }

    /// `Invalid syntax near '<rest of the query>'`, cut to 29 characters and `...`.
    static func near(_ s: [Character], _ offset: Int) -> MathError {
        var rest = String(s[min(offset, s.count)...])
        if rest.count > 29 { rest = String(rest.prefix(29)) + "..." }
        return MathError(message: rest.isEmpty ? "Invalid syntax" : "Invalid syntax near '\(rest)'")
    }

    var peek: Token { tokens[pos].token }
    func failHere() -> MathError { Self.near(text, tokens[pos].offset) }

    mutating func keyword(_ k: String) -> Bool {
        if case .ident(let w, quoted: false) = peek, w.uppercased() == k { pos += 1; return true }
        return false
    }

    mutating func expectKeyword(_ k: String) throws {
        guard keyword(k) else { throw failHere() }
    }

    mutating func symbol(_ s: String) -> Bool {
        if peek == .symbol(s) { pos += 1; return true }
        return false
    }

    mutating func identifier() throws -> String {
        switch peek {
        case .ident(let w, let quoted):
            if !quoted && Self.reserved.contains(w.uppercased()) { throw failHere() }
            pos += 1
            return w
        default: throw failHere()
        }
    }

    /// Words that must be double-quoted to be identifiers.
    static let reserved: Set<String> = [
        "SELECT", "FROM", "WHERE", "GROUP", "BY", "ORDER", "LIMIT", "AND", "OR", "NOT", "IN", "LIKE", "IS", "NULL",
        "ASC", "DESC", "HAVING", "SCHEMA", "AVG", "COUNT", "MAX", "MIN", "SUM", "AS", "ON", "JOIN", "UNION", "ZONE",
        "DATE", "HOUR", "TIME", "TIMESTAMP", "CASE", "WHEN", "THEN", "ELSE", "END", "DISTINCT", "ALL", "ANY",
    ]

    mutating func function(orderBy: Bool) throws -> InsightsQuery.Function {
        guard case .ident(let w, quoted: false) = peek else { throw failHere() }
        guard let f = InsightsQuery.Function(rawValue: w.uppercased()) else {
            if tokens[pos + 1].token == .symbol("(") {
                throw MathError(message: "Invalid syntax. '\(w.uppercased())' is not a valid \(orderBy ? "ORDER BY" : "aggregate") function")
            }
            throw failHere()
        }
        pos += 1
        return f
    }

    mutating func parse() throws -> InsightsQuery {
        try expectKeyword("SELECT")
        let selectStart = pos
        let fn = try function(orderBy: false)
        guard symbol("(") else { throw failHere() }
        if peek == .symbol("*") { throw failHere() }
        let metric = try identifier()
        guard symbol(")") else { throw failHere() }
        if peek != .end && !(peek == .ident("FROM", quoted: false) || { if case .ident(let w, false) = peek { return w.uppercased() == "FROM" } else { return false } }()) {
            throw failHere()
        }
        guard keyword("FROM") else { throw InsightsParser.near(text, tokens[selectStart].offset) }
        var query = InsightsQuery(function: fn, metricName: metric, namespace: "", schemaKeys: nil)
        if keyword("SCHEMA") {
            guard symbol("(") else { throw failHere() }
            if peek == .symbol(")") { throw failHere() }
            query.namespace = try identifier()
            var keys: Set<String> = []
            while symbol(",") { keys.insert(try identifier()) }
            guard symbol(")") else { throw failHere() }
            query.schemaKeys = keys
        } else {
            query.namespace = try identifier()
        }
        if keyword("WHERE") {
            repeat {
                let key = try identifier()
                let equals: Bool
                if symbol("=") { equals = true } else if symbol("!=") { equals = false } else { throw failHere() }
                switch peek {
                case .string(let v):
                    pos += 1
                    query.conditions.append(.init(key: key, equals: equals, value: v))
                case .ident(let w, _) where w.uppercased() == "CURRENT_ACCOUNT_ID":
                    pos += 1
                    guard symbol("("), symbol(")") else { throw failHere() }
                    query.conditions.append(.init(key: key, equals: equals, value: nil))
                case .ident:
                    throw MathError(message: "Invalid syntax. Comparing identifiers is not supported. Values must be surrounded by single quotes")
                default:
                    throw failHere()
                }
            } while keyword("AND")
        }
        if keyword("GROUP") {
            try expectKeyword("BY")
            repeat { query.groupBy.append(try identifier()) } while symbol(",")
        }
        if keyword("ORDER") {
            try expectKeyword("BY")
            let f = try function(orderBy: true)
            guard symbol("("), symbol(")") else { throw failHere() }
            var ascending = true
            if keyword("DESC") { ascending = false } else { _ = keyword("ASC") }
            query.orderBy = (f, ascending)
        }
        if keyword("LIMIT") {
            guard case .number(let n) = peek else { throw failHere() }
            if n.hasPrefix("-") { throw failHere() }
            pos += 1
            if peek == .symbol(".") { throw failHere() }
            guard let v = Int(n), v > 0 else { throw MathError(message: "Invalid syntax. LIMIT must be greater than 0") }
            query.limit = v
        }
        guard peek == .end else { throw failHere() }
        return query
    }
}
