import Foundation
@testable import LogsInsights
import Testing
import TrailwatchCore

/// The data-driven cases in Fixtures/queries.json: every command and function against a
/// small set of JSON, access-log and plain lines.
@Suite("Logs Insights query cases")
struct QueryCaseTests {
    struct Fixture: Decodable {
        struct Event: Decodable { var t: Int64; var stream: String; var message: String }
        struct Case: Decodable {
            var query: String
            var rows: [[String: String]]?
            var error: String?
            var round: [String: Int]?
            /// With `diff`: the messages of the compared period.
            var previous: [String]?
        }
        var events: [Event]
        /// CSV bodies the `lookup` cases join, by table name.
        var lookupTables: [String: String]
        var cases: [Case]
    }

    static let fixture: Fixture = {
        let url = Bundle.module.url(forResource: "Fixtures/queries", withExtension: "json")!
        return try! JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }()

    /// Runs `query` over the events dealt round-robin to `shards` sibling runs, absorbed into
    /// the first as a scan over every core does.
    static func run(_ query: String, shards: Int = 1, previous: [String] = []) throws -> [[(field: String, value: String)]] {
        let run = try InsightsRun(query)
        run.lookupTables = try fixture.lookupTables.mapValues { try LookupTable(csv: $0) }
        let runs = [run] + (1..<max(1, shards)).map { _ in run.sibling() }
        for (i, e) in fixture.events.enumerated() {
            try runs[i % runs.count].consume(LogRecord(timestamp: e.t, message: e.message, logStream: e.stream, log: "123456789012:app",
                                                       ingestionTime: e.t + 5, ptr: "p\(i)"))
        }
        let all = run.sibling()
        for r in runs { all.absorb(r) }
        let before = run.sibling()
        for (i, m) in previous.enumerated() {
            try before.consume(LogRecord(timestamp: 1_795_514_400_000 + Int64(i), message: m, logStream: "worker", log: "123456789012:app",
                                         ingestionTime: 0, ptr: "q\(i)"))
        }
        return try all.results(previous: run.comparison == nil ? nil : before)
    }

    @Test("each case answers its rows or its error", arguments: fixture.cases.map(\.query))
    func queryCase(_ query: String) throws {
        let c = Self.fixture.cases.first { $0.query == query }!
        if let expected = c.error {
            do {
                _ = try Self.run(query)
                Issue.record("expected an error containing \(expected)")
            } catch let e as InsightsError {
                #expect(e.message.contains(expected), "\(e.message)")
            }
            return
        }
        for shards in [1, 3] {
            let rows = try Self.run(query, shards: shards, previous: c.previous ?? [])
            #expect(Self.texts(rows, c.round) == c.rows ?? [], "\(query), \(shards) shard(s)")
        }
    }

    static func texts(_ rows: [[(field: String, value: String)]], _ round: [String: Int]?) -> [[String: String]] {
        rows.map { row -> [String: String] in
            var d: [String: String] = [:]
            for (f, v) in row where f != "@ptr" {
                if let digits = round?[f], let x = Double(v) {
                    d[f] = String(format: "%.\(digits)f", x)
                } else {
                    d[f] = v
                }
            }
            return d
        }
    }

    @Test("a query answering its first n rows keeps only about 2n, with the same answer",
          arguments: ["fields @timestamp, n | sort n desc | limit 7", "fields n, @message | limit 5", "fields n",
                      "sort @timestamp asc", "filter n % 2 = 0 | sort tie, n desc | limit 30"])
    func bounded(_ query: String) throws {
        // 5,000 events, many at the same time; the same query ending in a dedup (of distinct
        // pointers: it drops nothing) keeps every row.
        let events = (0..<5000).map { i in (t: Int64(1_796_119_200_000 + i / 10 * 1000), m: "{\"n\":\((i * 7919) % 5000),\"tie\":\(i % 4)}") }
        func answer(_ q: String, limit: Int) throws -> ([[String: String]], Int) {
            let run = try InsightsRun(q, limit: limit)
            let runs = [run, run.sibling()]
            for (i, e) in events.enumerated() {
                try runs[i % 2].consume(LogRecord(timestamp: e.t, message: e.m, logStream: "s", log: "a:g", ingestionTime: 0, ptr: "p\(i)"))
            }
            let all = run.sibling()
            for r in runs { all.absorb(r) }
            return (Self.texts(try all.results(), nil), runs.map(\.kept.count).max()!)
        }
        let (bounded, held) = try answer(query, limit: 50)
        let (full, everything) = try answer(query + " | dedup @ptr", limit: 50)
        #expect(bounded == full)
        #expect(held <= 1024 && everything > 1024, "held \(held), unbounded \(everything)")
    }

    @Test("SOURCE selects log groups by prefix, account and class, and refuses what AWS limits")
    func source() throws {
        let q = try LogsInsightsQuery.parse("SOURCE logGroups(namePrefix: ['/app/', \"/web\"], class: ['STANDARD', 'INFREQUENT_ACCESS']) | stats count(*)")
        let s = try #require(q.source)
        #expect(s.namePrefixes == ["/app/", "/web"] && s.accountIdentifiers.isEmpty)
        #expect(s.selects(name: "/app/a", account: "1", logClass: "INFREQUENT_ACCESS") && !s.selects(name: "/other", account: "1", logClass: "STANDARD"))
        let all = try #require(try LogsInsightsQuery.parse("SOURCE logGroups()").source)
        #expect(all.selects(name: "x", account: "1", logClass: "STANDARD") && !all.selects(name: "x", account: "1", logClass: "INFREQUENT_ACCESS"))
        #expect(try LogsInsightsQuery.parse("fields a").source == nil)
        for bad in ["SOURCE logGroups(namePrefix: ['a','b','c','d','e','f'])", "SOURCE logGroups(class: ['COLD'])",
                    "SOURCE logGroups(colour: ['x'])", "SOURCE logGroups(namePrefix: 'a')", "fields a | SOURCE logGroups()",
                    "SOURCE logGroups(namePrefix: ['a'], namePrefix: ['b'])", "SOURCE logGroups() fields a"] {
            #expect(throws: InsightsError.self, "\(bad)") { try LogsInsightsQuery.parse(bad) }
        }
    }

    @Test("error positions point at the offending text")
    func positions() throws {
        do {
            _ = try LogsInsightsQuery.parse("fields a | frobnicate b")
            Issue.record("parsed")
        } catch let e as InsightsError {
            #expect(e.start == 11 && e.end == 20)
        }
    }

    @Test("sort follows AWS's documented natural order")
    func naturalOrder() throws {
        // AWS's example, ascending.
        let expected = ["!:", "#", "*%04", "0#", "5A", "111A", "2345_", "@", "@_", "A", "A9876fghj", "a12345hfh", "0", "01", "1", "2", "3"]
        let run = try InsightsRun("fields v | sort v asc")
        for (i, v) in expected.shuffled().enumerated() {
            try run.consume(LogRecord(timestamp: Int64(i), message: "{\"v\":\"\(v)\"}", logStream: "s", log: "a:g", ingestionTime: 0, ptr: ""))
        }
        #expect(try run.results().map { $0.first { $0.field == "v" }?.value ?? "" } == expected)
    }

    @Test("rows without stats carry @ptr last; stats rows do not")
    func pointers() throws {
        let plain = try Self.run("fields @logStream | limit 1")
        #expect(plain.first?.last?.field == "@ptr")
        let stats = try Self.run("stats count(*)")
        #expect(stats.first?.contains { $0.field == "@ptr" } == false)
    }
}
