@testable import CloudWatchMetrics
import Testing

/// Parsers recurse once per nesting level: each refuses input nested past its limit instead of
/// recursing as deep as the request is long.
@Suite("Nesting limits")
struct NestingLimitTests {
    func nested(_ depth: Int, _ inner: String) -> String {
        String(repeating: "(", count: depth) + inner + String(repeating: ")", count: depth)
    }

    @Test("metric math refuses more than 100 levels, accepts 90")
    func math() throws {
        _ = try MathParser.parse(nested(90, "1"))
        #expect(throws: MathError.self) { try MathParser.parse(nested(101, "1")) }
        #expect(throws: MathError.self) { try MathParser.parse(String(repeating: "-", count: 1000) + "1") }
        #expect(throws: MathError.self) { try MathParser.parse(Array(repeating: "2", count: 500).joined(separator: "^")) }
    }

    @Test("SEARCH refuses more than 100 levels of NOT or parentheses")
    func search() throws {
        _ = try SearchExpression.parse(nested(50, "Requests"))
        #expect(throws: (any Error).self) { try SearchExpression.parse(nested(200, "Requests")) }
        #expect(throws: (any Error).self) { try SearchExpression.parse(String(repeating: "NOT ", count: 300) + "x") }
    }
}
