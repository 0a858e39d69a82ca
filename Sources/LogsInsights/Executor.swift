import Foundation
import TrailwatchCore

/// One log event as a query sees it.
public struct LogRecord: Sendable {
    public var timestamp: Int64
    public var message: String
    public var logStream: String
    /// `account:group`, as `@log` shows it.
    public var log: String
    public var ingestionTime: Int64
    /// The `@ptr` that GetLogRecord reads back.
    public var ptr: String

    public init(timestamp: Int64, message: String, logStream: String, log: String, ingestionTime: Int64, ptr: String) {
        self.timestamp = timestamp
        self.message = message
        self.logStream = logStream
        self.log = log
        self.ingestionTime = ingestionTime
        self.ptr = ptr
    }
}

/// A row: its fields, and its event's time (for `earliest`, `latest` and the default order).
struct Row {
    var fields: [String: Value]
    var timestamp: Int64
}

/// A compiled query run over events: the commands up to the first one that needs every row
/// (`stats`, `sort`, `dedup`, `limit`) run as each event arrives, so only matching rows are
/// kept; the rest run at the end.
///
/// ```
/// record ─► system fields + JSON fields ─► fields / parse / filter / display (streamed)
///        ─► kept rows ─► stats / sort / dedup / limit / later commands ─► result rows
/// ```
public final class InsightsRun {
    let query: LogsInsightsQuery
    let limit: Int
    let streamed: [Command]
    let rest: [Command]
    var kept: [Row] = []
    public private(set) var recordsScanned = 0
    public private(set) var bytesScanned = 0
    public private(set) var recordsMatched = 0

    /// - Parameter limit: StartQuery's `limit` (the rows answered, at most 10,000).
    public init(_ text: String, limit: Int = 10_000) throws {
        self.query = try Parser.parse(text)
        self.limit = limit
        let cut = query.commands.firstIndex { c in
            switch c {
            case .stats, .sort, .dedup, .limit, .unnest: return true
            default: return false
            }
        } ?? query.commands.count
        streamed = Array(query.commands[..<cut])
        rest = Array(query.commands[cut...])
        try Self.check(query)
        needed = Self.needed(streamed: streamed, rest: rest)
        if case .filter(let e)? = streamed.first { prefilter = try Self.messageTerms(e) } else { prefilter = [] }
    }

    /// Conditions on `@message` that the first command (a filter) needs to hold: checked on the
    /// raw message before its fields are discovered, so an event that cannot match costs no
    /// JSON parsing. The filter itself still decides.
    let prefilter: [MessageTerm]

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

    /// The fields a kept row must keep for the commands after the streamed ones and for the
    /// answer (nil: all of them); the rest are dropped as the row is kept, so a query over
    /// wide JSON events holds only what it uses.
    let needed: Set<String>?

    static func needed(streamed: [Command], rest: [Command]) -> Set<String>? {
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

    /// Refuses what parses but cannot run: aggregates outside `stats`, `stats` without one.
    static func check(_ q: LogsInsightsQuery) throws {
        for c in q.commands {
            switch c {
            case .stats(let aggs, let by):
                for a in aggs where !Aggregates.contains(a.expr) {
                    throw InsightsError("Expression \(a.name) in stats is not an aggregate function")
                }
                for b in by where Aggregates.contains(b.expr) {
                    throw InsightsError("Aggregate functions are not allowed in the by clause")
                }
            case .fields(let list), .display(let list):
                for n in list where Aggregates.contains(n.expr) { throw InsightsError("Aggregate functions can only be used in stats") }
            case .filter(let e):
                if Aggregates.contains(e) { throw InsightsError("Aggregate functions can only be used in stats") }
            default: break
            }
        }
    }

    public func consume(_ record: LogRecord) throws {
        recordsScanned += 1
        bytesScanned += record.message.utf8.count
        for term in prefilter where !term.holds(record.message) { return }
        var row = Row(fields: Self.fields(of: record), timestamp: record.timestamp)
        for c in streamed {
            guard try apply(c, to: &row) else { return }
        }
        recordsMatched += 1
        if let needed { row.fields = row.fields.filter { needed.contains($0.key) || Self.underUnnested($0.key, needed) } }
        kept.append(row)
    }

    /// A record's fields as text (GetLogRecord, GetLogGroupFields).
    public static func fieldTexts(of r: LogRecord) -> [String: String] {
        fields(of: r).compactMapValues(\.text)
    }

    /// The system fields and the fields discovered in a JSON message (dotted paths).
    static func fields(of r: LogRecord) -> [String: Value] {
        var f: [String: Value] = [
            "@timestamp": .time(r.timestamp), "@message": .string(r.message), "@logStream": .string(r.logStream),
            "@log": .string(r.log), "@ingestionTime": .time(r.ingestionTime), "@ptr": .string(r.ptr),
        ]
        if r.message.first == "{", let json = try? JSONReader.parse(Array(r.message.utf8)) {
            flatten(json, prefix: "", into: &f)
        }
        return f
    }

    static func flatten(_ v: WireValue, prefix: String, into f: inout [String: Value]) {
        switch v {
        case .map(let d): for (k, x) in d { flatten(x, prefix: prefix.isEmpty ? k : "\(prefix).\(k)", into: &f) }
        case .list(let a): for (i, x) in a.enumerated() { flatten(x, prefix: "\(prefix).\(i)", into: &f) }
        case _ where prefix.isEmpty: break
        case .int(let n): f[prefix] = .number(Double(n))
        case .double(let d): f[prefix] = .number(d)
        case .bool(let b): f[prefix] = .string(b ? "true" : "false")
        case .string(let s): f[prefix] = .string(s)
        default: break
        }
    }

    // MARK: Commands on one row

    /// Applies a row command; false when the row is filtered out.
    func apply(_ c: Command, to row: inout Row) throws -> Bool {
        switch c {
        case .fields(let list), .display(let list):
            for n in list where !isPlainField(n) {
                let v = try eval(n.expr, row)
                row.fields[n.name] = v
                if case .call("jsonparse", _) = n.expr, let text = v.text, let json = try? JSONReader.parse(Array(text.utf8)) {
                    Self.flatten(json, prefix: n.name, into: &row.fields)
                }
            }
            return true
        case .filter(let e):
            return try eval(e, row).truthy
        case .parse(let source, let pattern):
            let text = try eval(source, row).text ?? ""
            switch pattern {
            case .glob(let parts, let names):
                if let captures = Self.glob(text, parts) {
                    for (n, v) in zip(names, captures) { row.fields[n] = .string(v) }
                }
            case .regex(let r, let names):
                let re = try Self.regex(r, insensitive: false)
                if let m = re.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) {
                    for n in names {
                        let range = m.range(withName: n)
                        if range.location != NSNotFound, let rr = Range(range, in: text) { row.fields[n] = .string(String(text[rr])) }
                    }
                }
            }
            return true
        case .unmask:
            return true
        default:
            return true
        }
    }

