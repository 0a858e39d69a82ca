import Foundation

/// The syntax tree of a Logs Insights query: a pipeline of commands.
indirect enum Expr: Equatable, Sendable {
    case field(String)
    case string(String)
    case number(Double)
    case duration(Int64)
    case regex(String, caseInsensitive: Bool)
    case list([Expr])
    case not(Expr)
    case negate(Expr)
    case binary(String, Expr, Expr)   // arithmetic, comparison, and, or, like, =~, in
    case call(String, [Expr])
    /// `*`, as in `count(*)`.
    case star
}

/// An expression with the text it was written as (a result column is named after it).
struct Named: Equatable, Sendable {
    var expr: Expr
    var name: String
}

struct SortKey: Equatable, Sendable {
    var expr: Expr
    var ascending: Bool
}

enum ParsePattern: Equatable, Sendable {
    /// `"[*] * - *"`: literal text with `*` captures, named by `as`.
    case glob([String], names: [String])
    /// `/(?<name>...)/`: named groups.
    case regex(String, names: [String])
}

enum Command: Equatable, Sendable {
    case fields([Named])
    case display([Named])
    case filter(Expr)
    case stats(aggregates: [Named], by: [Named])
    case sort([SortKey])
    case limit(Int)
    case parse(source: Expr, pattern: ParsePattern)
    case dedup([Expr])
    case unmask
    /// `unnest list into alias`: a row per member of the list.
    case unnest(field: String, into: String)
    /// `pattern expr`: the rows clustered by the text's structure.
    case pattern(Expr)
    /// `lookup table field [as logField], … OUTPUT out, …`: a lookup table's values joined in.
    case lookup(LookupJoin)
    /// `filterIndex field = value` / `in [values]`: only groups indexed on the field, only
    /// events whose field is one of the values.
    case filterIndex(field: String, values: [Expr])
    /// `diff [previousDay|previousWeek|previousMonth]`: the patterns compared with an earlier
    /// period of the same length.
    case diff(ComparisonPeriod)
    /// `anomaly`: after `pattern`, each pattern's anomalies (see `PatternEvidence`).
    case anomaly
}

/// `lookup`'s join: the table's `tableFields` matched, in order, against the row's `logFields`.
struct LookupJoin: Equatable, Sendable {
    var table: String
    var tableFields: [String]
    var logFields: [String]
    var outputs: [String]
}

/// The period `diff` compares with.
public enum ComparisonPeriod: String, Equatable, Sendable {
    case previous, previousDay, previousWeek, previousMonth

    /// The period compared with [start, end) (epoch milliseconds): as long, ending earlier.
    public func shifted(start: Int64, end: Int64) -> (start: Int64, end: Int64) {
        let length = end - start
        switch self {
        case .previous: return (start - length, start)
        case .previousDay: return (start - 86_400_000, end - 86_400_000)
        case .previousWeek: return (start - 7 * 86_400_000, end - 7 * 86_400_000)
        case .previousMonth:
            // The same time of day and day of the month, a calendar month earlier (the last
            // day of a shorter month when the day does not exist).
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            let date = Date(timeIntervalSince1970: Double(start) / 1000)
            let earlier = calendar.date(byAdding: .month, value: -1, to: date) ?? date.addingTimeInterval(-30 * 86_400)
            let s = Int64((earlier.timeIntervalSince1970 * 1000).rounded())
            return (s, s + length)
        }
    }
}

/// A parsed query.
public struct LogsInsightsQuery: Equatable, Sendable {
    var commands: [Command]
    /// `SOURCE logGroups(...)`: the log groups to query, when StartQuery names none.
    public var source: LogGroupSource?
}

/// `SOURCE logGroups(namePrefix: [...], accountIdentifiers: [...], class: [...])`.
public struct LogGroupSource: Equatable, Sendable {
    /// Names start with one of these (every name when empty); at most 5.
    public var namePrefixes: [String] = []
    /// The accounts (every account the caller sees when empty); at most 20.
    public var accountIdentifiers: [String] = []
    /// Log classes; STANDARD when none is given.
    public var classes: [String] = ["STANDARD"]

    /// Whether a group of `account` named `name` in `logClass` is selected.
    public func selects(name: String, account: String, logClass: String) -> Bool {
        (namePrefixes.isEmpty || namePrefixes.contains { name.hasPrefix($0) })
            && (accountIdentifiers.isEmpty || accountIdentifiers.contains(account))
            && classes.contains(logClass)
    }
}
