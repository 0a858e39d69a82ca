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
    /// Where the event is, for `@ptr`: its text is built only for the rows that show it.
    enum Pointer: Sendable {
        case text(String)
        case event(group: Int64, stream: Int64, timestamp: Int64, seq: Int64)
    }
    let pointer: Pointer

    /// The `@ptr` that GetLogRecord reads back.
    public var ptr: String {
        switch pointer {
        case .text(let t): return t
        case .event(let g, let s, let t, let q): return Self.pointer(group: g, stream: s, timestamp: t, seq: q)
        }
    }

    public init(timestamp: Int64, message: String, logStream: String, log: String, ingestionTime: Int64, ptr: String) {
        self.timestamp = timestamp
        self.message = message
        self.logStream = logStream
        self.log = log
        self.ingestionTime = ingestionTime
        self.pointer = .text(ptr)
    }

    /// An event of a stored group; its `@ptr` is `pointer(group:stream:timestamp:seq:)`.
    public init(timestamp: Int64, message: String, logStream: String, log: String, ingestionTime: Int64,
                group: Int64, stream: Int64, seq: Int64) {
        self.timestamp = timestamp
        self.message = message
        self.logStream = logStream
        self.log = log
        self.ingestionTime = ingestionTime
        self.pointer = .event(group: group, stream: stream, timestamp: timestamp, seq: seq)
    }

    /// `@ptr`: the event's group, stream, time and sequence, opaque to clients.
    public static func pointer(group: Int64, stream: Int64, timestamp: Int64, seq: Int64) -> String {
        Base64.encode(Array("\(group):\(stream):\(timestamp):\(seq)".utf8))
    }
}

/// A row: its fields, its event's time (for `earliest`, `latest` and the default order), and
/// its place among the rows its run matched (ties in time keep that order).
struct Row {
    var fields: [String: Value]
    var timestamp: Int64
    var arrival = 0
}

/// A compiled query run over events: the commands up to the first one that needs every row
/// (`stats`, `sort`, `dedup`, `limit`, `unnest`, `pattern`) run as each event arrives, so only matching rows are
/// kept; the rest run at the end.
///
/// ```
/// record ─► system fields + JSON fields ─► fields / parse / filter / display (streamed)
///        ─► kept rows ─► stats / sort / dedup / limit / later commands ─► result rows
/// ```
///
/// One task at a time feeds a run (the query's own, which StartQuery hands it to): hence
/// `@unchecked Sendable`.
public final class InsightsRun: @unchecked Sendable {
    let text: String
    let query: LogsInsightsQuery
    let limit: Int
    let streamed: [Command]
    var rest: [Command]
    var kept: [Row] = []
    /// When the first command needing every row is `stats`, its groups, filled as rows match
    /// (no row is kept).
    var groups: StatsGroups?
    /// When it is `pattern`, its clusters, likewise.
    var patterns: PatternClusters?
    /// The tables the query's `lookup` commands read, by name: the caller loads them
    /// (`lookupTableNames`) before the first event.
    public var lookupTables: [String: LookupTable] = [:]
    /// With `diff`, the period compared with: the caller scans it into a sibling run and hands
    /// that to `results(previous:)`.
    public private(set) var comparison: ComparisonPeriod?
    /// Whether an `anomaly` command reads the patterns' evidence.
    var anomalies: Bool { query.commands.contains(.anomaly) }
    public private(set) var recordsScanned = 0
    public private(set) var bytesScanned = 0
    public private(set) var recordsMatched = 0

