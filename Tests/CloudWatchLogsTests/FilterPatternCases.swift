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

    static func load() -> (blocks: [Block], invalid: [(line: Int, pattern: String)]) {
        let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("filter-patterns.cases")
        let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        var blocks: [Block] = []
        var invalid: [(Int, String)] = []
        var current: Block?
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(raw)
            if line.hasPrefix("#") { continue }
            if line.trimmingCharacters(in: .whitespaces).isEmpty {
                if let c = current { blocks.append(c) }
                current = nil
                continue
            }
            func rest(_ key: String) -> String? {
                guard line.hasPrefix(key) else { return nil }
                var r = line.dropFirst(key.count)
                if r.first == " " { r = r.dropFirst() }
                return String(r)
            }
            if let p = rest("pattern:") {
                if let c = current { blocks.append(c) }
                current = Block(line: n + 1, pattern: p)
            } else if let m = rest("nomatch:") {
                current?.nonMatches.append(m)
            } else if let m = rest("match:") {
                current?.matches.append(m)
            } else if let p = rest("invalid:") {
                invalid.append((n + 1, p))
            }
        }
        if let c = current { blocks.append(c) }
        return (blocks, invalid)
    }

    @Test("the fixture has cases")
    func fixtureLoads() {
        #expect(Self.load().blocks.count > 20)
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
        for (line, p) in Self.load().invalid {
            #expect(throws: FilterPatternError.self, "line \(line): \(p)") { try FilterPattern(p) }
        }
    }
}
