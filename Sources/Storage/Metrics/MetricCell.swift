/// The aggregate of every sample of one series in one time bucket: what CloudWatch answers
/// statistics from (DESIGN.md, "Metrics are stored the way CloudWatch answers them").
///
/// `count`, `sum`, `min` and `max` are exact. The distribution behind percentiles and the
/// trimmed statistics is `sketch`, or, when all samples are equal (`min == max`, which covers a
/// single sample), implied exactly by `min` and `count` and not stored.
public struct MetricCell: Sendable, Equatable {
    public var count: Double
    public var sum: Double
    public var min: Double
    public var max: Double
    /// The samples' distribution when they are not all equal.
    public var sketch: DistributionSketch?
    /// False when some samples arrived as a statistic set whose distribution is unknown
    /// (SampleCount > 1 with Minimum < Maximum): percentiles are then not available, as on AWS.
    public var distributionKnown: Bool

    /// A cell of one sample.
    public init(value: Double) {
        count = 1
        sum = value
        min = value
        max = value
        sketch = nil
        distributionKnown = true
    }

    public init(count: Double, sum: Double, min: Double, max: Double, sketch: DistributionSketch?, distributionKnown: Bool) {
        self.count = count
        self.sum = sum
        self.min = min
        self.max = max
        self.sketch = sketch
        self.distributionKnown = distributionKnown
    }

    /// A cell of `values`, each counted `counts[i]` times (PutMetricData Values/Counts).
    public init(values: [Double], counts: [Double]) {
        var c = 0.0, s = 0.0, lo = Double.infinity, hi = -Double.infinity
        var sketch = DistributionSketch()
        for (i, v) in values.enumerated() {
            let n = i < counts.count ? counts[i] : 1
            guard n > 0 else { continue }
            c += n
            s += v * n
            lo = Swift.min(lo, v)
            hi = Swift.max(hi, v)
            sketch.add(v, count: n)
        }
        count = c
        sum = s
        min = lo
        max = hi
        self.sketch = lo == hi ? nil : sketch
        distributionKnown = true
    }

    /// A cell of a statistic set. Its distribution is known only when every sample is equal
    /// (the conditions under which AWS answers percentiles for statistic sets).
    public init(statisticSet count: Double, sum: Double, min: Double, max: Double) {
        self.count = count
        self.sum = sum
        self.min = min
        self.max = max
        sketch = nil
        distributionKnown = min == max || count <= 1
    }

    /// The distribution as a sketch, materialising the implied one.
    public var distribution: DistributionSketch {
        if let sketch { return sketch }
        var s = DistributionSketch()
        s.add(min, count: count)
        return s
    }

    /// Adds one sample (the hot path of ingestion).
    @inline(__always) public mutating func add(_ v: Double) {
        if count == 0 {
            self = MetricCell(value: v)
            return
        }
        if sketch == nil {
            if min == max && v == min {
                count += 1
                sum += v
                return
            }
            var s = DistributionSketch()
            s.add(min, count: count)
            sketch = s
        }
        sketch!.add(v)
        count += 1
        sum += v
        if v < min { min = v }
        if v > max { max = v }
    }

    /// Adds another cell's samples.
    public mutating func merge(_ other: MetricCell) {
        if other.count == 0 { return }
        if count == 0 {
            self = other
            return
        }
        let needsSketch = !(min == max && other.min == other.max && min == other.min)
        if needsSketch {
            var s = distribution
            s.merge(other.distribution)
            sketch = s
        }
        count += other.count
        sum += other.sum
        min = Swift.min(min, other.min)
        max = Swift.max(max, other.max)
        distributionKnown = distributionKnown && other.distributionKnown
    }
}
