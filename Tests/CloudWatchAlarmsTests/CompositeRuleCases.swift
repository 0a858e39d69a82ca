import CloudWatchAlarms
import Foundation
import Testing

/// One block of Fixtures/composite-rules.cases (the format is described at the file's top): a
/// rule and either the alarms it names and its values under given child states, or the error
/// it must be refused with.
struct CompositeRuleCase: CustomStringConvertible, Sendable {
    /// One `when:` line: child states (an alarm not listed does not exist) and the rule's value.
    struct Evaluation: Sendable {
        var states: [String: AlarmStateValue]
        var expected: Bool
        var line: Int
    }

    enum Expectation: Sendable {
        case valid(alarms: [String], evaluations: [Evaluation])
        case invalid(messageContains: String)
    }

    var source: String
    var rule: String
    var expectation: Expectation
    var line: Int

    var description: String { "line \(line) [\(source)] \(rule)" }

    static let sources: Set<String> = ["aws-doc", "aws-error", "cdk", "ours"]

    /// Why the case file could not be read; the run fails with it.
    struct Malformed: Error, CustomStringConvertible {
        var line: Int
        var reason: String
        var description: String { "composite-rules.cases:\(line): \(reason)" }
    }

    static func all() throws -> [CompositeRuleCase] {
        let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("composite-rules.cases")
        return try parse(String(contentsOf: url, encoding: .utf8))
    }

    /// The cases in `text`. Throws `Malformed` for a file without cases, an unknown or repeated
    /// key, a block missing `source` or `rule`, a block with both or neither of `alarms` and
    /// `error`, a valid case without `when`, or a `when` line that does not read.
    static func parse(_ text: String) throws -> [CompositeRuleCase] {
        var cases: [CompositeRuleCase] = []
        var block: [(line: Int, key: String, value: String)] = []
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (index, raw) in lines.enumerated() {
            let line = String(raw)
            if line.hasPrefix("#") { continue }
            if line.allSatisfy(\.isWhitespace) {
                if !block.isEmpty { cases.append(try make(block)) }
                block = []
                continue
            }
            guard let colon = line.firstIndex(of: ":") else {
                throw Malformed(line: index + 1, reason: "expected 'key: value', got \(line)")
            }
            var value = line[line.index(after: colon)...]
            if value.hasPrefix(" ") { value = value.dropFirst() }
            block.append((index + 1, String(line[..<colon]), String(value)))
        }
        if !block.isEmpty { cases.append(try make(block)) }
        guard !cases.isEmpty else { throw Malformed(line: 0, reason: "the file has no cases") }
        return cases
    }

    private static func make(_ block: [(line: Int, key: String, value: String)]) throws -> CompositeRuleCase {
        let first = block[0].line
        var single: [String: String] = [:]
        var whens: [Evaluation] = []
        for entry in block {
            switch entry.key {
            case "when":
                whens.append(try evaluation(entry.value, line: entry.line))
            case "source", "rule", "alarms", "error":
                guard single.updateValue(entry.value, forKey: entry.key) == nil else {
                    throw Malformed(line: entry.line, reason: "\(entry.key) given twice")
                }
            default:
                throw Malformed(line: entry.line, reason: "unknown key \(entry.key)")
            }
        }
        guard let source = single["source"], sources.contains(source) else {
            throw Malformed(line: first, reason: "source missing or not one of \(sources.sorted())")
        }
        guard let rule = single["rule"] else { throw Malformed(line: first, reason: "rule missing") }
        switch (single["alarms"], single["error"]) {
        case (let alarms?, nil):
            guard !whens.isEmpty else { throw Malformed(line: first, reason: "a valid rule needs a when line") }
            let names = alarms == "-" ? [] : alarms.components(separatedBy: " | ")
            return CompositeRuleCase(source: source, rule: rule, expectation: .valid(alarms: names, evaluations: whens), line: first)
        case (nil, let error?):
            guard whens.isEmpty, !error.isEmpty else { throw Malformed(line: first, reason: "an error case takes a message and no when") }
            return CompositeRuleCase(source: source, rule: rule, expectation: .invalid(messageContains: error), line: first)
        default:
            throw Malformed(line: first, reason: "give exactly one of alarms and error")
        }
    }

    /// `name=STATE | name=STATE => true`, split at the last `=` of each pair (names may hold
    /// spaces and parentheses).
    private static func evaluation(_ text: String, line: Int) throws -> Evaluation {
        guard let arrow = text.range(of: "=>", options: .backwards) else {
            throw Malformed(line: line, reason: "when needs '=> true' or '=> false'")
        }
        let result = text[arrow.upperBound...].trimmingCharacters(in: .whitespaces)
        guard result == "true" || result == "false" else { throw Malformed(line: line, reason: "when result \(result)") }
        var states: [String: AlarmStateValue] = [:]
        let pairs = text[..<arrow.lowerBound].trimmingCharacters(in: .whitespaces)
        for pair in pairs.isEmpty ? [] : pairs.components(separatedBy: " | ") {
            guard let equals = pair.lastIndex(of: "="), let state = AlarmStateValue(rawValue: String(pair[pair.index(after: equals)...])) else {
                throw Malformed(line: line, reason: "when pair \(pair) is not name=STATE")
            }
            states[String(pair[..<equals])] = state
        }
        return Evaluation(states: states, expected: result == "true", line: line)
    }
}

