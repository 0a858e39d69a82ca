import AWSShapes
@testable import CloudWatchMetrics
import Foundation
import Storage
import StorageSQLite
import Testing
import TrailwatchCore

/// Runs the data-driven cases in Fixtures/math.cases:
///
/// ```
/// case <title>
/// load <Namespace> <MetricName> <Dim=v,Dim=v> <first time> <step>: v v _ v     (_ = no point)
/// query <id> = stat <Namespace> <MetricName> <Dim=v,...> <Stat> <Period> [hidden]
/// query <id> = expr <metric math>
/// query <id> = insights <SQL> period <seconds>
/// window <start> <end>                        (default 0 600)
/// expect <id> <label>: <t>=<v> ...            (ascending; every point listed)
/// expect-message <id> <code>
/// ```
struct MathCase: CustomStringConvertible, Sendable {
    struct Load: Sendable { var namespace: String; var name: String; var dims: [MetricDimension]; var first: Int64; var step: Int64; var values: [Double?] }
    struct Expect: Sendable { var id: String; var label: String; var points: [(Int64, Double)] }
    var title: String
    var loads: [Load] = []
    var queries: [CloudWatch.MetricDataQuery] = []
    var window: (Int64, Int64) = (0, 600)
    var expects: [Expect] = []
    var messages: [(String, String)] = []
    var description: String { title }

    static func all() throws -> [MathCase] { try parse().cases }

    /// The fixture's cases, and every line the parser could not place (`problems`).
    static func parse() throws -> (cases: [MathCase], problems: [String]) {
        let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("math.cases")
        var cases: [MathCase] = []
        var problems: [String] = []
        for raw in try String(contentsOf: url, encoding: .utf8).split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let (word, rest) = split(line)
            if word != "case" && cases.isEmpty {
                problems.append("line before any `case`: \(line)")
                continue
            }
            switch word {
            case "case": cases.append(MathCase(title: rest))
            case "load":
                let parts = rest.components(separatedBy: ":")
                let head = parts[0].split(separator: " ").map(String.init)
                let values = parts[1].split(separator: " ").map { $0 == "_" ? nil : Double($0)! }
                cases[cases.count - 1].loads.append(Load(namespace: head[0], name: head[1], dims: dims(head[2]),
                                                         first: Int64(head[3])!, step: Int64(head[4])!, values: values))
            case "query":
                let (id, afterID) = split(rest)
                let (kind, body) = split(String(afterID.dropFirst(2)))
                var q = CloudWatch.MetricDataQuery(id: id)
                switch kind {
                case "stat":
                    let f = body.split(separator: " ").map(String.init)
                    q.metricStat = CloudWatch.MetricStat(
                        metric: CloudWatch.Metric(namespace: f[0], metricName: f[1],
                                                  dimensions: dims(f[2]).map { CloudWatch.Dimension(name: $0.name, value: $0.value) }),
                        period: Int(f[4])!, stat: f[3])
                    if f.count > 5, f[5] == "hidden" { q.returnData = false }
                case "insights":
                    let r = body.range(of: " period ")!
                    q.expression = String(body[..<r.lowerBound])
                    q.period = Int(body[r.upperBound...])!
                default:
                    q.expression = body
                }
                cases[cases.count - 1].queries.append(q)
            case "window":
                let f = rest.split(separator: " ")
                cases[cases.count - 1].window = (Int64(f[0])!, Int64(f[1])!)
            case "expect":
                let colon = rest.lastIndex(of: ":")!
                let (id, label) = split(String(rest[..<colon]))
                let points = rest[rest.index(after: colon)...].split(separator: " ").map { p -> (Int64, Double) in
                    let kv = p.split(separator: "=")
                    return (Int64(kv[0])!, Double(kv[1])!)
                }
                cases[cases.count - 1].expects.append(Expect(id: id, label: label, points: points))
            case "expect-message":
                let (id, code) = split(rest)
                cases[cases.count - 1].messages.append((id, code))
            default:
                problems.append("unknown line: \(line)")
            }
        }
        return (cases, problems)
    }

    static func split(_ s: String) -> (String, String) {
        guard let sp = s.firstIndex(of: " ") else { return (s, "") }
        return (String(s[..<sp]), String(s[s.index(after: sp)...]))
    }

    static func dims(_ s: String) -> [MetricDimension] {
        s.split(separator: ",").map { p in
            let kv = p.split(separator: "=")
            return MetricDimension(name: String(kv[0]), value: String(kv[1]))
        }
    }
}