    /// - Parameter limit: StartQuery's `limit` (the rows answered, at most 10,000).
    public init(_ text: String, limit: Int = 10_000) throws {
        self.text = text
        self.query = try Parser.parse(text)
        self.limit = limit
        let cut = query.commands.firstIndex { c in
            switch c {
            case .stats, .sort, .dedup, .limit, .unnest, .pattern, .diff: return true
            default: return false
            }
        } ?? query.commands.count
        streamed = Array(query.commands[..<cut])
        rest = Array(query.commands[cut...])
        try Self.check(query)
        comparison = query.commands.lazy.compactMap { if case .diff(let p) = $0 { return p } else { return nil } }.first
        if comparison != nil, case .diff? = rest.first {
            // `diff` compares patterns: without a `pattern` before it, those of `@message`.
            rest.insert(.pattern(.field("@message")), at: 0)
        }
        if case .stats(let aggs, let by)? = rest.first { groups = StatsGroups(aggregates: aggs, by: by) }
        if case .pattern(let source)? = rest.first { patterns = PatternClusters(source, anomalies: query.commands.contains(.anomaly)) }
        switch rest.first {
        case nil: bound = (nil, limit)
        case .sort(let keys)? where rest.count == 1: bound = (keys, limit)
        case .sort(let keys)? where rest.count == 2:
            if case .limit(let n) = rest[1] { bound = (keys, min(n, limit)) } else { bound = nil }
        case .limit(let n)? where rest.count == 1: bound = (nil, min(n, limit))
        default: bound = nil
        }
        needed = Self.needed(streamed: streamed, rest: rest)
        if case .filter(let e)? = streamed.first { prefilter = try Self.messageTerms(e) } else { prefilter = [] }
        let read = Self.read(query.commands)
        pointerFirst = read.contains("@ptr")
        pointerKept = !rest.contains { if case .stats = $0 { return true } else { return false } }
        let all = read.union(needed.filter { !$0.hasPrefix("\u{0}") })
        system = Self.systemFields.filter { all.contains($0) }
        projection = JSONProjection(fields: all.filter { !$0.hasPrefix("@") },
                                    subtrees: Set(needed.filter { $0.hasPrefix("\u{0}") }.map { String($0.dropFirst()) }))
    }

    static let systemFields = ["@timestamp", "@message", "@logStream", "@log", "@ingestionTime"]

    /// The query's `SOURCE`, if it has one.
    public var source: LogGroupSource? { query.source }

    /// The system fields and the JSON fields the query reads: a row is given only these.
    let system: [String]
    let projection: JSONProjection
    var scratch = JSONProjection.Scratch()
    /// Whether a command reads `@ptr` (then every row has it), and whether kept rows need it
    /// for the answer (not when it is aggregated): otherwise no `@ptr` text is built.
    let pointerFirst: Bool, pointerKept: Bool

    /// Conditions on `@message` that the first command (a filter) needs to hold: checked on the
    /// raw message before its fields are discovered, so an event that cannot match costs no
    /// JSON parsing. The filter itself still decides.
    let prefilter: [MessageTerm]

    /// When the answer is the first n rows in one order (the default, newest first, or a
    /// `sort`) and nothing after needs the others: the kept rows are cut back to the first n
    /// whenever they pass 2n, so `fields @message | sort @timestamp desc | limit 20` over 10M
    /// events holds 40 rows, not 10M.
    let bound: (keys: [SortKey]?, n: Int)?

    /// The fields a kept row must keep for the commands after the streamed ones and for the
    /// answer; the rest are dropped as the row is kept, so a query over wide JSON events holds
    /// only what it uses.
    let needed: Set<String>

    /// Refuses what parses but cannot run: aggregates outside `stats`, `stats` without one.
    static func check(_ q: LogsInsightsQuery) throws {
        let diffs = q.commands.indices.filter { if case .diff = q.commands[$0] { return true } else { return false } }
        if diffs.count > 1 { throw InsightsError("A query can have only one diff command") }
        if let at = diffs.first {
            // What comes before diff acts on single events, then at most one pattern.
            var before = q.commands[..<at]
            if case .pattern? = before.last { before = before.dropLast() }
            for c in before {
                switch c {
                case .stats, .sort, .dedup, .limit, .unnest, .pattern:
                    throw InsightsError("diff compares patterns: only commands on single events and one pattern command can come before it")
                default: break
                }
            }
        }
        for (i, c) in q.commands.enumerated() where c == .anomaly {
            // anomaly reads patterns: a pattern command before it, with at most diff between.
            var j = i - 1
            while j >= 0, case .diff = q.commands[j] { j -= 1 }
            guard j >= 0, case .pattern = q.commands[j] else {
                throw InsightsError("anomaly must follow a pattern command")
            }
        }
        if q.commands.filter({ if case .filterIndex = $0 { return true } else { return false } }).count > 1 {
            throw InsightsError("A query can have only one filterIndex command")
        }
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
        var row = Row(fields: projectedFields(of: record), timestamp: record.timestamp)
        for c in streamed {
            guard try apply(c, to: &row) else { return }
        }
        recordsMatched += 1
        if groups != nil {
            try groups!.add(row) { try self.eval($0, $1) }
            return
        }
        if patterns != nil {
            try patterns!.add(row) { try self.eval($0, $1) }
            return
        }
        row.fields = row.fields.filter { needed.contains($0.key) || Self.underUnnested($0.key, needed) }
        if pointerKept, !pointerFirst { row.fields["@ptr"] = .string(record.ptr) }
        row.arrival = recordsMatched
        kept.append(row)
        if let bound, kept.count >= max(2 * bound.n, 1024) { try prune(bound) }
    }

