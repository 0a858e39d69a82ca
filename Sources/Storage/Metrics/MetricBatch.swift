public import TrailwatchCore

/// Samples of one scope and namespace, laid out for ingestion at millions a second: each
/// datum's series is named by a canonical key (bytes in one shared buffer, with a 64-bit
/// hash), so a store can find the series without building strings; only a new series' key is
/// ever decoded.
///
/// Canonical key of a datum: metric name, then the dimensions sorted by name (name, value),
/// then the unit; every string prefixed by its length as a varint, the dimensions by their
/// count. Two datums name the same series exactly when their keys' bytes are equal.
public struct MetricBatch: Sendable {
    public var scope: ResourceScope
    public var namespace: String
    public private(set) var keyBytes: [UInt8] = []
    /// End offset in `keyBytes` of datum i's key (the start is the previous end).
    public private(set) var keyEnds: [Int32] = []
    public private(set) var keyHashes: [UInt64] = []
    public private(set) var timestamps: [Int64] = []
    public private(set) var highResolution: [Bool] = []
    /// The value of datum i when it is a single sample.
    public private(set) var values: [Double] = []
    /// The cells of the datums that are not a single sample, by datum index.
    public private(set) var cells: [Int32: MetricCell] = [:]

    public init(scope: ResourceScope, namespace: String, capacity: Int = 0) {
        self.scope = scope
        self.namespace = namespace
        keyBytes.reserveCapacity(capacity * 24)
        keyEnds.reserveCapacity(capacity)
        keyHashes.reserveCapacity(capacity)
        timestamps.reserveCapacity(capacity)
        highResolution.reserveCapacity(capacity)
        values.reserveCapacity(capacity)
    }

    public var count: Int { timestamps.count }

    // MARK: Building

    /// Appends the key of the next datum, piece by piece, then `finishDatum`.
    @inline(__always) public mutating func appendKeyString(_ bytes: UnsafeBufferPointer<UInt8>) {
        appendVarint(UInt64(bytes.count))
        keyBytes.append(contentsOf: bytes)
    }

    @inline(__always) public mutating func appendKeyString(_ s: String) {
        var s = s
        s.withUTF8 { appendKeyString($0) }
    }

    @inline(__always) public mutating func appendKeyCount(_ n: Int) { appendVarint(UInt64(n)) }

    @inline(__always) mutating func appendVarint(_ v: UInt64) {
        var v = v
        while v >= 0x80 {
            keyBytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        keyBytes.append(UInt8(v))
    }

    /// Ends the datum whose key was just appended.
    public mutating func finishDatum(timestamp: Int64, highResolution high: Bool, value: Double?, cell: MetricCell?) {
        let start = keyEnds.last.map(Int.init) ?? 0
        keyHashes.append(keyBytes.withUnsafeBufferPointer { Self.hash(UnsafeBufferPointer(rebasing: $0[start..<$0.count])) })
        keyEnds.append(Int32(keyBytes.count))
        timestamps.append(timestamp)
        highResolution.append(high)
        if let value {
            values.append(value)
        } else {
            values.append(.nan)
            cells[Int32(timestamps.count - 1)] = cell ?? MetricCell(value: .nan)
        }
    }

    /// Appends a whole sample (the generic path).
    public mutating func append(_ s: MetricSample) {
        appendKeyString(s.key.metric.metricName)
        appendKeyCount(s.key.metric.dimensions.count)
        for d in s.key.metric.dimensions {
            appendKeyString(d.name)
            appendKeyString(d.value)
        }
        appendKeyString(s.key.unit)
        let single = s.cell.count == 1 && s.cell.sketch == nil && s.cell.min == s.cell.max && s.cell.sum == s.cell.min
        finishDatum(timestamp: s.timestamp, highResolution: s.highResolution, value: single ? s.cell.min : nil, cell: single ? nil : s.cell)
    }

    /// Batches samples by scope and namespace.
    public static func batches(_ samples: [MetricSample]) -> [MetricBatch] {
        var out: [MetricBatch] = []
        for s in samples {
            if let last = out.last, last.scope == s.key.scope, last.namespace == s.key.metric.namespace {
                out[out.count - 1].append(s)
            } else {
                var b = MetricBatch(scope: s.key.scope, namespace: s.key.metric.namespace)
                b.append(s)
                out.append(b)
            }
        }
        return out
    }

    // MARK: Reading

    /// The key bytes of datum i.
    public func key(_ i: Int) -> ArraySlice<UInt8> {
        let start = i == 0 ? 0 : Int(keyEnds[i - 1])
        return keyBytes[start..<Int(keyEnds[i])]
    }

    /// The cell of datum i.
    public func cell(_ i: Int) -> MetricCell {
        cells[Int32(i)] ?? MetricCell(value: values[i])
    }

    /// Decodes datum i's series key (done only for series the store has not seen).
    public func seriesKey(_ i: Int) -> SeriesKey {
        var bytes = key(i)
        func varint() -> Int {
            var v = 0, shift = 0
            while let b = bytes.first {
                bytes.removeFirst()
                v |= Int(b & 0x7F) << shift
                if b < 0x80 { break }
                shift += 7
            }
            return v
        }
        func string() -> String {
            let n = varint()
            let s = String(decoding: bytes.prefix(n), as: UTF8.self)
            bytes.removeFirst(min(n, bytes.count))
            return s
        }
        let name = string()
        let n = varint()
        var dims: [MetricDimension] = []
        for _ in 0..<n { dims.append(MetricDimension(name: string(), value: string())) }
        let unit = string()
        return SeriesKey(scope: scope, metric: MetricIdentity(namespace: namespace, metricName: name, dimensions: dims), unit: unit)
    }

    /// The canonical key of a series (as datums' keys are built).
    public static func canonicalKey(_ key: SeriesKey) -> [UInt8] {
        var b = MetricBatch(scope: key.scope, namespace: key.metric.namespace)
        b.appendKeyString(key.metric.metricName)
        b.appendKeyCount(key.metric.dimensions.count)
        for d in key.metric.dimensions {
            b.appendKeyString(d.name)
            b.appendKeyString(d.value)
        }
        b.appendKeyString(key.unit)
        return b.keyBytes
    }

    /// FNV-1a, 64-bit: fast on short keys; stores verify the bytes on a hit.
    @inline(__always) public static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        return h
    }
}
