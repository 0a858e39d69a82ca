// Parses an AlarmRule (grammar in CompositeRule.swift) without recursion, so that no rule of
// 10,240 characters, however nested, can exhaust a thread's stack:
//
//   tokens ─► operand?  NOT ─► push          ( ─► push (one element)
//             │         atom ─► output, then apply the NOTs waiting on top ─► operator?
//             operator? AND/OR ─► apply waiting operators of equal or higher precedence, push
//                       ) ─► apply back to its (, drop it, apply waiting NOTs
//                       end ─► apply everything; a ( left over is an error
//
// Atoms (TRUE, FALSE, ALARM(x), OK(x), INSUFFICIENT_DATA(x), AT_LEAST(…)) take no
// sub-expressions, so each is read straight through.
//
// Messages. Verified against AWS answers quoted in aws/aws-cdk issues #34662 and #13953:
//   Error in AlarmRule [Unsupported token ')' at char 1]
//   Error in AlarmRule [Unsupported token 'Oldest' at char 67, must be: ')']
// The others keep that frame, but their wording is ours (unverified): the end of the rule
// where more was needed, an unclosed quote, the AT_LEAST threshold checks, and the 100-alarm
// and 500-element limits.

struct CompositeRuleParser {
    private let tokens: [CompositeRuleToken]
    private var at = 0
    private var elements = 0

    private enum Operator { case not, and, or, open }
    private var operators: [Operator] = []
    private var operands: [CompositeRule] = []

    private init(tokens: [CompositeRuleToken]) { self.tokens = tokens }

    /// `Error in AlarmRule [detail]`, the frame of every AWS AlarmRule syntax error.
    static func error(_ detail: String) -> CompositeRuleError {
        CompositeRuleError(message: "Error in AlarmRule [\(detail)]")
    }

    static func parse(_ text: String) throws(CompositeRuleError) -> CompositeRule {
        let length = text.utf16.count
        guard length >= 1, length <= CompositeRule.maxLength else { throw lengthError(text, length) }
        var parser = CompositeRuleParser(tokens: try CompositeRuleLexer.tokens(text))
        let rule = try parser.expression()
        let alarms = rule.alarms.count
        guard alarms <= CompositeRule.maxAlarms else {
            throw error("AlarmRule can reference at most \(CompositeRule.maxAlarms) alarms, got \(alarms)")
        }
        return rule
    }

    /// The service model's length constraint, worded as AWSWire's Validator words it (which
    /// normally refuses such a rule before any handler sees it).
    private static func lengthError(_ text: String, _ length: Int) -> CompositeRuleError {
        let shown = text.count > 1024 ? String(text.prefix(1024)) + "..." : text
        let constraint = length < 1 ? "greater than or equal to 1" : "less than or equal to \(CompositeRule.maxLength)"
        return CompositeRuleError(message: "1 validation error detected: Value '\(shown)' at 'alarmRule' failed to satisfy constraint: Member must have length \(constraint)")
    }

    // MARK: Expressions

    private mutating func expression() throws(CompositeRuleError) -> CompositeRule {
        var wantOperand = true
        while true {
            let token = next()
            if wantOperand {
                switch token.kind {
                case .word("NOT"):
                    operators.append(.not)
                case .open:
                    try countElement(token)
                    operators.append(.open)
                default:
                    let operand = try atom(token)
                    operands.append(operand)
                    applyNots()
                    wantOperand = false
                }
                continue
            }
            switch token.kind {
            case .word("AND"):
                apply(while: { $0 == .and })
                operators.append(.and)
                wantOperand = true
            case .word("OR"):
                apply(while: { $0 != .open })
                operators.append(.or)
                wantOperand = true
            case .close:
                apply(while: { $0 != .open })
                guard operators.popLast() == .open else { throw unsupported(token) }
                applyNots()
            case .end:
                apply(while: { $0 != .open })
                guard operators.isEmpty else { throw unsupported(token, mustBe: ")") }
                return operands[0]
            default:
                throw unsupported(token)
            }
        }
    }

    /// Applies waiting NOTs to the operand just completed (NOT binds tightest).
    private mutating func applyNots() {
        while operators.last == .not {
            operators.removeLast()
            operands.append(.not(operands.removeLast()))
        }
    }

    /// Pops and applies operators while `condition` holds for the one on top.
    private mutating func apply(while condition: (Operator) -> Bool) {
        while let top = operators.last, condition(top) {
            operators.removeLast()
            let right = operands.removeLast()
            switch top {
            case .not: operands.append(.not(right))
            case .and: operands.append(.and(operands.removeLast(), right))
            case .or: operands.append(.or(operands.removeLast(), right))
            case .open: preconditionFailure("apply(while:) never pops an open parenthesis")
            }
        }
    }

    // MARK: Atoms

