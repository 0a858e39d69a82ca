public import Storage

/// Groups cells into periods: period k covers [start + k·period, start + (k+1)·period).
public enum PeriodAggregation {
    /// The merged cell of every period that has data, in ascending period order. Without
    /// `distributions`, the cells carry count, sum, min and max only (enough for the basic
    /// statistics, and much cheaper).
    public static func aggregate(_ c: CellColumns, start: Int64, end: Int64, period: Int64,
                                 distributions: Bool = true) -> [(timestamp: Int64, cell: MetricCell)] {
        var out: [(timestamp: Int64, cell: MetricCell)] = []
        var currentSlot: Int64 = -1
        var cell = MetricCell(count: 0, sum: 0, min: .infinity, max: -.infinity, sketch: nil, distributionKnown: true)
        func flush() {
            if currentSlot >= 0 { out.append((start + currentSlot * period, cell)) }
        }
        for i in 0..<c.count {
            let b = c.buckets[i]
            guard b >= start && b < end else { continue }
            let slot = (b - start) / period
            if slot != currentSlot {
                flush()
                currentSlot = slot
                cell = distributions ? c.cell(i) : MetricCell(count: c.counts[i], sum: c.sums[i], min: c.mins[i], max: c.maxs[i], sketch: nil, distributionKnown: true)
                continue
            }
            if distributions {
                cell.merge(c.cell(i))
            } else {
                cell.count += c.counts[i]
                cell.sum += c.sums[i]
                if c.mins[i] < cell.min { cell.min = c.mins[i] }
                if c.maxs[i] > cell.max { cell.max = c.maxs[i] }
            }
        }
        flush()
        return out
    }

    /// A basic statistic per period, read straight from the columns (the query hot path).
    public static func basic(_ c: CellColumns, stat: Statistic.Kind, start: Int64, end: Int64, period: Int64) -> (timestamps: [Int64], values: [Double]) {
        var ts: [Int64] = []
        var vs: [Double] = []
        ts.reserveCapacity(min(c.count, Int((end - start) / max(1, period)) + 1))
        vs.reserveCapacity(ts.capacity)
        var slot: Int64 = -1
        var n = 0.0, sum = 0.0, lo = Double.infinity, hi = -Double.infinity
        func flush() {
            guard slot >= 0 else { return }
            ts.append(start + slot * period)
            switch stat {
            case .sampleCount: vs.append(n)
            case .sum: vs.append(sum)
            case .minimum: vs.append(lo)
            case .maximum: vs.append(hi)
            default: vs.append(sum / n)
            }
        }
        c.buckets.withUnsafeBufferPointer { buckets in
            for i in 0..<buckets.count {
                let b = buckets[i]
                guard b >= start && b < end else { continue }
                let k = (b - start) / period
                if k != slot {
                    flush()
                    slot = k
                    n = 0; sum = 0; lo = .infinity; hi = -.infinity
                }
                n += c.counts[i]
                sum += c.sums[i]
                if c.mins[i] < lo { lo = c.mins[i] }
                if c.maxs[i] > hi { hi = c.maxs[i] }
            }
        }
        flush()
        return (ts, vs)
    }

    /// The start time as CloudWatch rounds it: to the minute when less than 15 days old, to
    /// 5 minutes up to 63 days, to the hour beyond; sub-minute periods keep their second.
    /// Overflow-safe for any inputs; a period below 1 rounds as a one-second period.
    public static func roundedStart(_ start: Int64, now: Int64, period: Int64) -> Int64 {
        let (age, overflow) = now.subtractingReportingOverflow(start)
        let unit: Int64
        if period < 60 { unit = max(1, period) }
        else if overflow { unit = start < 0 ? 3600 : 60 }
        else if age <= 15 * 86400 { unit = 60 }
        else if age <= 63 * 86400 { unit = 300 }
        else { unit = 3600 }
        return start - ((start % unit) + unit) % unit
    }
}
