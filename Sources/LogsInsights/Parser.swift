import Foundation

/// Parses a query: commands separated by `|`, each with its expressions.
struct Parser {
    let text: [Character]
    var tokens: [Lexed]
    var pos = 0

    static func parse(_ query: String) throws -> LogsInsightsQuery {
        var p = Parser(text: Array(query), tokens: try Lexer.lex(query))
        var commands: [Command] = []
        var source: LogGroupSource?
        if case .ident(let w) = p.peek, w.lowercased() == "source" {
            p.pos += 1
            source = try p.source()
            if case .end = p.peek { return LogsInsightsQuery(commands: [], source: source) }
            try p.expect("|")
        }
        repeat {
            if case .end = p.peek {
                if !commands.isEmpty { throw p.unexpected() } // a trailing `|`
                break
            }
            // AWS rejects a sort after dedup ("unexpected symbol found sort"): dedup keeps the
            // first row of each group in the order already established.
            if case .dedup = commands.last, case .ident(let w) = p.peek, w.lowercased() == "sort" { throw p.unexpected() }
            commands.append(try p.command())
        } while p.eat("|")
        guard case .end = p.peek else { throw p.unexpected() }
        if commands.isEmpty { throw InsightsError("The query is empty", start: 0, end: 0) }
        return LogsInsightsQuery(commands: commands, source: source)
    }

    /// `logGroups(key: ['a', 'b'], ...)` after SOURCE.
    mutating func source() throws -> LogGroupSource {
        guard keyword("loggroups") else { throw unexpected() }
        try expect("(")
        var s = LogGroupSource()
        var seen: Set<String> = []
        while !eat(")") {
            if !seen.isEmpty { try expect(",") }
            let at = current
            let key = try identifier()
            try expect(":")
            try expect("[")
            var values: [String] = []
            while !eat("]") {
                if !values.isEmpty { try expect(",") }
                guard case .string(let v) = peek else { throw unexpected() }
                pos += 1
                values.append(v)
            }
            guard seen.insert(key.lowercased()).inserted else { throw unexpected() }
            switch key.lowercased() {
            case "nameprefix":
                guard values.count <= 5 else { throw InsightsError("SOURCE accepts at most 5 name prefixes", start: at.start, end: at.end) }
                s.namePrefixes = values
            case "accountidentifiers", "accountidentifier":
                guard values.count <= 20 else { throw InsightsError("SOURCE accepts at most 20 account identifiers", start: at.start, end: at.end) }
                s.accountIdentifiers = values
            case "class", "loggroupclass":
                for v in values where !["STANDARD", "INFREQUENT_ACCESS"].contains(v) {
                    throw InsightsError("Invalid log group class \(v)", start: at.start, end: at.end)
                }
                s.classes = values.isEmpty ? ["STANDARD"] : values
            default:
                throw InsightsError("Unknown SOURCE keyword '\(key)'", start: at.start, end: at.end)
            }
        }
        return s
    }

    var peek: Token { tokens[pos].token }
    var current: Lexed { tokens[pos] }

    mutating func advance() -> Lexed { defer { pos += 1 }; return tokens[pos] }

    mutating func eat(_ op: String) -> Bool {
        if case .op(op) = peek { pos += 1; return true }
        return false
    }

    mutating func keyword(_ k: String) -> Bool {
        if case .ident(let w) = peek, w.lowercased() == k { pos += 1; return true }
        return false
    }

    /// AWS's compile error: `unexpected symbol found <token> at line <n> and position <m>`
    /// (lines from 1, positions from 0 within the line as ANTLR counts them: the base is
    /// unverified against AWS). The end of the query reads as ANTLR's `<EOF>`.
    func unexpected() -> InsightsError {
        let t = current
        var symbol = "<EOF>"
        if case .end = t.token {} else { symbol = String(text[t.start...min(t.end, text.count - 1)]) }
        let before = text[..<min(t.start, text.count)]
        let line = before.reduce(1) { $1 == "\n" ? $0 + 1 : $0 }
        let position = before.count - ((before.lastIndex(of: "\n")).map { $0 + 1 } ?? 0)
        return InsightsError("unexpected symbol found \(symbol) at line \(line) and position \(position)", start: t.start, end: t.end)
    }

