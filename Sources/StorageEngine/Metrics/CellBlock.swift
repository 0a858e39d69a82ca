package import Storage

/// The sealed, compressed form of one series' cells over a time window.
///
/// Layout (all integers varints unless said otherwise):
/// ```
/// version (byte = 1) · count n
/// buckets    the first bucket's offset from the window start, then an IntColumn of the
///            gaps between buckets, in units of the resolution (delta-of-delta in effect)
/// kinds      0 = every cell is a single sample (the common case), else runs of
///            (kind byte, length): 0 single sample, 1 several equal samples, 2 general
/// values     DoubleColumn of min for kinds 0 and 1
/// counts     DoubleColumn of count for kind 1 and 2 cells
/// general    DoubleColumns of sum, min, max; a byte of flags per cell (bit 0: distribution
///            known, bit 1: sketch present); then each present sketch
/// ```
package enum CellBlock {
    package static func encode(_ cells: [(bucket: Int64, cell: MetricCell)], windowStart: Int64, resolution: Int64) -> [UInt8] {
        var w = ByteWriter(capacity: 16 + cells.count)
        w.byte(1)
        w.varint(UInt64(cells.count))
        var gaps = [Int64]()
        gaps.reserveCapacity(cells.count)
        var prev = cells.first?.bucket ?? windowStart
        w.signed(((cells.first?.bucket ?? windowStart) - windowStart) / resolution)
        for c in cells.dropFirst() {
            gaps.append((c.bucket - prev) / resolution)
            prev = c.bucket
        }
        IntColumn.encode(gaps, into: &w)

        var kinds = [UInt8]()
        kinds.reserveCapacity(cells.count)
        for c in cells {
            let cell = c.cell
            if cell.min == cell.max && cell.distributionKnown && cell.sketch == nil && cell.sum == cell.min * cell.count {
                kinds.append(cell.count == 1 ? 0 : 1)
            } else {
                kinds.append(2)
            }
        }
        let uniform = kinds.allSatisfy { $0 == 0 }
        w.byte(uniform ? 0 : 1)
        if !uniform {
            var i = 0
            while i < kinds.count {
                var j = i
                while j < kinds.count, kinds[j] == kinds[i] { j += 1 }
                w.byte(kinds[i])
                w.varint(UInt64(j - i))
                i = j
            }
        }

        DoubleColumn.encode(cells.indices.filter { kinds[$0] < 2 }.map { cells[$0].cell.min }, into: &w)
        if !uniform {
            DoubleColumn.encode(cells.indices.filter { kinds[$0] > 0 }.map { cells[$0].cell.count }, into: &w)
            let general = cells.indices.filter { kinds[$0] == 2 }.map { cells[$0].cell }
            DoubleColumn.encode(general.map(\.sum), into: &w)
            DoubleColumn.encode(general.map(\.min), into: &w)
            DoubleColumn.encode(general.map(\.max), into: &w)
            for cell in general {
                w.byte((cell.distributionKnown ? 1 : 0) | (cell.sketch != nil ? 2 : 0))
            }
            for cell in general { if let s = cell.sketch { SketchCodec.encode(s, into: &w) } }
        }
        return w.bytes
    }

    package static func decode(_ bytes: [UInt8], windowStart: Int64, resolution: Int64) throws -> [(bucket: Int64, cell: MetricCell)] {
        var r = ByteReader(bytes)
        guard try r.byte() == 1 else { throw CorruptRecord(description: "unknown cell block version") }
        let n = Int(try r.varint())
        let firstOffset = n > 0 ? try r.signed() : 0
        let gaps = n > 0 ? [firstOffset] + (try IntColumn.decode(count: n - 1, from: &r)) : []
        let uniform = try r.byte() == 0
        var kinds = [UInt8](repeating: 0, count: n)
        if !uniform {
            var filled = 0
            while filled < n {
                let k = try r.byte()
                let run = Int(try r.varint())
                guard run > 0, filled + run <= n, k <= 2 else { throw CorruptRecord(description: "bad kind run") }
                for i in filled..<filled + run { kinds[i] = k }
                filled += run
            }
        }
        let simpleCount = kinds.filter { $0 < 2 }.count
        let values = try DoubleColumn.decode(count: simpleCount, from: &r)
        var counts: [Double] = [], sums: [Double] = [], mins: [Double] = [], maxs: [Double] = []
        var flags: [UInt8] = []
        var sketches: [DistributionSketch] = []
        if !uniform {
            counts = try DoubleColumn.decode(count: kinds.filter { $0 > 0 }.count, from: &r)
            let g = kinds.filter { $0 == 2 }.count
            sums = try DoubleColumn.decode(count: g, from: &r)
            mins = try DoubleColumn.decode(count: g, from: &r)
            maxs = try DoubleColumn.decode(count: g, from: &r)
            for _ in 0..<g { flags.append(try r.byte()) }
            for f in flags where f & 2 != 0 { sketches.append(try SketchCodec.decode(from: &r)) }
        }
        var out = [(bucket: Int64, cell: MetricCell)]()
        out.reserveCapacity(n)
        var bucket = windowStart
        var vi = 0, ci = 0, gi = 0, si = 0
        for i in 0..<n {
            bucket += gaps[i] * resolution
            switch kinds[i] {
            case 0:
                out.append((bucket, MetricCell(value: values[vi])))
                vi += 1
            case 1:
                let v = values[vi], c = counts[ci]
                out.append((bucket, MetricCell(count: c, sum: v * c, min: v, max: v, sketch: nil, distributionKnown: true)))
                vi += 1
                ci += 1
            default:
                let f = flags[gi]
                var sketch: DistributionSketch?
                if f & 2 != 0 {
                    sketch = sketches[si]
                    si += 1
                }
                out.append((bucket, MetricCell(count: counts[ci], sum: sums[gi], min: mins[gi], max: maxs[gi],
                                               sketch: sketch, distributionKnown: f & 1 != 0)))
                ci += 1
                gi += 1
            }
        }
        return out
    }
}

