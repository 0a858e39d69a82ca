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
