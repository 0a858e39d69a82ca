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
}