    mutating func expect(_ op: String) throws {
        guard eat(op) else { throw unexpected() }
    }

    /// A string or a number (`filterIndex`'s values).
    mutating func literal() throws -> Expr {
        switch peek {
        case .string(let s): pos += 1; return .string(s)
        case .number(let n): pos += 1; return .number(n)
        default: throw unexpected()
        }
    }

    mutating func identifier() throws -> String {
        guard case .ident(let w) = peek else { throw unexpected() }
        pos += 1
        return w
    }

    // MARK: Commands

    mutating func command() throws -> Command {
        let at = current
        guard case .ident(let word) = peek else { throw unexpected() }
        pos += 1
        switch word.lowercased() {
        case "fields": return .fields(try namedList())
        case "display": return .display(try namedList())
        case "filter": return .filter(try expression())
        case "stats":
            let aggregates = try namedList()
            var by: [Named] = []
            if keyword("by") { by = try namedList() }
            return .stats(aggregates: aggregates, by: by)
        case "sort":
            var keys: [SortKey] = []
            repeat {
                let e = try expression()
                // Ascending unless `desc` (AWS documents both keywords, not a default).
                var ascending = true
                if keyword("desc") { ascending = false } else { _ = keyword("asc") }
                keys.append(SortKey(expr: e, ascending: ascending))
            } while eat(",")
            return .sort(keys)
        case "limit", "head", "tail": // head and tail: AWS's deprecated aliases of limit
            guard case .number(let n) = peek, n >= 1, n == n.rounded() else { throw unexpected() }
            pos += 1
            return .limit(Int(min(n, 10_000)))
        case "parse":
            var source = Expr.field("@message")
            if case .ident = peek { source = .field(try identifier()) }
            switch advance().token {
            case .string(let glob):
                var names: [String] = []
                if keyword("as") {
                    repeat { names.append(try identifier()) } while eat(",")
                }
                let parts = glob.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
                if parts.count - 1 != names.count {
                    throw InsightsError("The number of fields in 'as' must match the number of '*' in the pattern", start: at.start, end: tokens[pos - 1].end)
                }
                return .parse(source: source, pattern: .glob(parts, names: names))
            case .regex(let r, _):
                let names = Self.groupNames(r)
                if names.isEmpty { throw InsightsError("The regular expression must have named capture groups", start: at.start, end: tokens[pos - 1].end) }
                return .parse(source: source, pattern: .regex(r, names: names))
            default:
                pos -= 1
                throw unexpected()
            }
        case "dedup":
            var fields: [Expr] = []
            repeat { fields.append(.field(try identifier())) } while eat(",")
            return .dedup(fields)
        case "unmask":
            return .unmask
        case "unnest":
            let field = try identifier()
            guard keyword("into") else { throw unexpected() }
            return .unnest(field: field, into: try identifier())
        case "pattern":
            return .pattern(try expression())
        case "source":
            throw InsightsError("SOURCE must be the query's first command", start: at.start, end: at.end)
        case "lookup":
            let table = try identifier()
            var join = LookupJoin(table: table, tableFields: [], logFields: [], outputs: [])
            repeat {
                let field = try identifier()
                join.tableFields.append(field)
                join.logFields.append(keyword("as") ? try identifier() : field)
            } while eat(",")
            guard keyword("output") else { throw unexpected() }
            repeat { join.outputs.append(try identifier()) } while eat(",")
            return .lookup(join)
        case "filterindex":
            let field = try identifier()
            if eat("=") { return .filterIndex(field: field, values: [try literal()]) }
            guard keyword("in"), eat("[") else { throw unexpected() }
            var values: [Expr] = []
            repeat { values.append(try literal()) } while eat(",")
            try expect("]")
            return .filterIndex(field: field, values: values)
        case "diff":
            if case .ident(let w) = peek, let period = ComparisonPeriod(rawValue: w), period != .previous {
                pos += 1
                return .diff(period)
            }
            return .diff(.previous)
        case "anomaly":
            return .anomaly
        default:
            throw InsightsError("Unknown command '\(word)'", start: at.start, end: at.end)
        }
    }

