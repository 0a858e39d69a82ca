/// A series' cells in column form, ascending by bucket: what the store answers queries with.
///
/// Columns instead of an array of `MetricCell` values: a day of minute cells for a thousand
/// series is 1.44 million cells, and copying cells one by one (each with its optional sketch)
/// dominated query profiles. Distributions are kept only for cells whose samples differ.
public struct CellColumns: Sendable, Equatable {
    public var buckets: [Int64] = []
    public var counts: [Double] = []
    public var sums: [Double] = []
    public var mins: [Double] = []
    public var maxs: [Double] = []
    /// The distribution of cell i, when its samples are not all equal.
    public var sketches: [Int: DistributionSketch] = [:]
    /// Cells whose distribution is unknown (statistic sets with differing samples).
    public var unknownDistribution: Set<Int> = []

    public init() {}

    public var count: Int { buckets.count }
    public var isEmpty: Bool { buckets.isEmpty }

    public mutating func reserve(_ n: Int) {
        buckets.reserveCapacity(n)
        counts.reserveCapacity(n)
        sums.reserveCapacity(n)
        mins.reserveCapacity(n)
        maxs.reserveCapacity(n)
    }

    /// Appends a cell (buckets must stay ascending; equal buckets are merged by `normalized`).
    public mutating func append(_ bucket: Int64, _ cell: MetricCell) {
        let i = buckets.count
        buckets.append(bucket)
        counts.append(cell.count)
        sums.append(cell.sum)
        mins.append(cell.min)
        maxs.append(cell.max)
        if let s = cell.sketch { sketches[i] = s }
        if !cell.distributionKnown { unknownDistribution.insert(i) }
    }

    /// Appends a single sample.
    @inline(__always) public mutating func append(_ bucket: Int64, value v: Double) {
        buckets.append(bucket)
        counts.append(1)
        sums.append(v)
        mins.append(v)
        maxs.append(v)
    }

    /// Cell i as a value.
    public func cell(_ i: Int) -> MetricCell {
        MetricCell(count: counts[i], sum: sums[i], min: mins[i], max: maxs[i], sketch: sketches[i],
                   distributionKnown: !unknownDistribution.contains(i))
    }

    /// Appends every cell of `other` (any order relative to self; call `normalized` after).
    public mutating func append(contentsOf other: CellColumns) {
        let base = buckets.count
        buckets.append(contentsOf: other.buckets)
        counts.append(contentsOf: other.counts)
        sums.append(contentsOf: other.sums)
        mins.append(contentsOf: other.mins)
        maxs.append(contentsOf: other.maxs)
        for (i, s) in other.sketches { sketches[base + i] = s }
        for i in other.unknownDistribution { unknownDistribution.insert(base + i) }
    }

    /// Sorted by bucket with equal buckets merged (cheap when already sorted and distinct).
    public func normalized() -> CellColumns {
        var sortedDistinct = true
        for i in buckets.indices.dropFirst() where buckets[i] <= buckets[i - 1] {
            sortedDistinct = false
            break
        }
        if sortedDistinct { return self }
        let order = buckets.indices.sorted { buckets[$0] < buckets[$1] }
        var out = CellColumns()
        out.reserve(count)
        for i in order {
            if let last = out.buckets.last, last == buckets[i] {
                var merged = out.cell(out.count - 1)
                merged.merge(cell(i))
                out.replaceLast(merged)
            } else {
                out.append(buckets[i], cell(i))
            }
        }
        return out
    }

    private mutating func replaceLast(_ cell: MetricCell) {
        let i = buckets.count - 1
        counts[i] = cell.count
        sums[i] = cell.sum
        mins[i] = cell.min
        maxs[i] = cell.max
        sketches[i] = cell.sketch
        if cell.distributionKnown { unknownDistribution.remove(i) } else { unknownDistribution.insert(i) }
    }

    /// The cells with start <= bucket < end.
    public func range(_ start: Int64, _ end: Int64) -> CellColumns {
        guard let first = buckets.first, let last = buckets.last, first < start || last >= end else { return self }
        var out = CellColumns()
        for i in buckets.indices where buckets[i] >= start && buckets[i] < end { out.append(buckets[i], cell(i)) }
        return out
    }
}