@Suite("Composite alarm rules: the cases in Fixtures/composite-rules.cases")
struct CompositeRuleCaseTests {
    @Test("the fixture has at least 40 cases, AWS's documented examples and error messages among them")
    func fixtureIsThere() throws {
        let cases = try CompositeRuleCase.all()
        #expect(cases.count >= 40)
        #expect(cases.filter { $0.source == "aws-doc" }.count >= 6)
        #expect(cases.filter { $0.source == "aws-error" }.count >= 2)
        #expect(cases.contains { if case .invalid = $0.expectation { true } else { false } })
        #expect(cases.contains { if case .valid = $0.expectation { true } else { false } })
    }

    @Test("an empty or malformed case file fails the run", arguments: [
        "", "# only a comment\n\n",
        "source: ours\nrule: TRUE\nalarms: -\n",
        "source: ours\nrule: TRUE\nalarms: -\nwhen: => maybe\n",
        "source: ours\nrule: TRUE\nalarms: -\nerror: x\nwhen: => true\n",
        "source: elsewhere\nrule: TRUE\nalarms: -\nwhen: => true\n",
        "source: ours\nrule: ALARM(a)\nalarms: a\nwhen: a=ON => true\n",
        "source: ours\nrule: TRUE\nrule: FALSE\nalarms: -\nwhen: => true\n",
        "source: ours\nrule: TRUE\nexpect: -\n",
        "source: ours\nTRUE\n",
    ])
    func malformedFile(_ text: String) {
        #expect(throws: CompositeRuleCase.Malformed.self) { try CompositeRuleCase.parse(text) }
    }

    @Test(arguments: try CompositeRuleCase.all())
    func rule(_ c: CompositeRuleCase) {
        switch c.expectation {
        case .valid(let alarms, let evaluations):
            let rule: CompositeRule
            do throws(CompositeRuleError) {
                rule = try CompositeRule.parse(c.rule)
            } catch {
                Issue.record("refused: \(error.message)")
                return
            }
            #expect(rule.alarms == alarms)
            for e in evaluations {
                #expect(rule.evaluate { e.states[$0] } == e.expected, "when on line \(e.line)")
            }
        case .invalid(let expected):
            do throws(CompositeRuleError) {
                let rule = try CompositeRule.parse(c.rule)
                Issue.record("accepted as \(rule)")
            } catch {
                #expect(error.message.contains(expected), "got: \(error.message)")
            }
        }
    }
}

@Suite("Composite alarm rules: structure and limits")
struct CompositeRuleStructureTests {
    @Test("NOT binds tighter than AND, AND tighter than OR, and both are left-associative")
    func precedence() throws {
        let rule = try CompositeRule.parse("ALARM(a) OR NOT OK(b) AND TRUE OR FALSE AND INSUFFICIENT_DATA(\"c d\")")
        let expected: CompositeRule = .or(
            .or(.state(.alarm, alarm: "a"), .and(.not(.state(.ok, alarm: "b")), .constant(true))),
            .and(.constant(false), .state(.insufficientData, alarm: "c d")))
        #expect(rule == expected)
    }

