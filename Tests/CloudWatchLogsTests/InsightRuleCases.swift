import AWSShapes
@testable import CloudWatchLogs
import Foundation
import Testing
import TrailwatchCore

/// The data-driven cases in Fixtures/insight-rules.json: Contributor Insights rule
/// definitions (JSON and CLF logs, every filter operator, Count and Sum) evaluated over a
/// small set of events, and the definitions AWS refuses.
@Suite("Contributor Insights rule cases")
struct InsightRuleCases {
    struct Case {
        var rule: WireValue
        var start: Int64?
        var end: Int64?
        var orderBy: String?
        var top: Int?
        var contributors: [[WireValue]]?
        var error: String?
    }

    /// The fixture read with the project's own JSON reader (rules stay JSON values).
    static let fixture: (events: [(t: Int64, message: String)], cases: [Case]) = {
        let url = Bundle.module.url(forResource: "Fixtures/insight-rules", withExtension: "json")!
        guard case .map(let root) = try! JSONReader.parse(Array(Data(contentsOf: url))),
              case .list(let events)? = root["events"], case .list(let cases)? = root["cases"] else { fatalError("bad fixture") }
        return (events.map { e in
                    guard case .map(let m) = e else { fatalError("bad event") }
                    return (m["t"]!.intValue!, m["message"]!.scalarText!)
                },
                cases.map { c in
                    guard case .map(let m) = c else { fatalError("bad case") }
                    var contributors: [[WireValue]]?
                    if case .list(let rows)? = m["contributors"] {
                        contributors = rows.map { r in if case .list(let cells) = r { return cells } else { return [] } }
                    }
                    return Case(rule: m["rule"]!, start: m["start"]?.intValue, end: m["end"]?.intValue, orderBy: m["orderBy"]?.scalarText,
                                top: m["top"]?.intValue.map { Int($0) }, contributors: contributors, error: m["error"]?.scalarText)
                })
    }()

    static func definition(_ c: Case) -> String {
        guard case .map(var m) = c.rule else { return "" }
        m["Schema"] = .map(["Name": .string("CloudWatchLogRule"), "Version": .int(1)])
        m["LogGroupNames"] = .list([.string("/app")])
        var w = JSONWriter()
        w.value(.map(m))
        return String(decoding: w.bytes, as: UTF8.self)
    }

    @Test("each case ranks its contributors or is refused", arguments: fixture.cases.indices)
    func runs(_ index: Int) throws {
        let c = Self.fixture.cases[index]
        let text = Self.definition(c)
        if let expected = c.error {
            #expect {
                _ = try InsightRuleDefinition.parse(text)
            } throws: { e in
                guard let e = e as? AWSError else { return false }
                return e.type.code == "InvalidParameterValueException" && e.message.contains(expected)
            }
            return
        }
        var report = InsightRuleReport(definition: try InsightRuleDefinition.parse(text), start: c.start ?? 0, end: c.end ?? 180, period: 60)
        for e in Self.fixture.events { report.add(timestamp: e.t * 1000, message: e.message) }
        let out = report.output(metrics: [], orderBy: c.orderBy ?? "Sum", top: c.top ?? 10)
        #expect(out.metricDatapoints == nil)
        #expect(out.aggregationStatistic == (text.contains("\"Count\"") ? "SampleCount" : "Sum"))
        let got = (out.contributors ?? []).map { $0.keys.map(WireValue.string) + [.int(Int64($0.approximateAggregateValue))] }
        #expect(got == c.contributors, "\(text)")
    }

    @Test("metric datapoints for every period, zero where nothing was seen: unique contributors, the top value, the observations' statistics")
    func metrics() throws {
        let text = Self.definition(Self.fixture.cases[1])  // Sum of $.bytes by $.ip
        var report = InsightRuleReport(definition: try InsightRuleDefinition.parse(text), start: 30, end: 230, period: 60)
        for e in Self.fixture.events { report.add(timestamp: e.t * 1000, message: e.message) }
        let out = report.output(metrics: Array(InsightRuleReport.metricNames), orderBy: "Sum", top: 10)
        let points = out.metricDatapoints ?? []
        #expect(points.map { $0.timestamp.timeIntervalSince1970 } == [0, 60, 120, 180])
        #expect(points.map(\.uniqueContributors) == [2, 1, 1, 0])
        #expect(points.map(\.maxContributorValue) == [125, 500, 5, 0])
        #expect(points.map(\.sampleCount) == [3, 1, 1, 0])
        #expect(points.map(\.sum) == [175, 500, 5, 0])
        #expect(points.map(\.minimum) == [25, 500, 5, 0])
        #expect(points.map(\.maximum) == [100, 500, 5, 0])
        #expect(points.map(\.average) == [175.0 / 3, 500, 5, 0])
        #expect(out.aggregationStatistic == "Sum")
        #expect(out.aggregateValue == 680)
        #expect(out.approximateUniqueCount == 3)
        #expect(out.keyLabels == ["$.ip"])
    }
}
