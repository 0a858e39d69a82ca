public import Storage

extension Statistic {
    /// The statistic of the samples in `cell`; nil when AWS would answer no value (percentile
    /// statistics of statistic sets with unknown distributions, trimmed statistics over an
    /// empty range, PR of an empty cell).
    ///
    /// SampleCount, Average, Sum, Minimum and Maximum are exact. The others read the cell's
    /// distribution: each answer is within the sketch's relative error
    /// (`DistributionSketch.relativeAccuracy`) of a sample value, and clamped to [min, max].
    public func value(of cell: MetricCell) -> Double? {
        guard cell.count > 0 else { return kind == .sampleCount ? 0 : nil }
        switch kind {
        case .sampleCount: return cell.count
        case .average: return cell.sum / cell.count
        case .sum: return cell.sum
        case .minimum: return cell.min
        case .maximum: return cell.max
        default: break
        }
        guard cell.distributionKnown else { return nil }
        let walk = DistributionWalk(cell)
        switch kind {
        case .percentile(let q): return walk.percentile(q)
        case .trimmedMean(let r):
            guard let (count, sum) = walk.trimmed(r), count > 0 else { return nil }
            return sum / count
        case .trimmedCount(let r):
            return walk.trimmed(r)?.count ?? 0
        case .trimmedSum(let r):
            return walk.trimmed(r)?.sum ?? 0
        case .winsorizedMean(let r):
            return walk.winsorizedMean(r)
        case .percentileRank(let lo, let hi):
            return walk.percentileRank(lower: lo, upper: hi)
        default:
            return nil
        }
    }
}

/// The samples of a cell in ascending order, as (value, count) runs read from its
/// distribution, with the exact minimum and maximum pinned at the ends.
struct DistributionWalk {
    let runs: [(value: Double, count: Double)]
    let total: Double
    let min: Double
    let max: Double
    let exactSum: Double

    init(_ cell: MetricCell) {
        min = cell.min
        max = cell.max
        exactSum = cell.sum
        total = cell.count
        if cell.sketch == nil {
            runs = [(cell.min, cell.count)]
        } else {
            runs = cell.distribution.ascendingBuckets().map { (Swift.min(Swift.max($0.value, cell.min), cell.max), $0.count) }
        }
    }

    /// Nearest-rank percentile: the smallest sample with at least q% of samples at or below it.
    func percentile(_ q: Double) -> Double {
        if q <= 0 { return min }
        if q >= 100 { return max }
        let target = Swift.max(1, (q / 100 * total).rounded(.up))
        var cumulative = 0.0
        for run in runs {
            cumulative += run.count
            if cumulative >= target - 1e-9 { return run.value }
        }
        return max
    }

    /// The value bounds a range selects: samples v with lower < v <= upper (an open end
    /// selects everything on its side). Percent ends are read as the percentile's value, so
    /// `TM(10%:90%)` keeps the samples above p10 and up to p90.
    private func valueBounds(_ r: Statistic.Range) -> (lower: Double?, upper: Double?) {
        switch r.kind {
        case .value:
            return (r.lower, r.upper)
        case .percent:
            let lo = r.lower.flatMap { $0 > 0 ? percentile($0) : nil }
            let hi = r.upper.flatMap { $0 < 100 ? percentile($0) : nil }
            return (lo, hi)
        }
    }

    private func includes(_ v: Double, _ b: (lower: Double?, upper: Double?)) -> Bool {
        (b.lower.map { v > $0 } ?? true) && (b.upper.map { v <= $0 } ?? true)
    }

    /// Count and sum of the samples the range selects; nil when none is.
    func trimmed(_ r: Statistic.Range) -> (count: Double, sum: Double)? {
        let b = valueBounds(r)
        if b.lower == nil && b.upper == nil { return (total, exactSum) }
        var count = 0.0, sum = 0.0
        for run in runs where includes(run.value, b) {
            count += run.count
            sum += run.count * run.value
        }
        return count > 0 ? (count, sum) : nil
    }

    /// The mean after raising samples below the range to its low bound and lowering those
    /// above it to its high bound.
    func winsorizedMean(_ r: Statistic.Range) -> Double? {
        let b = valueBounds(r)
        if b.lower == nil && b.upper == nil { return exactSum / total }
        var sum = 0.0
        for run in runs {
            var v = run.value
            if let lo = b.lower, v <= lo { v = lo }
            if let hi = b.upper, v > hi { v = hi }
            sum += run.count * v
        }
        return sum / total
    }

    /// PR(a:b): the percent of samples with a < v <= b.
    func percentileRank(lower: Double?, upper: Double?) -> Double {
        var inside = 0.0
        for run in runs where (lower.map { run.value > $0 } ?? true) && (upper.map { run.value <= $0 } ?? true) {
            inside += run.count
        }
        return inside / total * 100
    }

}