    func isPlainField(_ n: Named) -> Bool {
        if case .field(let f) = n.expr, f == n.name { return true }
        return false
    }

    /// Matches `text` against literal parts with `*` captures between them (the first
    /// part anchors nothing: a glob matches anywhere, as `parse` does).
    static func glob(_ text: String, _ parts: [String]) -> [String]? {
        var rest = Substring(text)
        var captures: [String] = []
        if let first = parts.first, !first.isEmpty {
            guard let r = rest.range(of: first) else { return nil }
            rest = rest[r.upperBound...]
        }
        for (i, part) in parts.dropFirst().enumerated() {
            let last = i == parts.count - 2
            if part.isEmpty {
                if last { captures.append(String(rest)); rest = "" } else { captures.append("") }
                continue
            }
            guard let r = rest.range(of: part) else { return nil }
            captures.append(String(rest[..<r.lowerBound]))
            rest = rest[r.upperBound...]
        }
        return captures
    }

    // MARK: The end of the run

    /// The result rows, each a list of (field, value) in the order AWS answers them.
    public func results() throws -> [[(field: String, value: String)]] {
        var rows = kept
        var columns: [String]? = Self.visible(streamed, nil)
        var aggregated = false
        var sorted = false
        for c in rest {
            switch c {
            case .stats(let aggs, let by):
                rows = try stats(rows, aggs, by)
                columns = by.map(\.name) + aggs.map(\.name)
                aggregated = true
            case .sort(let keys):
                rows = try sort(rows, keys)
                sorted = true
            case .limit(let n):
                if !sorted && !aggregated { rows = defaultOrder(rows); sorted = true }
                rows = Array(rows.prefix(n))
            case .dedup(let fields):
                var seen = Set<[String?]>()
                var out: [Row] = []
                for r in rows {
                    let key = try fields.map { try eval($0, r).text }
                    if key.contains(where: { $0 == nil }) || seen.insert(key).inserted { out.append(r) }
                }
                rows = out
            case .filter(let e):
                rows = try rows.filter { try eval(e, $0).truthy }
            case .unnest(let field, let alias):
                rows = rows.flatMap { Self.unnest($0, field, alias) }
                if columns != nil, !columns!.contains(alias) { columns!.append(alias) }
            default:
                for i in rows.indices { _ = try apply(c, to: &rows[i]) }
                columns = Self.visible([c], columns)
            }
        }
        if !sorted && !aggregated { rows = defaultOrder(rows) }
        let shown = columns ?? ["@timestamp", "@message", "@logStream", "@log"]
        return rows.prefix(limit).map { r in
            var out: [(field: String, value: String)] = []
            for name in shown { if let v = r.fields[name]?.text { out.append((name, v)) } }
            if !aggregated, let ptr = r.fields["@ptr"]?.text, !shown.contains("@ptr") { out.append(("@ptr", ptr)) }
            return out
        }
    }