    /// Keeps the first `bound.n` kept rows in the answer's order.
    func prune(_ bound: (keys: [SortKey]?, n: Int)) throws {
        orderKept()
        let ordered = try bound.keys.map { try sort(kept, $0) } ?? defaultOrder(kept)
        kept = Array(ordered.prefix(max(1, bound.n)))
    }

    /// The fields of `r` the query reads (`fields(of:)` discovers them all).
    func projectedFields(of r: LogRecord) -> [String: Value] {
        var f: [String: Value] = [:]
        f.reserveCapacity(system.count + projection.wanted.count + 1)
        for name in system {
            switch name {
            case "@timestamp": f[name] = .time(r.timestamp)
            case "@message": f[name] = .string(r.message)
            case "@logStream": f[name] = .string(r.logStream)
            case "@log": f[name] = .string(r.log)
            default: f[name] = .time(r.ingestionTime)
            }
        }
        if pointerFirst { f["@ptr"] = .string(r.ptr) }
        if !projection.wanted.isEmpty || !projection.subtrees.isEmpty { projection.extract(r.message, into: &f, scratch: &scratch) }
        return f
    }

    /// A new, empty run of the same query: one per shard of a scan that uses every core.
    public func sibling() -> InsightsRun {
        // The text compiled once already, so it compiles again.
        let run = try! InsightsRun(text, limit: limit)
        run.lookupTables = lookupTables
        return run
    }

    /// The lookup tables the query's `lookup` commands name.
    public var lookupTableNames: Set<String> {
        Set(query.commands.compactMap { if case .lookup(let j) = $0 { return j.table } else { return nil } })
    }

    /// The field of the query's `filterIndex` (only log groups indexed on it are scanned).
    public var indexedField: String? {
        query.commands.lazy.compactMap { if case .filterIndex(let f, _) = $0 { return f } else { return nil } }.first
    }

    /// Adds what `other` (a sibling that consumed other events) kept and counted, as if this
    /// run had consumed its events too.
    public func absorb(_ other: InsightsRun) {
        kept.append(contentsOf: other.kept)
        if let g = other.groups { groups?.merge(g) }
        if let p = other.patterns { patterns?.merge(p) }
        recordsScanned += other.recordsScanned
        recordsMatched += other.recordsMatched
        bytesScanned += other.bytesScanned
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
        case .lookup(let join):
            var values: [String] = []
            for f in join.logFields {
                guard let v = row.fields[f]?.text else { return true }
                values.append(v)
            }
            // Through the subscript, in place: the table's index is built once, not copied.
            guard let record = lookupTables[join.table]?.match(join.tableFields, values),
                  let columns = lookupTables[join.table]?.columns else { return true }
            for out in join.outputs {
                if let i = columns.firstIndex(of: out) { row.fields[out] = .string(record[i]) }
            }
            return true
        case .filterIndex(let field, let values):
            guard let v = row.fields[field]?.text else { return false }
            return values.contains { e in
                switch e {
                case .string(let s): return s == v
                case .number(let n): return Value.number(n).text == v
                default: return false
                }
            }
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

}

extension LogsInsightsQuery {
    /// Parses `text`; an `InsightsError` says what is wrong and where.
    public static func parse(_ text: String) throws -> LogsInsightsQuery { try Parser.parse(text) }
}
