import CloudWatchMetrics
import Foundation
import Storage
import Testing

@Suite("Statistics")
struct StatisticTests {
    @Test("names AWS accepts parse; others do not", arguments: [
        "SampleCount", "Average", "Sum", "Minimum", "Maximum", "p99", "p99.9", "p0.01", "p100", "tm90", "wm99.5", "tc10", "ts50",
        "TM(10%:90%)", "TM(:95%)", "TM(150:1000)", "WM(5%:95%)", "TC(:0.5)", "TS(10:)", "PR(:300)", "PR(100:2000)", "IQM",
    ])
    func valid(_ name: String) {
        #expect(Statistic(name) != nil, "\(name)")
    }

    @Test("malformed names are refused", arguments: ["average", "p101", "p99.999", "p", "TM(90%:10%)", "TM(10%:90)", "PR(10%:90%)", "XX(1:2)", "tm", "TM()", "p-1"])
    func invalid(_ name: String) {
        #expect(Statistic(name) == nil, "\(name)")
    }

    /// Exact values computed independently from the raw samples.
    func exact(_ values: [Double]) -> (count: Double, sum: Double, min: Double, max: Double) {
        (Double(values.count), values.reduce(0, +), values.min()!, values.max()!)
    }

    @Test("basic statistics are exact; percentiles within the sketch's relative error")
    func accuracy() {
        var rng = SplitMix64(seed: 0x5747_1571_C5EE_D001)
        for trial in 0..<50 {
            let n = Int.random(in: 1...400, using: &rng)
            let values = (0..<n).map { _ in Double.random(in: 0.5...5000, using: &rng).rounded() / 4 }
            let cell = MetricCell(values: values, counts: Array(repeating: 1, count: n))
            let e = exact(values)
            let at = "seed \(rng.seed), trial \(trial), n \(n)"
            #expect(Statistic.sampleCount.value(of: cell) == e.count, "\(at)")
            #expect(Statistic.sum.value(of: cell) == e.sum, "\(at)")
            #expect(Statistic.minimum.value(of: cell) == e.min, "\(at)")
            #expect(Statistic.maximum.value(of: cell) == e.max, "\(at)")
            #expect(Statistic.average.value(of: cell) == e.sum / e.count, "\(at)")
            let sorted = values.sorted()
            for q in [1.0, 10, 50, 90, 99, 99.9] {
                let rank = max(1, Int((q / 100 * Double(n)).rounded(.up)))
                let truth = sorted[rank - 1]
                let got = Statistic("p\(q == q.rounded() ? String(Int(q)) : String(q))")!.value(of: cell)!
                #expect(abs(got - truth) <= truth * DistributionSketch.relativeAccuracy + 1e-9, "\(at): p\(q) \(got) vs \(truth)")
            }
        }
    }

    @Test("trimmed statistics on a known sample")
    func trimmed() throws {
        let values = (1...10).map(Double.init)
        let cell = MetricCell(values: values, counts: Array(repeating: 1, count: 10))
        func v(_ s: String) -> Double { Statistic(s)!.value(of: cell)! }
        // p90 is 9: tm90 keeps 1...9.
        #expect(abs(v("tm90") - 5) < 0.1)
        #expect(v("tc90") == 9)
        #expect(abs(v("ts90") - 45) < 0.5)
        // Values 3 < v <= 7.
        #expect(v("TC(3:7)") == 4)
        #expect(abs(v("TM(3:7)") - 5.5) < 0.1)
        #expect(v("PR(:5)") == 50)
        #expect(v("PR(8:)") == 20)
        #expect(abs(v("WM(10%:90%)") - 5.5) < 0.1)
        #expect(v("TM(0%:100%)") == 5.5)
    }

    @Test("percentiles of statistic sets are unavailable unless every sample is equal")
    func statisticSets() {
        #expect(Statistic("p50")!.value(of: MetricCell(statisticSet: 10, sum: 50, min: 1, max: 9)) == nil)
        #expect(Statistic("p50")!.value(of: MetricCell(statisticSet: 10, sum: 40, min: 4, max: 4)) == 4)
        var merged = MetricCell(value: 1)
        merged.merge(MetricCell(statisticSet: 3, sum: 10, min: 2, max: 5))
        #expect(Statistic("p50")!.value(of: merged) == nil)
        #expect(Statistic.average.value(of: merged) == 2.75)
    }
}