    private mutating func atom(_ token: CompositeRuleToken) throws(CompositeRuleError) -> CompositeRule {
        switch token.kind {
        case .word("TRUE"), .word("FALSE"):
            try countElement(token)
            return .constant(token.text == "TRUE")
        case .word("AT_LEAST"):
            return try atLeast()
        case .word(let word):
            guard let state = AlarmStateValue(rawValue: word) else { throw unsupported(token) }
            try expect(.open, "(")
            let alarm = try reference()
            try expect(.close, ")")
            try countElement(token)
            return .state(state, alarm: alarm)
        default:
            throw unsupported(token)
        }
    }

    /// `AT_LEAST(threshold, state, (ref, …))`, after the keyword.
    private mutating func atLeast() throws(CompositeRuleError) -> CompositeRule {
        try expect(.open, "(")
        let thresholdToken = next()
        guard case .word(let threshold) = thresholdToken.kind, case let (count, percent)? = Self.threshold(threshold) else {
            throw unsupported(thresholdToken)
        }
        try expect(.comma, ",")
        let condition = try atLeastState()
        try expect(.comma, ",")
        let list = next()
        guard list.kind == .open else { throw unsupported(list, mustBe: "(") }
        try countElement(list)
        var alarms: [String] = []
        repeat {
            let member = peek
            alarms.append(try reference())
            try countElement(member)
        } while take(.comma)
        try expect(.close, ")")
        try expect(.close, ")")
        let position = "at char \(thresholdToken.offset)"
        if count < 1 { throw Self.error("AT_LEAST threshold must be at least 1 \(position)") }
        if percent, count > 100 { throw Self.error("AT_LEAST percentage must be at most 100% \(position)") }
        if !percent, count > alarms.count {
            throw Self.error("AT_LEAST threshold \(count) is greater than the number of alarms (\(alarms.count)) \(position)")
        }
        return .atLeast(count: count, percent: percent, state: condition, alarms: alarms)
    }

    /// `2` or `60%`: digits, then an optional percent sign. A number too large for `Int` is
    /// kept as `Int.max`, so that the range checks refuse it.
    private static func threshold(_ word: String) -> (Int, Bool)? {
        let percent = word.hasSuffix("%")
        let digits = percent ? word.dropLast() : Substring(word)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return (Int(digits) ?? Int.max, percent)
    }

    private mutating func atLeastState() throws(CompositeRuleError) -> AtLeastState {
        var token = next()
        let negated = token.kind == .word("NOT")
        if negated { token = next() }
        guard case .word(let word) = token.kind, let state = AlarmStateValue(rawValue: word) else {
            throw unsupported(token)
        }
        return AtLeastState(state: state, negated: negated)
    }

    /// An alarm name or ARN: quoted (without its quotes) or bare.
    private mutating func reference() throws(CompositeRuleError) -> String {
        let token = next()
        switch token.kind {
        case .quoted(let name) where !name.isEmpty: return name
        case .word(let name): return name
        default: throw unsupported(token)
        }
    }

    // MARK: Tokens

    private var peek: CompositeRuleToken { tokens[at] }

    /// The next token; at the end, `.end` again and again.
    private mutating func next() -> CompositeRuleToken {
        let token = tokens[at]
        if at < tokens.count - 1 { at += 1 }
        return token
    }

    private mutating func take(_ kind: CompositeRuleToken.Kind) -> Bool {
        guard peek.kind == kind else { return false }
        at += 1
        return true
    }

    private mutating func expect(_ kind: CompositeRuleToken.Kind, _ spelled: String) throws(CompositeRuleError) {
        let token = next()
        guard token.kind == kind else { throw unsupported(token, mustBe: spelled) }
    }

    private mutating func countElement(_ token: CompositeRuleToken) throws(CompositeRuleError) {
        elements += 1
        if elements > CompositeRule.maxElements {
            throw Self.error("AlarmRule can have at most \(CompositeRule.maxElements) elements, exceeded at char \(token.offset)")
        }
    }

    private func unsupported(_ token: CompositeRuleToken, mustBe expected: String? = nil) -> CompositeRuleError {
        let must = expected.map { ", must be: '\($0)'" } ?? ""
        if token.kind == .end { return Self.error("Unexpected end of AlarmRule at char \(token.offset)\(must)") }
        return Self.error("Unsupported token '\(token.text)' at char \(token.offset)\(must)")
    }
}

extension CompositeRule {
    /// Parses an AlarmRule. Throws `CompositeRuleError` whose `message` is AWS's wording for
    /// the problem (`Error in AlarmRule [Unsupported token 'x' at char 7]`), for a syntax
    /// error, an `AT_LEAST` threshold out of range, more than `maxAlarms` distinct alarms,
    /// more than `maxElements` elements, or a length outside 1…`maxLength`. It does not check
    /// that the alarms exist. Never traps, whatever the input.
    public static func parse(_ text: String) throws(CompositeRuleError) -> CompositeRule {
        try CompositeRuleParser.parse(text)
    }
}
