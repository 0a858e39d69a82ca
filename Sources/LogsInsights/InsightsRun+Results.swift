import Foundation
import TrailwatchCore

/// The end of a run: the commands that need every kept row (stats, sort, dedup, limit,
/// unnest and what follows them), then the answer's columns.
extension InsightsRun {
    // MARK: The end of the run

    /// The result rows, each a list of (field, value) in the order AWS answers them. With
    /// `diff`, `previous` is a sibling run that consumed the compared period's events.
    public func results(previous: InsightsRun? = nil) throws -> [[(field: String, value: String)]] {
        switch rest.first {
        case .stats?, .pattern?: break
        default: orderKept()
        }
        var rows = kept
        var columns: [String]? = Self.visible(streamed, nil)
        var aggregated = false
        var sorted = false
        var commands = rest[...]
        if let groups {
            rows = try groups.rows { try self.eval($0, $1) }
            columns = groups.by.map(\.name) + groups.aggregates.map(\.name)
            aggregated = true
            commands = commands.dropFirst()
        } else if var patterns {
            if comparison != nil {
                patterns.merge(previous?.patterns?.asPrevious() ?? PatternClusters(patterns.source).asPrevious())
            }
            rows = patterns.rows()
            columns = PatternClusters.columns
            aggregated = true
            commands = commands.dropFirst()
        }
        for c in commands {
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
            case .pattern(let e):
                var clusters = PatternClusters(e, anomalies: anomalies)
                for r in rows { try clusters.add(r) { try self.eval($0, $1) } }
                rows = clusters.rows()
                columns = PatternClusters.columns
                aggregated = true
            case .diff:
                columns = (columns ?? PatternClusters.columns) + PatternClusters.diffColumns
            case .anomaly:
                columns = (columns ?? PatternClusters.columns) + PatternClusters.anomalyColumns
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

    /// Puts the kept rows in time order, ties in the order they arrived: events come from the
    /// store a block at a time in no order, and dedup, limit and the default order read the
    /// rows in time order. (A stats first needs no order: its groups are sorted by key.)
    func orderKept() {
        var ordered = true
        for i in kept.indices.dropFirst() where (kept[i - 1].timestamp, kept[i - 1].arrival) > (kept[i].timestamp, kept[i].arrival) {
            ordered = false
            break
        }
        if ordered { return }
        kept = kept.enumerated().sorted { a, b in
            (a.element.timestamp, a.element.arrival, a.offset) < (b.element.timestamp, b.element.arrival, b.offset)
        }.map(\.element)
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
        rows.enumerated().sorted { a, b in
            (a.element.timestamp, a.element.arrival, a.offset) > (b.element.timestamp, b.element.arrival, b.offset)
        }.map(\.element)
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
            case .lookup(let j) where columns != nil:
                for n in j.outputs where !columns!.contains(n) { columns!.append(n) }
            case .parse(_, let pattern) where columns != nil:
                switch pattern {
                case .glob(_, let names), .regex(_, let names): for n in names where !columns!.contains(n) { columns!.append(n) }
                }
            default: break
            }
        }
        return columns
    }

    /// A stats group's identity: a value's text, except that a time is kept as its
    /// milliseconds (its text is one per millisecond, and formatting it per row was a W4 hot spot).
    enum GroupKey: Hashable {
        case null
        case text(String)
        case time(Int64)

        init(_ v: Value) {
            if case .time(let t) = v { self = .time(t) } else { self = v.text.map(GroupKey.text) ?? .null }
        }
    }

    /// `stats` after a command that needs every row (a `sort` or `dedup` before it).
    func stats(_ rows: [Row], _ aggs: [Named], _ by: [Named]) throws -> [Row] {
        var groups = StatsGroups(aggregates: aggs, by: by)
        for r in rows { try groups.add(r) { try self.eval($0, $1) } }
        return try groups.rows { try self.eval($0, $1) }
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
}
