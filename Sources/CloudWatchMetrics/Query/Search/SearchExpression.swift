public import Storage

/// A parsed SEARCH query: an optional schema `{Namespace, Dim...}` and an optional term.
///
/// ```
/// term   := and ('OR' and)*              AND binds tighter than OR
/// and    := unary (['AND'] unary)*       juxtaposition is AND
/// unary  := 'NOT' unary | '(' term ')' | atom
/// atom   := [property '='] value         property: MetricName, Namespace, a dimension name,
/// value  := word | "exact" | '(' values ')'   or :aws.AccountId
/// ```
/// `AND`, `OR` and `NOT` are case-sensitive; lower-case `and` is a search word.
struct SearchExpression: Sendable {
    struct Schema: Sendable, Equatable {
        var namespace: String
        var dimensionNames: Set<String>
    }

    indirect enum Term: Sendable, Equatable {
        case word(String)            // partial, token-wise, case-insensitive
        case exact(String)           // whole string, case-sensitive
        case property(String, Term)  // property=value (value: word, exact, or a boolean group)
        case and(Term, Term)
        case or(Term, Term)
        case not(Term)
    }

    var schema: Schema?
    var term: Term?

    /// Parses the first SEARCH argument; throws `Invalid SEARCH parameter: <text>` as AWS does.
    static func parse(_ text: String) throws -> SearchExpression {
        let invalid = MathError(message: "Invalid SEARCH parameter: \(text)", bare: true)
        guard var p = SearchParser(text) else { throw invalid }
        do {
            return try p.parse()
        } catch {
            throw invalid
        }
    }

    /// True when `metric` (owned by `accountId`, the caller's own account) matches.
    func matches(_ metric: MetricIdentity, accountId: String, callerAccount: String) -> Bool {
        if let schema {
            guard metric.namespace == schema.namespace,
                  Set(metric.dimensions.map(\.name)) == schema.dimensionNames,
                  metric.dimensions.count == schema.dimensionNames.count else { return false }
        }
        guard let term else { return true }
        return Self.evaluate(term, metric, accountId: accountId, callerAccount: callerAccount)
    }

    private static func evaluate(_ t: Term, _ m: MetricIdentity, accountId: String, callerAccount: String) -> Bool {
        switch t {
        case .and(let a, let b): return evaluate(a, m, accountId: accountId, callerAccount: callerAccount) && evaluate(b, m, accountId: accountId, callerAccount: callerAccount)
        case .or(let a, let b): return evaluate(a, m, accountId: accountId, callerAccount: callerAccount) || evaluate(b, m, accountId: accountId, callerAccount: callerAccount)
        case .not(let a): return !evaluate(a, m, accountId: accountId, callerAccount: callerAccount)
        case .word, .exact:
            var fields = [m.namespace, m.metricName]
            for d in m.dimensions { fields.append(d.name); fields.append(d.value) }
            return fields.contains { valueMatches(t, $0) }
        case .property(let name, let value):
            let candidates: [String]
            switch name {
            case "MetricName": candidates = [m.metricName]
            case "Namespace": candidates = [m.namespace]
            case ":aws.AccountId":
                return accountValueMatches(value, accountId: accountId, callerAccount: callerAccount)
            default: candidates = m.dimensions.filter { $0.name == name }.map(\.value)
            }
            return candidates.contains { valueMatches(value, $0) }
        }
    }

    private static func accountValueMatches(_ v: Term, accountId: String, callerAccount: String) -> Bool {
        switch v {
        case .word(let w), .exact(let w): return w == accountId || (w == "LOCAL" && accountId == callerAccount)
        case .or(let a, let b): return accountValueMatches(a, accountId: accountId, callerAccount: callerAccount) || accountValueMatches(b, accountId: accountId, callerAccount: callerAccount)
        case .and(let a, let b): return accountValueMatches(a, accountId: accountId, callerAccount: callerAccount) && accountValueMatches(b, accountId: accountId, callerAccount: callerAccount)
        case .not(let a): return !accountValueMatches(a, accountId: accountId, callerAccount: callerAccount)
        case .property: return false
        }
    }

    /// Does `candidate` match a value term (a word, an exact string, or a group of them)?
    static func valueMatches(_ v: Term, _ candidate: String) -> Bool {
        switch v {
        case .exact(let s): return candidate == s
        case .word(let w): return partialMatch(w, candidate)
        case .and(let a, let b): return valueMatches(a, candidate) && valueMatches(b, candidate)
        case .or(let a, let b): return valueMatches(a, candidate) || valueMatches(b, candidate)
        case .not(let a): return !valueMatches(a, candidate)
        case .property: return false
        }
    }

    /// Partial matching: both sides are split into lower-cased tokens (at camel-case humps,
    /// letter/digit changes and punctuation); the word matches when its tokens, joined, equal a
    /// run of consecutive candidate tokens and every word-token boundary falls on a candidate
    /// boundary. `customcount` and `Count1` match `CustomCount1`; `couNT` and `33` do not.
    static func partialMatch(_ word: String, _ candidate: String) -> Bool {
        let w = tokens(word), c = tokens(candidate)
        guard !w.isEmpty, !c.isEmpty else { return false }
        // Boundaries of the word inside its joined text.
        var wordCuts = Set<Int>()
        var acc = 0
        for t in w.dropLast() { acc += t.count; wordCuts.insert(acc) }
        let target = w.joined()
        for i in 0..<c.count {
            var joined = ""
            var cuts = Set<Int>()
            for j in i..<c.count {
                joined += c[j]
                if joined.count > target.count { break }
                if joined == target { return wordCuts.isSubset(of: cuts) }
                cuts.insert(joined.count)
            }
        }
        return false
    }

