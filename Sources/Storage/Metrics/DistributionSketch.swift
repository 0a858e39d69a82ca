import Foundation

/// A mergeable summary of a distribution with bounded relative error (a DDSketch): every
/// sample is counted in the logarithmic bucket holding it, so any quantile is answered within
/// `relativeAccuracy` of the true sample's value, and two sketches merge by adding buckets.
///
/// Buckets: index `i` holds values in `(γ^(i-1), γ^i]` with `γ = (1+α)/(1-α)`, and is read back
/// as `2γ^i/(γ+1)`, which is within `α` of every value in it. Negative values are bucketed by
/// magnitude in a second store; values closer to zero than `minIndexable` are counted as zero.
/// Each store keeps at most `maxBuckets` buckets, collapsing the ones nearest zero when it
/// would grow past that (so the bound holds for all but the smallest magnitudes).
///
/// While a sketch has seen at most `maxExact` distinct values it keeps them exactly (sorted,
/// with their counts), so small cells answer exact percentiles; past that it switches to the
/// buckets for good.
public struct DistributionSketch: Sendable, Equatable {
    /// Distinct values kept exactly before switching to buckets.
    public static let maxExact = 256

    /// α: the relative error of every quantile.
    public static let relativeAccuracy = 0.01
    public static let gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy)
    static let logGamma = Foundation.log(gamma)
    public static let minIndexable = 1e-9
    public static let maxBuckets = 2048

    /// Dense bucket counts starting at index `offset`.
    public struct Store: Sendable, Equatable {
        public var offset: Int32 = 0
        public var counts: [Double] = []

        public init() {}

        public var isEmpty: Bool { counts.isEmpty }
        public var total: Double { counts.reduce(0, +) }

        public mutating func add(index: Int32, count: Double) {
            if counts.isEmpty {
                offset = index
                counts = [count]
                return
            }
            let top = offset + Int32(counts.count) - 1
            var i = index
            if i > top {
                // Grow upwards; past the bucket limit, the buckets nearest zero fold together.
                let lowestKept = Swift.max(offset, i - Int32(DistributionSketch.maxBuckets) + 1)
                if lowestKept > offset { collapse(below: lowestKept) }
                let n = Int(i - offset) + 1
                if n > counts.count { counts.append(contentsOf: [Double](repeating: 0, count: n - counts.count)) }
            } else if i < offset {
                let lowestAllowed = top - Int32(DistributionSketch.maxBuckets) + 1
                if i < lowestAllowed { i = lowestAllowed }
                if i < offset {
                    counts.insert(contentsOf: [Double](repeating: 0, count: Int(offset - i)), at: 0)
                    offset = i
                }
            }
            counts[Int(i - offset)] += count
        }

        /// Folds every bucket below `index` into the bucket at `index`.
        public mutating func collapse(below index: Int32) {
            guard index > offset else { return }
            let k = min(Int(index - offset), counts.count)
            let folded = counts[0..<k].reduce(0, +)
            counts.removeFirst(k)
            if counts.isEmpty { counts = [folded] } else { counts[0] += folded }
            offset = index
        }

        public mutating func merge(_ other: Store) {
            for (i, c) in other.counts.enumerated() where c != 0 {
                add(index: other.offset + Int32(i), count: c)
            }
        }
    }

    public var positive = Store()
    public var negative = Store()
    public var zeroCount: Double = 0
    /// Exact mode: the distinct values seen, ascending, and their counts (nil once bucketed).
    public var exactValues: [Double]? = []
    public var exactCounts: [Double] = []

    public init() {}

    /// True while every value is kept exactly.
    public var isExact: Bool { exactValues != nil }

    /// The total of all counts.
    public var count: Double {
        isExact ? exactCounts.reduce(0, +) : positive.total + negative.total + zeroCount
    }

    /// The bucket index of magnitude `v` (> minIndexable).
    @inline(__always) static func index(_ v: Double) -> Int32 {
        Int32((Foundation.log(v) / logGamma).rounded(.up))
    }

    /// The value a bucket is read back as.
    @inline(__always) public static func value(ofIndex i: Int32) -> Double {
        2 * Foundation.pow(gamma, Double(i)) / (gamma + 1)
    }

    /// Counts `value` `count` times.
    public mutating func add(_ value: Double, count: Double = 1) {
        guard count > 0 else { return }
        if var values = exactValues {
            var lo = 0, hi = values.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if values[mid] < value { lo = mid + 1 } else { hi = mid }
            }
            if lo < values.count, values[lo] == value {
                exactCounts[lo] += count
                return
            }
            if values.count < Self.maxExact {
                exactValues = nil  // release the array before mutating it in place
                values.insert(value, at: lo)
                exactValues = values
                exactCounts.insert(count, at: lo)
                return
            }
            exactValues = values
            switchToBuckets()
        }
        addToBuckets(value, count: count)
    }

    /// Moves the exact values into buckets.
    private mutating func switchToBuckets() {
        guard let values = exactValues else { return }
        let counts = exactCounts
        exactValues = nil
        exactCounts = []
        for (v, c) in zip(values, counts) { addToBuckets(v, count: c) }
    }

    private mutating func addToBuckets(_ value: Double, count: Double) {
        if value > Self.minIndexable {
            positive.add(index: Self.index(value), count: count)
        } else if value < -Self.minIndexable {
            negative.add(index: Self.index(-value), count: count)
        } else {
            zeroCount += count
        }
    }

    /// Adds every count of `other`.
    public mutating func merge(_ other: DistributionSketch) {
        if let values = other.exactValues {
            for (v, c) in zip(values, other.exactCounts) { add(v, count: c) }
            return
        }
        switchToBuckets()
        positive.merge(other.positive)
        negative.merge(other.negative)
        zeroCount += other.zeroCount
    }

    /// The samples in ascending value order as (value, count): exact values, or buckets read
    /// back as their representative values.
    public func ascendingBuckets() -> [(value: Double, count: Double)] {
        if let values = exactValues { return Array(zip(values, exactCounts)) }
        var out: [(Double, Double)] = []
        out.reserveCapacity(positive.counts.count + negative.counts.count + 1)
        for (i, c) in negative.counts.enumerated().reversed() where c > 0 {
            out.append((-Self.value(ofIndex: negative.offset + Int32(i)), c))
        }
        if zeroCount > 0 { out.append((0, zeroCount)) }
        for (i, c) in positive.counts.enumerated() where c > 0 {
            out.append((Self.value(ofIndex: positive.offset + Int32(i)), c))
        }
        return out
    }
}
