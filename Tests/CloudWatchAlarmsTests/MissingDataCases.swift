import CloudWatchAlarms
import Foundation
import Testing

/// One row of Fixtures/missing-data.json: an evaluation range and the state AWS sets for each
/// TreatMissingData (see the fixture's "about" for the notation).
struct MissingDataCase: Decodable, CustomStringConvertible, Sendable {
    var source: String
    var title: String?
    var n: Int
    var m: Int
    var comparison: String?
    var threshold: Double?
    var points: String?
    var values: [Double?]?
    var lower: [Double?]?
    var upper: [Double?]?
    var expect: [String: String]

    var description: String { "[\(source)] \(title ?? points ?? "") (\(m) of \(n))" }

    private struct File: Decodable { var cases: [MissingDataCase] }

    static func all() throws -> [MissingDataCase] {
        let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("missing-data.json")
        return try JSONDecoder().decode(File.self, from: Data(contentsOf: url)).cases
    }

    var operator_: AlarmComparison { comparison.flatMap(AlarmComparison.init(rawValue:)) ?? .greaterThanThreshold }

    /// The range as datapoints one minute apart. Symbolic points use threshold 1: breaching is
    /// 2 for the greater-than operators and 0 for the less-than ones, not breaching the other.
    func datapoints() -> [AlarmDatapoint] {
        let less = operator_ == .lessThanThreshold || operator_ == .lessThanOrEqualToThreshold
        let numbers: [Double?] = values ?? (points ?? "").split(separator: " ").map { token -> Double? in
            switch token {
            case "X": less ? 0 : 2
            case "0": less ? 2 : 0
            default: nil
            }
        }
        return numbers.enumerated().map { i, v in
            AlarmDatapoint(timestamp: 1_790_000_000 + Int64(i) * 60, value: v, sampleCount: v == nil ? nil : 1,
                           lower: lower?[i] ?? nil, upper: upper?[i] ?? nil)
        }
    }

    func rule(_ treatment: MissingDataTreatment) -> AlarmRule {
        AlarmRule(comparison: operator_, threshold: threshold ?? (operator_.isBand ? nil : 1), evaluationPeriods: n,
                  datapointsToAlarm: m, treatMissingData: treatment, period: 60, statistic: "Average")
    }
}

@Suite("Alarm evaluation: AWS's missing-data tables and more, from Fixtures/missing-data.json")
struct MissingDataCaseTests {
    @Test("the fixture has cases, every row of AWS's two tables among them")
    func fixtureIsThere() throws {
        let cases = try MissingDataCase.all()
        #expect(!cases.isEmpty)
        #expect(cases.filter { $0.source == "aws-table-1" }.count == 6)
        #expect(cases.filter { $0.source == "aws-table-2" }.count == 5)
        #expect(cases.allSatisfy { !$0.expect.isEmpty })
    }

    @Test(arguments: try MissingDataCase.all())
    func row(_ c: MissingDataCase) throws {
        for (name, expected) in c.expect.sorted(by: { $0.key < $1.key }) {
            let treatment = try #require(MissingDataTreatment(rawValue: name), "unknown treatment \(name)")
            let points = c.datapoints()
            if expected == "RETAIN" {
                for current in [AlarmStateValue.ok, .alarm, .insufficientData] {
                    let outcome = AlarmEvaluator.evaluate(c.rule(treatment), datapoints: points, current: current, now: 1_800_000_000)
                    #expect(outcome == AlarmOutcome(state: nil, reason: "", reasonData: ""), "\(name) from \(current)")
                }
            } else {
                let want = try #require(AlarmStateValue(rawValue: expected), "unknown state \(expected)")
                let outcome = AlarmEvaluator.evaluate(c.rule(treatment), datapoints: points, current: .insufficientData, now: 1_800_000_000)
                #expect(outcome.state == want, "\(name): \(outcome.reason)")
                #expect(!outcome.reason.isEmpty && outcome.reasonData.hasPrefix("{\"version\":\"1.0\""), "\(name)")
            }
        }
    }

    @Test("the evaluation range is N + 2: the 5 periods AWS's example retrieves for N = 3")
    func evaluationRange() {
        let rule = AlarmRule(comparison: .greaterThanThreshold, threshold: 1, evaluationPeriods: 3, datapointsToAlarm: 3,
                             period: 300, statistic: "Average")
        #expect(AlarmEvaluator.evaluationRange(rule) == 5)
    }
}