    @Test("AT_LEAST keeps its threshold, its state condition and its alarms as written")
    func atLeastShape() throws {
        #expect(try CompositeRule.parse("AT_LEAST(60%, NOT INSUFFICIENT_DATA, (a, \"b c\", a))")
            == .atLeast(count: 60, percent: true, state: .notInsufficientData, alarms: ["a", "b c", "a"]))
        #expect(try CompositeRule.parse("NOT AT_LEAST(2, OK, (x, y))") == .not(.atLeast(count: 2, percent: false, state: .ok, alarms: ["x", "y"])))
        #expect(AtLeastState.allCases.map(\.rawValue) == ["ALARM", "OK", "INSUFFICIENT_DATA", "NOT ALARM", "NOT OK", "NOT INSUFFICIENT_DATA"])
    }

    @Test("a rule may name 100 distinct alarms, not 101; repeats count once")
    func alarmLimit() throws {
        let names = (0..<101).map { "alarm-\($0)" }
        let hundred = names.prefix(100).map { "ALARM(\($0))" }.joined(separator: " OR ")
        #expect(try CompositeRule.parse(hundred + " OR OK(alarm-0)").alarms.count == 100)
        #expect(CompositeRule.maxAlarms == 100)
        #expect(throws: CompositeRuleError(message: "Error in AlarmRule [AlarmRule can reference at most 100 alarms, got 101]")) {
            try CompositeRule.parse(names.map { "ALARM(\($0))" }.joined(separator: " OR "))
        }
    }

    @Test("a rule may hold 500 elements (alarms, TRUE/FALSE, parenthesis pairs), not 501")
    func elementLimit() throws {
        let trues = Array(repeating: "TRUE", count: 500)
        #expect(try CompositeRule.parse(trues.joined(separator: " AND ")).evaluate { _ in nil })
        #expect(try CompositeRule.parse("(" + trues.dropLast().joined(separator: " OR ") + ")").evaluate { _ in nil })
        let error = #expect(throws: CompositeRuleError.self) { try CompositeRule.parse((trues + ["FALSE"]).joined(separator: " OR ")) }
        #expect(error?.message.hasPrefix("Error in AlarmRule [AlarmRule can have at most 500 elements") == true)
        #expect(throws: CompositeRuleError.self) { try CompositeRule.parse("AT_LEAST(1, ALARM, (" + (0..<500).map { "a\($0)" }.joined(separator: ",") + "))") }
    }

    @Test("AlarmRule is 1 to 10240 characters, refused in the service model's own words")
    func lengthLimit() throws {
        #expect(CompositeRule.maxLength == 10_240)
        let padded = "TRUE" + String(repeating: " ", count: CompositeRule.maxLength - 4)
        #expect(try CompositeRule.parse(padded) == .constant(true))
        let error = #expect(throws: CompositeRuleError.self) { try CompositeRule.parse(padded + " ") }
        #expect(error?.message.hasSuffix("at 'alarmRule' failed to satisfy constraint: Member must have length less than or equal to 10240") == true)
        #expect(throws: CompositeRuleError(message: "1 validation error detected: Value '' at 'alarmRule' failed to satisfy constraint: Member must have length greater than or equal to 1")) {
            try CompositeRule.parse("")
        }
        #expect(throws: CompositeRuleError(message: "Error in AlarmRule [Unexpected end of AlarmRule at char 3]")) { try CompositeRule.parse(" \t ") }
    }

    @Test("positions are UTF-16 offsets, as a Java service counts them")
    func positionsAreUTF16() {
        #expect(throws: CompositeRuleError(message: "Error in AlarmRule [Unsupported token 'x' at char 16]")) {
            try CompositeRule.parse("ALARM(\"🚀é\") OR x")
        }
    }

    @Test("the deepest rules the limits allow parse and evaluate without exhausting the stack")
    func deepRules() throws {
        let parens = String(repeating: "(", count: 499) + "OK(a)" + String(repeating: ")", count: 499)
        #expect(try CompositeRule.parse(parens).evaluate { _ in .ok })
        let nots = String(repeating: "NOT ", count: 2559) + "TRUE"
        #expect(nots.utf16.count == CompositeRule.maxLength)
        #expect(try CompositeRule.parse(nots).evaluate { _ in nil } == false)
    }

    @Test("parsing never traps on mutations of the valid rules (seeded, 4000 inputs)")
    func mutationsNeverTrap() throws {
        let seeds = try CompositeRuleCase.all().compactMap { c -> [Unicode.Scalar]? in
            if case .valid = c.expectation { Array(c.rule.unicodeScalars) } else { nil }
        }
        try #require(!seeds.isEmpty)
        let fragments: [String] = ["(", ")", ",", "\"", " ", "\t", "%", "NOT ", " AND ", " OR ", "AT_LEAST(", "ALARM(", "OK(",
                                   "INSUFFICIENT_DATA", "NOT OK", "TRUE", "0", "101%", "99999999999999999999", "é", "🚀", "\u{0}"]
        var rng = SplitMix64(seed: 0x7261_696C_7761_7463)
        var accepted = 0
        for _ in 0..<4000 {
            var text = seeds.randomElement(using: &rng)!
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                text = mutate(text, fragments: fragments, seeds: seeds, using: &rng)
            }
            var rule = ""
            rule.unicodeScalars.append(contentsOf: text)
            guard let parsed = try? CompositeRule.parse(rule) else { continue }
            accepted += 1
            #expect(parsed.alarms.count <= CompositeRule.maxAlarms)
            let states: [AlarmStateValue?] = [.ok, .alarm, .insufficientData, nil]
            _ = parsed.evaluate { _ in states.randomElement(using: &rng)! }
        }
        #expect(accepted > 0, "some mutations should still be valid rules")
    }

    private func mutate(_ text: [Unicode.Scalar], fragments: [String], seeds: [[Unicode.Scalar]],
                        using rng: inout SplitMix64) -> [Unicode.Scalar] {
        var out = text
        let at = Int.random(in: 0...out.count, using: &rng)
        let end = min(out.count, at + Int.random(in: 0...8, using: &rng))
        switch Int.random(in: 0..<5, using: &rng) {
        case 0: out.removeSubrange(at..<end)
        case 1: out.insert(contentsOf: fragments.randomElement(using: &rng)!.unicodeScalars, at: at)
        case 2: out.replaceSubrange(at..<end, with: fragments.randomElement(using: &rng)!.unicodeScalars)
        case 3: out.insert(contentsOf: out[at..<end], at: end)
        default: out = Array(out[..<at]) + Array(seeds.randomElement(using: &rng)!.dropFirst(at))
        }
        return out
    }
}