    /// The row once per member of the list at `field` (its flattened `field.0`, `field.1`…),
    /// the member as `alias` (and its own fields as `alias.x`); a row without the list stays.
    static func unnest(_ row: Row, _ field: String, _ alias: String) -> [Row] {
        let prefix = field + "."
        var members: [Int: [(String, Value)]] = [:]
        for (k, v) in row.fields where k.hasPrefix(prefix) {
            let rest = k.dropFirst(prefix.count)
            let index = rest.prefix { $0 != "." }
            guard let i = Int(index) else { continue }
            members[i, default: []].append((String(rest.dropFirst(index.count)), v))
        }
        guard !members.isEmpty else { return [row] }
        return members.keys.sorted().map { i in
            var r = row
            for (path, v) in members[i]! { r.fields[alias + path] = v }
            return r
        }
    }

    /// Newest first: Logs Insights' order when a query does not sort.
    func defaultOrder(_ rows: [Row]) -> [Row] {
        rows.enumerated().sorted { a, b in a.element.timestamp != b.element.timestamp ? a.element.timestamp > b.element.timestamp : a.offset > b.offset }.map(\.element)
    }

    /// The columns after `commands`: `fields` adds to what is shown, `display` replaces it.
    static func visible(_ commands: [Command], _ start: [String]?) -> [String]? {
        var columns = start
        for c in commands {
            switch c {
            case .fields(let list):
                var cols = columns ?? []
                for n in list where !cols.contains(n.name) { cols.append(n.name) }
                columns = cols
            case .display(let list):
                columns = list.map(\.name)
            case .parse(_, let pattern) where columns != nil:
                switch pattern {
                case .glob(_, let names), .regex(_, let names): for n in names where !columns!.contains(n) { columns!.append(n) }
                }
            default: break
            }
        }
        return columns
    }

    func stats(_ rows: [Row], _ aggs: [Named], _ by: [Named]) throws -> [Row] {
        var groups: [[String?]: (keys: [Value], rows: [Row])] = [:]
        var order: [[String?]] = []
        for r in rows {
            let keys = try by.map { try eval($0.expr, r) }
            let k = keys.map(\.text)
            if groups[k] == nil { order.append(k); groups[k] = (keys, []) }
            groups[k]!.rows.append(r)
        }
        if by.isEmpty && groups.isEmpty { order = [[]]; groups[[]] = ([], []) }
        // Groups in ascending order of their keys.
        order.sort { a, b in
            for (x, y) in zip(groups[a]!.keys, groups[b]!.keys) {
                if let c = Value.compare(x, y), c != 0 { return c < 0 }
            }
            return false
        }
        return try order.map { k in
            let g = groups[k]!
            var fields: [String: Value] = [:]
            for (n, v) in zip(by, g.keys) { fields[n.name] = v }
            for a in aggs { fields[a.name] = try aggregate(a.expr, g.rows) }
            return Row(fields: fields, timestamp: g.rows.first?.timestamp ?? 0)
        }
    }

    func aggregate(_ e: Expr, _ rows: [Row]) throws -> Value {
        switch e {
        case .call(let name, let args) where Aggregates.known.contains(name):
            return try Aggregates.compute(name, args, rows) { try self.eval($0, $1) }
        case .binary(let op, let a, let b):
            return try Self.binary(op, try aggregate(a, rows), try aggregate(b, rows))
        case .negate(let a):
            return try aggregate(a, rows).number.map { .number(-$0) } ?? .null
        case .call(let name, let args):
            return try Functions.call(name, try args.map { try aggregate($0, rows) }, period: { Self.period(args, $0) })
        default:
            return try rows.first.map { try eval(e, $0) } ?? .null
        }
    }

    func sort(_ rows: [Row], _ keys: [SortKey]) throws -> [Row] {
        let evaluated = try rows.map { r in (r, try keys.map { try eval($0.expr, r) }) }
        return evaluated.sorted { a, b in
            for (i, k) in keys.enumerated() {
                let x = a.1[i], y = b.1[i]
                if x.isNull != y.isNull { return !x.isNull }  // nulls last
                if x.isNull { continue }
                let c = Value.sortOrder(x, y)
                if c != 0 { return k.ascending ? c < 0 : c > 0 }
            }
            return false
        }.map(\.0)
    }

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
            case .regex(let r, let i): return .bool(try Self.regex(r, insensitive: i).firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil)
            default:
                guard let needle = try eval(b, row).text else { return .bool(false) }
                return .bool(text.contains(needle))
            }
        case .binary("in", let a, .list(let items)):
            let v = try eval(a, row)
            return .bool(try items.contains { Value.compare(v, try eval($0, row)) == 0 })
        case .binary(let op, let a, let b):
            return try Self.binary(op, try eval(a, row), try eval(b, row))
        case .call("bin", let args):
            guard args.count == 1, let p = Self.period(args, 0), p > 0 else { throw InsightsError("bin takes one time period, such as 5m") }
            return .time(Functions.floorDiv(row.timestamp, p) &* p)
        case .call(let name, let args) where Aggregates.known.contains(name):
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

extension LogsInsightsQuery {
    /// Parses `text`; an `InsightsError` says what is wrong and where.
    public static func parse(_ text: String) throws -> LogsInsightsQuery { try Parser.parse(text) }
}
