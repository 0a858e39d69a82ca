// A composite alarm's `AlarmRule`, parsed: the expression tree, the alarms it names, and its
// value for given child states. Parsing lives in CompositeRuleParser.swift, tokens in
// CompositeRuleLexer.swift. Nothing here touches storage: the caller supplies child states.
//
// The language, as AWS documents it (PutCompositeAlarm, "Composite alarms" user guide):
//
//     rule     := or
//     or       := and ( OR and )*
//     and      := unary ( AND unary )*
//     unary    := NOT unary | primary
//     primary  := TRUE | FALSE | "(" or ")"
//               | ( ALARM | OK | INSUFFICIENT_DATA ) "(" ref ")"
//               | AT_LEAST "(" threshold "," state "," "(" ref ( "," ref )* ")" ")"
//     threshold:= digits | digits "%"
//     state    := [NOT] ( ALARM | OK | INSUFFICIENT_DATA )     (AT_LEAST only: "NOT OK", two words)
//     ref      := "name or ARN in double quotes" | bare-name
//
// AWS does not document precedence; NOT > AND > OR is the conventional reading and the one its
// example `ALARM(a) AND NOT ALARM(b)` needs (unverified for AND against OR). Keywords are
// upper case, as in every AWS example (case-sensitivity unverified).

/// A parsed composite-alarm `AlarmRule`.
public indirect enum CompositeRule: Sendable, Equatable {
    /// `TRUE` or `FALSE`.
    case constant(Bool)
    /// `ALARM(x)`, `OK(x)`, `INSUFFICIENT_DATA(x)`: true when alarm `x` (a name or an ARN, as
    /// written, without its quotes) is in that state.
    case state(AlarmStateValue, alarm: String)
    /// `AT_LEAST(2, ALARM, (a, b, c))` or `AT_LEAST(50%, NOT OK, (a, b))`: true when at least
    /// `count` of `alarms` (or, when `percent`, at least `count` percent of them) match `state`.
    case atLeast(count: Int, percent: Bool, state: AtLeastState, alarms: [String])
    /// `NOT r`.
    case not(CompositeRule)
    /// `l AND r`.
    case and(CompositeRule, CompositeRule)
    /// `l OR r`.
    case or(CompositeRule, CompositeRule)
}

/// The state condition of `AT_LEAST`, spelled as AWS spells it: the three states, or `NOT`
/// followed by one of them as a separate word (`NOT OK`, not `NOT_OK`; AWS's CDK renders it so
/// and CloudWatch's announcement lists `NOT ALARM, NOT OK, NOT INSUFFICIENT_DATA`).
public enum AtLeastState: String, Sendable, Equatable, CaseIterable {
    /// A child counts when it is in the named state.
    case alarm = "ALARM", ok = "OK", insufficientData = "INSUFFICIENT_DATA"
    /// A child counts when it is in any state but the named one.
    case notAlarm = "NOT ALARM", notOk = "NOT OK", notInsufficientData = "NOT INSUFFICIENT_DATA"

    /// The state this condition names, with or without `NOT`.
    public var state: AlarmStateValue {
        switch self {
        case .alarm, .notAlarm: .alarm
        case .ok, .notOk: .ok
        case .insufficientData, .notInsufficientData: .insufficientData
        }
    }

    /// True for the three `NOT …` conditions.
    public var isNegated: Bool { self == .notAlarm || self == .notOk || self == .notInsufficientData }

    /// Whether a child in `value` counts towards the threshold.
    public func matches(_ value: AlarmStateValue) -> Bool { (value == state) != isNegated }

    init(state: AlarmStateValue, negated: Bool) {
        switch (state, negated) {
        case (.alarm, false): self = .alarm
        case (.ok, false): self = .ok
        case (.insufficientData, false): self = .insufficientData
        case (.alarm, true): self = .notAlarm
        case (.ok, true): self = .notOk
        case (.insufficientData, true): self = .notInsufficientData
        }
    }
}

/// Why an `AlarmRule` was refused. `message` is the whole text of the `ValidationError` AWS
/// answers with, e.g. `Error in AlarmRule [Unsupported token ')' at char 1]`; the caller wraps it
/// in its `AWSError`.
public struct CompositeRuleError: Error, Sendable, Equatable {
    /// AWS's wording (or, where noted in CompositeRuleParser.swift, wording in AWS's style).
    public let message: String

    /// An error with `message` as its whole text.
    public init(message: String) { self.message = message }
}

extension CompositeRule {
    /// `AlarmRule`'s length limit, in UTF-16 code units as the service model counts it.
    public static let maxLength = 10_240
    /// AWS: "An AlarmRule expression can specify as many as 100 'child' alarms." Counted as
    /// distinct names or ARNs as written.
    public static let maxAlarms = 100
    /// AWS: "The AlarmRule expression can have as many as 500 elements. Elements are child
    /// alarms, TRUE or FALSE statements, and parentheses. A pair of parentheses counts as one
    /// element." Here every alarm reference (each `ALARM(x)`, each member of an `AT_LEAST` list)
    /// is one element, and so is each grouping pair and each `AT_LEAST` list's pair; a
    /// function's own parentheses belong to its alarm element (AWS's exact count unverified).
    public static let maxElements = 500

    /// Every alarm the rule names (a name or an ARN as written, unquoted), in order of first
    /// appearance, each once. A name and the ARN of the same alarm are two entries: resolving
    /// them is the caller's business.
    public var alarms: [String] {
        var seen = Set<String>()
        var out: [String] = []
        collect { name in
            if seen.insert(name).inserted { out.append(name) }
        }
        return out
    }

    private func collect(_ visit: (String) -> Void) {
        switch self {
        case .constant: break
        case .state(_, let alarm): visit(alarm)
        case .atLeast(_, _, _, let alarms): alarms.forEach(visit)
        case .not(let r): r.collect(visit)
        case .and(let l, let r), .or(let l, let r):
            l.collect(visit)
            r.collect(visit)
        }
    }

    /// The rule's value given each child's state, looked up by the name or ARN as written in the
    /// rule. `state` returns nil for an alarm that does not exist; such a child counts as
    /// `INSUFFICIENT_DATA` (AWS refuses to store a rule naming a missing alarm and to delete an
    /// alarm a composite depends on, so it does not document this case: the choice is ours).
    /// `AND` and `OR` short-circuit, so `state` may not be asked about every child.
    /// `AT_LEAST` with a percentage is true when matching × 100 ≥ percent × members.
    public func evaluate(_ state: (String) -> AlarmStateValue?) -> Bool {
        switch self {
        case .constant(let value):
            return value
        case .state(let wanted, let alarm):
            return (state(alarm) ?? .insufficientData) == wanted
        case .atLeast(let count, let percent, let condition, let alarms):
            let matching = alarms.count(where: { condition.matches(state($0) ?? .insufficientData) })
            return percent ? matching * 100 >= count * alarms.count : matching >= count
        case .not(let r):
            return !r.evaluate(state)
        case .and(let l, let r):
            return l.evaluate(state) && r.evaluate(state)
        case .or(let l, let r):
            return l.evaluate(state) || r.evaluate(state)
        }
    }
}