    /// Lower-cased tokens of `s` for partial matching.
    static func tokens(_ s: String) -> [String] {
        var out: [String] = []
        var current: [Character] = []
        func flush() {
            if !current.isEmpty { out.append(String(current).lowercased()) }
            current = []
        }
        let chars = Array(s)
        for (i, ch) in chars.enumerated() {
            guard ch.isLetter || ch.isNumber else { flush(); continue }
            if let prev = current.last {
                let next: Character? = i + 1 < chars.count ? chars[i + 1] : nil
                let split =
                    (prev.isLowercase && ch.isUppercase) ||
                    (prev.isLetter && ch.isNumber) || (prev.isNumber && ch.isLetter) ||
                    (prev.isUppercase && ch.isUppercase && (next?.isLowercase ?? false))
                if split { flush() }
            }
            current.append(ch)
        }
        flush()
        return out
    }
}

/// Recursive-descent parser for SEARCH's first argument.
private struct SearchParser {
    enum Token: Equatable {
        case open, close, lbrace, rbrace, comma, equals
        case word(String)
        case quoted(String)
        case end
    }

    var tokens: [Token]
    var pos = 0

    init?(_ text: String) {
        var out: [Token] = []
        let s = Array(text)
        var i = 0
        while i < s.count {
            let c = s[i]
            switch c {
            case " ", "\t", "\n": i += 1
            case "(": out.append(.open); i += 1
            case ")": out.append(.close); i += 1
            case "{": out.append(.lbrace); i += 1
            case "}": out.append(.rbrace); i += 1
            case ",": out.append(.comma); i += 1
            case "=":
                if i + 1 < s.count, s[i + 1] == "=" { return nil }
                out.append(.equals); i += 1
            case "\"":
                var j = i + 1
                var text = ""
                while j < s.count, s[j] != "\"" {
                    if s[j] == "\\", j + 1 < s.count { text.append(s[j + 1]); j += 2; continue }
                    text.append(s[j])
                    j += 1
                }
                guard j < s.count else { return nil }
                out.append(.quoted(text))
                i = j + 1
            default:
                var j = i
                var text = ""
                while j < s.count, !" \t\n(){},=\"".contains(s[j]) { text.append(s[j]); j += 1 }
                out.append(.word(text))
                i = j
            }
        }
        out.append(.end)
        tokens = out
    }

    struct Failure: Error {}

    var peek: Token { tokens[pos] }
    mutating func next() -> Token { defer { pos += 1 }; return tokens[pos] }

    mutating func parse() throws -> SearchExpression {
        var expr = SearchExpression()
        if peek == .lbrace {
            pos += 1
            var items: [String] = []
            while true {
                switch next() {
                case .word(let w), .quoted(let w): items.append(w)
                default: throw Failure()
                }
                if peek == .comma { pos += 1; continue }
                guard next() == .rbrace else { throw Failure() }
                break
            }
            guard let ns = items.first else { throw Failure() }
            let dims = Array(items.dropFirst())
            // A repeated dimension name matches nothing (AWS answers no metrics).
            expr.schema = SearchExpression.Schema(namespace: ns, dimensionNames: Set(dims))
            if Set(dims).count != dims.count { expr.schema?.namespace = "\u{0}" }
            if peek == .comma { pos += 1 }
        }
        if peek != .end { expr.term = try or() }
        guard peek == .end else { throw Failure() }
        return expr
    }

    mutating func or() throws -> SearchExpression.Term {
        var t = try and()
        while peek == .word("OR") { pos += 1; t = .or(t, try and()) }
        return t
    }

    mutating func and() throws -> SearchExpression.Term {
        var t = try unary()
        while true {
            if peek == .word("AND") { pos += 1; t = .and(t, try unary()); continue }
            switch peek {
            case .word(let w) where w != "OR": t = .and(t, try unary())
            case .quoted, .open: t = .and(t, try unary())
            default: return t
            }
        }
    }

    /// NOT chains and parentheses both pass through `unary`: this bounds the recursion.
    static let maxDepth = 100
    var depth = 0

    mutating func unary() throws -> SearchExpression.Term {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw Failure() }
        if peek == .word("NOT") { pos += 1; return .not(try unary()) }
        if peek == .open {
            pos += 1
            let t = try or()
            guard next() == .close else { throw Failure() }
            return t
        }
        return try atom()
    }

    mutating func atom() throws -> SearchExpression.Term {
        let first = next()
        let name: String
        let isExact: Bool
        switch first {
        case .word(let w) where w != "AND" && w != "OR": name = w; isExact = false
        case .quoted(let q): name = q; isExact = true
        default: throw Failure()
        }
        guard peek == .equals else { return isExact ? .exact(name) : .word(name) }
        pos += 1
        switch next() {
        case .word(let w) where w != "AND" && w != "OR" && w != "NOT": return .property(name, .word(w))
        case .quoted(let q): return .property(name, .exact(q))
        case .open:
            let group = try or()
            guard next() == .close else { throw Failure() }
            return .property(name, group)
        default: throw Failure()
        }
    }
}