extension CellBlock {
    /// Decodes the cells with `start <= bucket < end` straight into columns. A block of single
    /// samples (the common case) is read as two columns, with no per-cell value built.
    package static func decode(_ bytes: [UInt8], windowStart: Int64, resolution: Int64, start: Int64, end: Int64,
                       into out: inout CellColumns) throws {
        var r = ByteReader(bytes)
        guard try r.byte() == 1 else { throw CorruptRecord(description: "unknown cell block version") }
        let n = Int(try r.varint())
        guard n > 0 else { return }
        var gaps = [try r.signed()]
        gaps.append(contentsOf: try IntColumn.decode(count: n - 1, from: &r))
        if r.pos < r.bytes.count, r.bytes[r.pos] == 0 {
            r.pos += 1
            let values = try DoubleColumn.decode(count: n, from: &r)
            out.reserve(out.count + n)
            var bucket = windowStart
            for i in 0..<n {
                bucket += gaps[i] * resolution
                if bucket >= start && bucket < end { out.append(bucket, value: values[i]) }
            }
            return
        }
        for c in try decode(bytes, windowStart: windowStart, resolution: resolution) where c.bucket >= start && c.bucket < end {
            out.append(c.bucket, c.cell)
        }
    }
}

/// Sketch encoding: a mode byte; exact sketches as the count of values and DoubleColumns of
/// values and counts; bucketed ones as the zero count, then each store as offset, bucket
/// count and a DoubleColumn of counts.
package enum SketchCodec {
    package static func encode(_ s: DistributionSketch, into w: inout ByteWriter) {
        if let values = s.exactValues {
            w.byte(1)
            w.varint(UInt64(values.count))
            DoubleColumn.encode(values, into: &w)
            DoubleColumn.encode(s.exactCounts, into: &w)
            return
        }
        w.byte(0)
        DoubleColumn.encode([s.zeroCount], into: &w)
        for store in [s.positive, s.negative] {
            w.signed(Int64(store.offset))
            w.varint(UInt64(store.counts.count))
            if !store.counts.isEmpty { DoubleColumn.encode(store.counts, into: &w) }
        }
    }

    package static func decode(from r: inout ByteReader) throws -> DistributionSketch {
        var s = DistributionSketch()
        if try r.byte() == 1 {
            let n = Int(try r.varint())
            guard n <= DistributionSketch.maxExact else { throw CorruptRecord(description: "too many exact values") }
            s.exactValues = try DoubleColumn.decode(count: n, from: &r)
            s.exactCounts = try DoubleColumn.decode(count: n, from: &r)
            return s
        }
        s.exactValues = nil
        s.zeroCount = try DoubleColumn.decode(count: 1, from: &r)[0]
        for k in 0..<2 {
            var store = DistributionSketch.Store()
            store.offset = Int32(truncatingIfNeeded: try r.signed())
            let n = Int(try r.varint())
            guard n <= DistributionSketch.maxBuckets else { throw CorruptRecord(description: "sketch too wide") }
            if n > 0 { store.counts = try DoubleColumn.decode(count: n, from: &r) }
            if k == 0 { s.positive = store } else { s.negative = store }
        }
        return s
    }
}
