import Foundation
@testable import LogsInsights
import Testing

@Suite("anomaly")
struct AnomalyTests {
    /// Thirty minutes of events: a steady request line with one slow request, one 404 and some
    /// 503s; a cache line once a minute and then a burst; a disk line only at the end.
    static func run(_ query: String) throws -> [String: [String: String]] {
        let t0: Int64 = 1_796_119_200_000
        let run = try InsightsRun(query)
        var events: [(Int64, String)] = []
        for i in 0..<220 {
            let status = i == 50 ? 404 : i % 11 == 0 ? 503 : 200
            events.append((t0 + Int64(i) * 8_000, "GET /api status \(status) took \(i == 100 ? 900 : 10 + i % 3) ms"))
        }
        for m in 0..<29 { events.append((t0 + Int64(m) * 60_000, "cache miss for key")) }
        for k in 0..<30 { events.append((t0 + 20 * 60_000 + Int64(k), "cache miss for key")) }
        for k in 0..<3 { events.append((t0 + 28 * 60_000 + Int64(k) * 20_000, "disk full on sda")) }
        let siblings = [run, run.sibling()]
        for (i, e) in events.enumerated() {
            try siblings[i % 2].consume(LogRecord(timestamp: e.0, message: e.1, logStream: "s", log: "1:g", ingestionTime: e.0, ptr: "\(i)"))
        }
        let all = run.sibling()
        for s in siblings { all.absorb(s) }
        var out: [String: [String: String]] = [:]
        for row in try all.results() {
            let d = Dictionary(row.map { ($0.field, $0.value) }, uniquingKeysWith: { a, _ in a })
            out[d["@pattern"]!] = d
        }
        return out
    }

    @Test("each of the five kinds is found where it is, and only there")
    func kinds() throws {
        let rows = try Self.run("pattern @message | anomaly")
        let api = rows["GET /api status <Token-1> took <Token-2> ms"]!
        #expect(api["@isAnomaly"] == "true")
        #expect(api["@anomalyTypes"] == "Token Variation, HTTP Error Code, Numerical Token")
        #expect(api["@anomalyDescription"]?.contains("<Token-2> reached 900") == true)
        #expect(api["@anomalyDescription"]?.contains("<Token-1> was 404 in 1 of 220 events") == true)
        #expect(rows["cache miss for key"]?["@anomalyTypes"] == "Pattern Frequency")
        #expect(rows["disk full on sda"]?["@anomalyTypes"] == "New Pattern")
        #expect(rows["disk full on sda"]?["@sampleCount"] == "3")
    }

    @Test("a steady pattern is no anomaly; anomaly needs a pattern before it")
    func quiet() throws {
        let rows = try Self.run("filter @message like /cache/ and @timestamp < 1796120400000 | pattern @message | anomaly")
        #expect(rows["cache miss for key"]?["@isAnomaly"] == "false")
        #expect(rows["cache miss for key"]?["@anomalyTypes"] == nil)
        #expect(throws: InsightsError.self) { try InsightsRun("fields @message | anomaly") }
        #expect(try Self.run("pattern @message | anomaly | filter @isAnomaly = 'true'").count == 3)
    }
}
