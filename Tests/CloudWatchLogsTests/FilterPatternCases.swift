import Foundation
import Testing
@testable import CloudWatchLogs

/// Runs the data-driven cases in Fixtures/filter-patterns.cases (format described at the top
/// of that file): every `match:` line must match its block's pattern, every `nomatch:` line
/// must not, and every `invalid:` pattern must be refused.
@Suite("Filter pattern cases")
struct FilterPatternCases {
    struct Block: CustomTestStringConvertible, Sendable {
        var line: Int
        var pattern: String
        var matches: [String] = []
        var nonMatches: [String] = []
        var testDescription: String { "line \(line): \(pattern)" }
    }

    /// The fixture as parsed, with every line the parser could not place (`problems`): an unknown
    /// key, a `match:` outside a block, a block with nothing to check, an unreadable file.
    static func load() -> (blocks: [Block], invalid: [(line: Int, pattern: String)], problems: [String]) {
        var problems: [String] = []
        let text: String
        if let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil)?.appendingPathComponent("filter-patterns.cases"),
           let read = try? String(contentsOf: url, encoding: .utf8) {
            text = read
        } else {
            text = ""
            problems.append("Fixtures/filter-patterns.cases could not be read")
        }
        var blocks: [Block] = []
        var invalid: [(Int, String)] = []
        var current: Block?
        func close() {
            if let c = current {
                if c.matches.isEmpty && c.nonMatches.isEmpty { problems.append("line \(c.line): pattern with no match:/nomatch: lines") }
                blocks.append(c)
            }
            current = nil
        }
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(raw)
            if line.hasPrefix("#") { continue }
            if line.trimmingCharacters(in: .whitespaces).isEmpty {
                close()
                continue
            }
            func rest(_ key: String) -> String? {
                guard line.hasPrefix(key) else { return nil }
                var r = line.dropFirst(key.count)
                if r.first == " " { r = r.dropFirst() }
                return String(r)
            }
            if let p = rest("pattern:") {
                close()
                current = Block(line: n + 1, pattern: p)
            } else if let m = rest("nomatch:") {
                if current == nil { problems.append("line \(n + 1): nomatch: outside a pattern block") }
                current?.nonMatches.append(m)
            } else if let m = rest("match:") {
                if current == nil { problems.append("line \(n + 1): match: outside a pattern block") }
                current?.matches.append(m)
            } else if let p = rest("invalid:") {
                invalid.append((n + 1, p))
            } else {
                problems.append("line \(n + 1): unknown line: \(line)")
            }
        }
        close()
        return (blocks, invalid, problems)
    }

    /// Floors a little above half of what the fixture holds today (113 patterns, 189 `match:`,
    /// 154 `nomatch:`, 25 `invalid:`): a runner over a fixture that lost a category, or most of
    /// its lines, must fail rather than pass on nothing.
    static let minimumPatterns = 57
    static let minimumMatches = 95
    static let minimumNonMatches = 78
    static let minimumInvalid = 13

    @Test("the fixture has cases of every kind")
    func fixtureLoads() {
        let (blocks, invalid, problems) = Self.load()
        #expect(problems.isEmpty, "fixture problems: \(problems)")
        let matches = blocks.reduce(0) { $0 + $1.matches.count }
        let nonMatches = blocks.reduce(0) { $0 + $1.nonMatches.count }
        #expect(!blocks.isEmpty && matches > 0 && nonMatches > 0 && !invalid.isEmpty,
                "a category is empty: \(blocks.count) patterns, \(matches) match, \(nonMatches) nomatch, \(invalid.count) invalid")
        #expect(blocks.count >= Self.minimumPatterns, "only \(blocks.count) patterns")
        #expect(matches >= Self.minimumMatches, "only \(matches) match: lines")
        #expect(nonMatches >= Self.minimumNonMatches, "only \(nonMatches) nomatch: lines")
        #expect(invalid.count >= Self.minimumInvalid, "only \(invalid.count) invalid: lines")
    }

    @Test("patterns match and do not match as AWS documents", arguments: FilterPatternCases.load().blocks)
    func block(_ block: Block) throws {
        let pattern = try FilterPattern(block.pattern)
        for m in block.matches {
            #expect(pattern.matches(m), "\(block.pattern) should match \(m)")
        }
        for m in block.nonMatches {
            #expect(!pattern.matches(m), "\(block.pattern) should not match \(m)")
        }
    }

    @Test("invalid patterns are refused")
    func invalid() {
        let invalid = Self.load().invalid
        #expect(invalid.count >= Self.minimumInvalid, "only \(invalid.count) invalid: lines to check")
        for (line, p) in invalid {
            #expect(throws: FilterPatternError.self, "line \(line): \(p)") { try FilterPattern(p) }
        }
    }
}
