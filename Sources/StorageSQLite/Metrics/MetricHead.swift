import Storage

/// Cells not yet sealed into chunks: everything committed since the last checkpoint, plus the
/// open windows carried from it. Guarded by its owner's lock; mutated only on the writer
/// queue (`afterCommit`), in commit order.
struct MetricHead {
    /// Cells of one series at one resolution, by bucket start.
    typealias Cells = [Int64: MetricCell]

    /// series id -> resolution (1 or 60) -> cells
    var minute: [UInt32: Cells] = [:]
    var second: [UInt32: Cells] = [:]
    /// The newest WAL sequence whose samples are in the head.
    var appliedSeq: Int64 = 0
    /// Series touched since the last checkpoint, with their newest sample time and receipt.
    var touched: [UInt32: (lastTimestamp: Int64, lastReceived: Int64)] = [:]

    /// Merges one sample.
    mutating func apply(series: UInt32, timestamp: Int64, highResolution: Bool, cell: MetricCell, receivedAt: Int64) {
        let minuteBucket = floorDiv(timestamp, 60) * 60
        minute[series, default: [:]][minuteBucket, default: MetricCell(count: 0, sum: 0, min: .infinity, max: -.infinity, sketch: nil, distributionKnown: true)].merge(cell)
        if highResolution {
            second[series, default: [:]][timestamp, default: MetricCell(count: 0, sum: 0, min: .infinity, max: -.infinity, sketch: nil, distributionKnown: true)].merge(cell)
        }
        let prev = touched[series]
        touched[series] = (Swift.max(prev?.lastTimestamp ?? .min, timestamp), Swift.max(prev?.lastReceived ?? .min, receivedAt))
    }

    /// The head's cells of `series` at `resolution` with start <= bucket < end.
    func cells(series: UInt32, resolution: Int, start: Int64, end: Int64) -> [(bucket: Int64, cell: MetricCell)] {
        let map = resolution == 1 ? second[series] : minute[series]
        guard let map else { return [] }
        return map.filter { $0.key >= start && $0.key < end }.map { (bucket: $0.key, cell: $0.value) }
    }

    /// Cells in windows that ended at or before `cutoff`, grouped by (series, resolution, window).
    func sealable(cutoff: Int64) -> [SealedWindow] {
        var out: [SealedWindow] = []
        for (resolution, table) in [(60, minute), (1, second)] {
            for (series, cells) in table {
                var windows: [Int64: [(bucket: Int64, cell: MetricCell)]] = [:]
                for (bucket, cell) in cells {
                    let w = floorDiv(bucket, MetricStoreLayout.headWindow) * MetricStoreLayout.headWindow
                    if w + MetricStoreLayout.headWindow <= cutoff { windows[w, default: []].append((bucket, cell)) }
                }
                for (w, list) in windows {
                    out.append(SealedWindow(series: series, resolution: resolution, windowStart: w,
                                            cells: list.sorted { $0.bucket < $1.bucket }))
                }
            }
        }
        return out
    }

    /// Removes exactly the cells `sealed` listed.
    mutating func remove(_ sealed: [SealedWindow]) {
        for w in sealed {
            for c in w.cells {
                if w.resolution == 1 {
                    second[w.series]?[c.bucket] = nil
                    if second[w.series]?.isEmpty == true { second[w.series] = nil }
                } else {
                    minute[w.series]?[c.bucket] = nil
                    if minute[w.series]?.isEmpty == true { minute[w.series] = nil }
                }
            }
        }
    }
}

/// One series' cells of one window, ready to seal.
struct SealedWindow: Sendable {
    let series: UInt32
    let resolution: Int
    let windowStart: Int64
    let cells: [(bucket: Int64, cell: MetricCell)]
}

/// Floor division for negative timestamps too.
@inline(__always) func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}

/// Window sizes of stored chunks.
enum MetricStoreLayout {
    /// Head cells are sealed by the hour.
    static let headWindow: Int64 = 3600
    /// Closed days of minute cells are compacted into one chunk.
    static let dayWindow: Int64 = 86400
    /// The longest window any chunk spans (for range lookups).
    static let maxWindow: Int64 = 86400
    /// How long after a window ends it is sealed (late samples within it still land in the head).
    static let sealGrace: Int64 = 120
}
