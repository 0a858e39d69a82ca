public import Storage

/// Groups cells into periods: period k covers [start + k·period, start + (k+1)·period).
public enum PeriodAggregation {
    /// The merged cell of every period that has data, in ascending period order.
    public static func aggregate(_ cells: [(bucket: Int64, cell: MetricCell)], start: Int64, end: Int64, period: Int64) -> [(timestamp: Int64, cell: MetricCell)] {
        var out: [(timestamp: Int64, cell: MetricCell)] = []
        for c in cells where c.bucket >= start && c.bucket < end {
            let k = (c.bucket - start) / period
            let ts = start + k * period
            if let last = out.last, last.timestamp == ts {
                out[out.count - 1].cell.merge(c.cell)
            } else {
                out.append((ts, c.cell))
            }
        }
        return out
    }

    /// The start time as CloudWatch rounds it: to the minute when less than 15 days old, to
    /// 5 minutes up to 63 days, to the hour beyond; sub-minute periods keep their second.
    public static func roundedStart(_ start: Int64, now: Int64, period: Int64) -> Int64 {
        let age = now - start
        let unit: Int64
        if period < 60 { unit = period }
        else if age <= 15 * 86400 { unit = 60 }
        else if age <= 63 * 86400 { unit = 300 }
        else { unit = 3600 }
        return start - ((start % unit) + unit) % unit
    }
}
