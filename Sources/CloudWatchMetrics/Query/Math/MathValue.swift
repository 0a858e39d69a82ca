/// What a metric math (sub)expression evaluates to.
enum MathValue: Sendable {
    case scalar(Double)
    case series(TimeSeries)
    case array([TimeSeries])
    case string(String)
    case keyword(String)

    /// The type's name in AWS's "Unsupported operand type(s)" messages.
    var typeName: String {
        switch self {
        case .scalar: return "Scalar"
        case .series: return "TimeSeries"
        case .array: return "TimeSeries[]"
        case .string: return "String"
        case .keyword: return "String"
        }
    }
}

/// Point-wise combination of series: the union of timestamps, a side without a point counting
/// as 0 (AWS's rule for arithmetic and comparisons between series).
enum SeriesAlgebra {
    static func combine(_ a: TimeSeries, _ b: TimeSeries, label: String, _ f: (Double, Double) -> Double) -> TimeSeries {
        var ts: [Int64] = []
        var vs: [Double] = []
        ts.reserveCapacity(max(a.count, b.count))
        vs.reserveCapacity(max(a.count, b.count))
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if j >= b.count || (i < a.count && a.timestamps[i] < b.timestamps[j]) {
                ts.append(a.timestamps[i]); vs.append(f(a.values[i], 0)); i += 1
            } else if i >= a.count || b.timestamps[j] < a.timestamps[i] {
                ts.append(b.timestamps[j]); vs.append(f(0, b.values[j])); j += 1
            } else {
                ts.append(a.timestamps[i]); vs.append(f(a.values[i], b.values[j])); i += 1; j += 1
            }
        }
        return TimeSeries(label: label, timestamps: ts, values: vs, period: min(a.period, b.period))
    }

    /// Per-timestamp aggregate across `members`: `f` gets the present values and the member count.
    static func across(_ members: [TimeSeries], label: String, period: Int64, _ f: ([Double], Int) -> Double?) -> TimeSeries {
        if let dense = acrossAligned(members, label: label, period: period, f) { return dense }
        var byTime: [Int64: [Double]] = [:]
        for m in members {
            for (t, v) in zip(m.timestamps, m.values) { byTime[t, default: []].append(v) }
        }
        var out = TimeSeries(label: label, period: period)
        for t in byTime.keys.sorted() {
            if let v = f(byTime[t]!, members.count) {
                out.timestamps.append(t)
                out.values.append(v)
            }
        }
        return out
    }

    /// The common case: every timestamp on one period grid. Values are gathered per slot into
    /// one flat buffer (slot-major), with no dictionary per point.
    private static func acrossAligned(_ members: [TimeSeries], label: String, period: Int64, _ f: ([Double], Int) -> Double?) -> TimeSeries? {
        guard period > 0, let first = members.lazy.compactMap(\.timestamps.first).min() else {
            return TimeSeries(label: label, period: period)
        }
        var last = first
        for m in members {
            for t in m.timestamps {
                guard (t - first) % period == 0 else { return nil }
                if t > last { last = t }
            }
        }
        let slots = Int((last - first) / period) + 1
        guard slots <= 10_000_000 else { return nil }
        var counts = [Int](repeating: 0, count: slots)
        for m in members { for t in m.timestamps { counts[Int((t - first) / period)] += 1 } }
        var offsets = [Int](repeating: 0, count: slots + 1)
        for i in 0..<slots { offsets[i + 1] = offsets[i] + counts[i] }
        var fill = offsets
        var flat = [Double](repeating: 0, count: offsets[slots])
        for m in members {
            for (t, v) in zip(m.timestamps, m.values) {
                let k = Int((t - first) / period)
                flat[fill[k]] = v
                fill[k] += 1
            }
        }
        var out = TimeSeries(label: label, period: period)
        var present: [Double] = []
        for k in 0..<slots where counts[k] > 0 {
            present.removeAll(keepingCapacity: true)
            present.append(contentsOf: flat[offsets[k]..<offsets[k + 1]])
            if let v = f(present, members.count) {
                out.timestamps.append(first + Int64(k) * period)
                out.values.append(v)
            }
        }
        return out
    }

    /// Drops non-finite points; reports whether any was dropped.
    static func dropNonFinite(_ s: inout TimeSeries) -> Bool {
        guard s.values.contains(where: { !$0.isFinite }) else { return false }
        var ts: [Int64] = [], vs: [Double] = []
        for (t, v) in zip(s.timestamps, s.values) where v.isFinite {
            ts.append(t)
            vs.append(v)
        }
        s.timestamps = ts
        s.values = vs
        return true
    }
}