@Suite("GetMetricData: data-driven metric math, SEARCH and Metrics Insights cases")
struct MetricDataCaseTests {
    /// The test epoch: a UTC midnight, with "now" an hour after it.
    static let epoch: Int64 = 1_790_121_600 - 1_790_121_600 % 86400

    /// Floors a little above half of what Fixtures/math.cases holds today (14 cases, 49 `expect`
    /// lines, 1 `expect-message`; 22 stat, 36 expression and 2 Insights queries): a fixture that
    /// lost a kind of line, or most of its cases, fails here instead of running nothing.
    @Test("the fixture has cases of every kind")
    func fixtureHasCases() throws {
        let (cases, problems) = try MathCase.parse()
        #expect(problems.isEmpty, "math.cases: \(problems)")
        let queries = cases.flatMap(\.queries)
        let stat = queries.filter { $0.metricStat != nil }.count
        let insights = queries.filter { $0.metricStat == nil && $0.period != nil }.count
        let expr = queries.filter { $0.metricStat == nil && $0.period == nil }.count
        let expects = cases.reduce(0) { $0 + $1.expects.count }
        let messages = cases.reduce(0) { $0 + $1.messages.count }
        let counts = "\(cases.count) cases, \(expects) expect, \(messages) expect-message, \(stat) stat, \(expr) expr, \(insights) insights"
        #expect(cases.count >= 8, "\(counts)")
        #expect(expects >= 25, "\(counts)")
        #expect(messages >= 1, "\(counts)")
        #expect(stat >= 12 && expr >= 19 && insights >= 1, "\(counts)")
        #expect(cases.allSatisfy { !$0.loads.isEmpty }, "cases without data: \(cases.filter { $0.loads.isEmpty }.map(\.title))")
    }

    @Test(arguments: try MathCase.all())
    func run(_ c: MathCase) async throws {
        #expect(!c.queries.isEmpty && !(c.expects.isEmpty && c.messages.isEmpty), "\(c.title): nothing to check")
        let clock = ManualClock(Date(timeIntervalSince1970: Double(Self.epoch + 7200)))
        let store = try SQLiteMetricStore(try SQLiteDatabase(location: .memory), clock: clock)
        let scope = ResourceScope(accountId: "123456789012", region: "us-east-1")
        var samples: [MetricSample] = []
        for l in c.loads {
            for (i, v) in l.values.enumerated() {
                guard let v else { continue }
                samples.append(MetricSample(key: SeriesKey(scope: scope, metric: MetricIdentity(namespace: l.namespace, metricName: l.name, dimensions: l.dims), unit: "None"),
                                            timestamp: Self.epoch + l.first + Int64(i) * l.step, highResolution: false, cell: MetricCell(value: v)))
            }
        }
        try await store.append(samples)
        let service = MetricDataService(store: store, clock: clock)
        let ctx = CallContext(requestID: "r", identity: .root(accountId: "123456789012", accessKeyId: "k"), region: "us-east-1", receivedAt: clock.now())
        let out = try await service.getMetricData(CloudWatch.GetMetricDataInput(
            metricDataQueries: c.queries,
            startTime: Date(timeIntervalSince1970: Double(Self.epoch + c.window.0)),
            endTime: Date(timeIntervalSince1970: Double(Self.epoch + c.window.1)),
            scanBy: "TimestampAscending"), ctx)
        let results = out.metricDataResults ?? []
        for e in c.expects {
            guard let r = results.first(where: { $0.id == e.id && $0.label == e.label }) else {
                Issue.record("\(c.title): no result \(e.id) labelled '\(e.label)'; got \(results.map { "\($0.id!) '\($0.label!)'" })")
                continue
            }
            let got = zip(r.timestamps ?? [], r.values ?? []).map { (Int64($0.0.timeIntervalSince1970) - Self.epoch, $0.1) }
            #expect(got.map(\.0) == e.points.map(\.0), "\(c.title): \(e.id) '\(e.label)' timestamps")
            for (g, w) in zip(got, e.points) {
                #expect(abs(g.1 - w.1) <= 1e-9 * max(1, abs(w.1)), "\(c.title): \(e.id) at \(w.0): \(g.1) vs \(w.1)")
            }
        }
        let expectedIDs = Set(c.expects.map(\.id))
        let unexpected = results.filter { !expectedIDs.contains($0.id!) }
        #expect(unexpected.isEmpty, "\(c.title): unexpected results \(unexpected.map { "\($0.id!) \($0.label!)" })")
        for (id, code) in c.messages {
            #expect(results.first { $0.id == id }?.messages?.contains { $0.code == code } == true, "\(c.title): \(id) message \(code)")
        }
    }
}