    static func groupNames(_ regex: String) -> [String] {
        var names: [String] = []
        let s = Array(regex)
        var i = 0
        while i + 3 < s.count {
            if s[i] == "(", s[i + 1] == "?", s[i + 2] == "<", s[i + 3] != "=", s[i + 3] != "!" {
                var j = i + 3, name = ""
                while j < s.count, s[j] != ">" { name.append(s[j]); j += 1 }
                names.append(name)
                i = j
            }
            i += 1
        }
        return names
    }

    mutating func namedList() throws -> [Named] {
        var out: [Named] = []
        repeat {
            let from = current.start
            let e = try expression()
            var name = String(text[from...tokens[pos - 1].end]).trimmingCharacters(in: .whitespaces)
            if case .field(let f) = e { name = f }
            if keyword("as") { name = try identifier() }
            out.append(Named(expr: e, name: name))
        } while eat(",")
        return out
    }

    // MARK: Expressions

    mutating func expression() throws -> Expr { try or() }

    mutating func or() throws -> Expr {
        var e = try and()
        while keyword("or") { e = .binary("or", e, try and()) }
        return e
    }

    mutating func and() throws -> Expr {
        var e = try not()
        while keyword("and") { e = .binary("and", e, try not()) }
        return e
    }

    mutating func not() throws -> Expr {
        if keyword("not") { return .not(try not()) }
        return try comparison()
    }

    mutating func comparison() throws -> Expr {
        let left = try additive()
        for op in ["=", "!=", "<=", ">=", "<", ">"] where eat(op) {
            return .binary(op, left, try additive())
        }
        if eat("=~") { return .binary("like", left, try additive()) }
        if keyword("like") { return .binary("like", left, try additive()) }
        if keyword("in") { return .binary("in", left, try additive()) }
        if case .ident(let w) = peek, w.lowercased() == "not", pos + 1 < tokens.count,
           case .ident(let next) = tokens[pos + 1].token, ["like", "in"].contains(next.lowercased()) {
            pos += 2
            return .not(.binary(next.lowercased(), left, try additive()))
        }
        return left
    }

    mutating func additive() throws -> Expr {
        var e = try multiplicative()
        while true {
            if eat("+") { e = .binary("+", e, try multiplicative()) } else if eat("-") { e = .binary("-", e, try multiplicative()) } else { return e }
        }
    }

    mutating func multiplicative() throws -> Expr {
        var e = try unary()
        while true {
            if eat("*") { e = .binary("*", e, try unary()) } else if eat("/") { e = .binary("/", e, try unary()) } else if eat("%") {
                e = .binary("%", e, try unary())
            } else { return e }
        }
    }

    mutating func unary() throws -> Expr {
        if eat("-") { return .negate(try unary()) }
        let base = try primary()
        if eat("^") { return .binary("^", base, try unary()) }
        return base
    }

    mutating func primary() throws -> Expr {
        let t = advance()
        switch t.token {
        case .number(let v): return .number(v)
        case .string(let s): return .string(s)
        case .duration(let ms): return .duration(ms)
        case .regex(let r, let i): return .regex(r, caseInsensitive: i)
        case .op("("):
            let e = try expression()
            try expect(")")
            return e
        case .op("["):
            var items: [Expr] = []
            if !eat("]") {
                repeat { items.append(try expression()) } while eat(",")
                try expect("]")
            }
            return .list(items)
        case .op("*"): return .star
        case .ident(let name):
            if eat("(") {
                var args: [Expr] = []
                if !eat(")") {
                    repeat { args.append(try expression()) } while eat(",")
                    try expect(")")
                }
                let fn = name.lowercased()
                guard Functions.known.contains(fn) || Aggregates.known.contains(fn) else {
                    throw InsightsError("Unknown function '\(name)'", start: t.start, end: t.end)
                }
                return .call(fn, args)
            }
            return .field(name)
        default:
            pos -= 1
            throw unexpected()
        }
    }
}
