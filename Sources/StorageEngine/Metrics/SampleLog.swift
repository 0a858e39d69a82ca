package import Storage
import TrailwatchCore

/// The write-ahead record of one `append`: the samples, by series id, exactly as merged into
/// the head. Replayed into the head at start for every record newer than the last checkpoint.
///
/// ```
/// receivedAt (signed) · count · per sample: series id · timestamp (signed) · flags byte
///   flags bit 0: high resolution; bit 1: single value (then one double), else
///   count, sum, min, max doubles, bit 2: distribution known, bit 3: sketch follows
/// ```
package enum SampleLog {
    package struct Entry: Sendable {
        package var series: UInt32
        package var timestamp: Int64
        package var highResolution: Bool
        package var cell: MetricCell
    }

    package static func encode(_ entries: [Entry], receivedAt: Int64) -> [UInt8] {
        var w = ByteWriter(capacity: 16 + entries.count * 14)
        w.signed(receivedAt)
        w.varint(UInt64(entries.count))
        for e in entries {
            w.varint(UInt64(e.series))
            w.signed(e.timestamp)
            let c = e.cell
            let single = c.count == 1 && c.sketch == nil && c.min == c.max && c.sum == c.min && c.distributionKnown
            var flags: UInt8 = e.highResolution ? 1 : 0
            if single {
                flags |= 2
                w.byte(flags)
                w.double(c.min)
                continue
            }
            if c.distributionKnown { flags |= 4 }
            if c.sketch != nil { flags |= 8 }
            w.byte(flags)
            w.double(c.count)
            w.double(c.sum)
            w.double(c.min)
            w.double(c.max)
            if let s = c.sketch { SketchCodec.encode(s, into: &w) }
        }
        return w.bytes
    }

    /// Encodes a batch whose datum i belongs to series `ids[i]`.
    package static func encode(_ batch: MetricBatch, ids: [UInt32], receivedAt: Int64) -> [UInt8] {
        var w = ByteWriter(capacity: 16 + batch.count * 14)
        w.signed(receivedAt)
        w.varint(UInt64(batch.count))
        for i in 0..<batch.count {
            w.varint(UInt64(ids[i]))
            w.signed(batch.timestamps[i])
            let high: UInt8 = batch.highResolution[i] ? 1 : 0
            let v = batch.values[i]
            if !v.isNaN || batch.cells[Int32(i)] == nil {
                w.byte(high | 2)
                w.double(v)
                continue
            }
            let c = batch.cells[Int32(i)]!
            var flags = high
            if c.distributionKnown { flags |= 4 }
            if c.sketch != nil { flags |= 8 }
            w.byte(flags)
            w.double(c.count)
            w.double(c.sum)
            w.double(c.min)
            w.double(c.max)
            if let s = c.sketch { SketchCodec.encode(s, into: &w) }
        }
        return w.bytes
    }

    package static func decode(_ bytes: [UInt8]) throws -> (receivedAt: Int64, entries: [Entry]) {
        var r = ByteReader(bytes)
        let receivedAt = try r.signed()
        let n = Int(try r.varint())
        var out = [Entry]()
        out.reserveCapacity(n)
        for _ in 0..<n {
            let series = UInt32(truncatingIfNeeded: try r.varint())
            let ts = try r.signed()
            let flags = try r.byte()
            let cell: MetricCell
            if flags & 2 != 0 {
                cell = MetricCell(value: try r.double())
            } else {
                let count = try r.double(), sum = try r.double(), min = try r.double(), max = try r.double()
                let sketch = flags & 8 != 0 ? try SketchCodec.decode(from: &r) : nil
                cell = MetricCell(count: count, sum: sum, min: min, max: max, sketch: sketch, distributionKnown: flags & 4 != 0)
            }
            out.append(Entry(series: series, timestamp: ts, highResolution: flags & 1 != 0, cell: cell))
        }
        return (receivedAt, out)
    }
}

/// The series table's encoding of dimensions: count, then name and value strings.
package enum DimensionCodec {
    package static func encode(_ dims: [MetricDimension]) -> [UInt8] {
        var w = ByteWriter()
        w.varint(UInt64(dims.count))
        for d in dims {
            w.string(d.name)
            w.string(d.value)
        }
        return w.bytes
    }

    package static func decode(_ bytes: [UInt8]) throws -> [MetricDimension] {
        var r = ByteReader(bytes)
        let n = Int(try r.varint())
        var out: [MetricDimension] = []
        for _ in 0..<n { out.append(MetricDimension(name: try r.string(), value: try r.string())) }
        return out
    }
}

/// One metric log record: the series the append created, then its samples.
///
/// ```
/// new series count · per series: id · account · region · namespace · name · dimensions · unit
/// then a SampleLog body (receivedAt, samples by series id)
/// ```
package enum LogRecord {
    package static func encode(newSeries: [(UInt32, SeriesKey)], batch: MetricBatch, ids: [UInt32], receivedAt: Int64) -> [UInt8] {
        var w = ByteWriter(capacity: 32 + batch.count * 14)
        w.varint(UInt64(newSeries.count))
        for (id, key) in newSeries {
            w.varint(UInt64(id))
            w.string(key.scope.accountId)
            w.string(key.scope.region)
            w.string(key.metric.namespace)
            w.string(key.metric.metricName)
            w.bytes.append(contentsOf: DimensionCodec.encode(key.metric.dimensions))
            w.string(key.unit)
        }
        w.bytes.append(contentsOf: SampleLog.encode(batch, ids: ids, receivedAt: receivedAt))
        return w.bytes
    }

    package static func decode(_ bytes: [UInt8]) throws -> (newSeries: [(UInt32, SeriesKey)], receivedAt: Int64, entries: [SampleLog.Entry]) {
        var r = ByteReader(bytes)
        var series: [(UInt32, SeriesKey)] = []
        for _ in 0..<Int(try r.varint()) {
            let id = UInt32(truncatingIfNeeded: try r.varint())
            let account = try r.string(), region = try r.string(), namespace = try r.string(), name = try r.string()
            var dims: [MetricDimension] = []
            for _ in 0..<Int(try r.varint()) { dims.append(MetricDimension(name: try r.string(), value: try r.string())) }
            let unit = try r.string()
            series.append((id, SeriesKey(scope: ResourceScope(accountId: account, region: region),
                                         metric: MetricIdentity(namespace: namespace, metricName: name, dimensions: dims), unit: unit)))
        }
        let (receivedAt, entries) = try SampleLog.decode(Array(bytes[r.pos...]))
        return (series, receivedAt, entries)
    }
}
