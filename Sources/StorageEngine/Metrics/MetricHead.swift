package import Storage

/// Cells not yet sealed into chunks: everything committed since the last checkpoint, plus the
/// open windows carried from it. Guarded by its owner's lock; mutated in commit order by the
/// two writers that commit samples: the sample log's queue and, for samples committed with
/// other writes (metric_inbox), the database's writer queue.
///
/// Series ids are dense, so everything is kept in arrays indexed by id; each series holds its
/// few open buckets in small parallel arrays (the newest last, where ingestion looks first).
package struct MetricHead {
    package init() {}

    /// One series' open cells at one resolution.
    package struct Cells {
        var buckets: [Int64] = []
        var cells: [MetricCell] = []

        var isEmpty: Bool { buckets.isEmpty }

        /// Adds a single sample to its bucket; true when that opened a new cell.
        @inline(__always) @discardableResult mutating func add(_ bucket: Int64, _ value: Double) -> Bool {
            var i = buckets.count - 1
            while i >= 0 {
                if buckets[i] == bucket {
                    cells[i].add(value)
                    return false
                }
                if buckets[i] < bucket { break }
                i -= 1
            }
            buckets.insert(bucket, at: i + 1)
            cells.insert(MetricCell(value: value), at: i + 1)
            return true
        }

        /// Merges a cell into its bucket; true when that opened a new cell.
        @inline(__always) @discardableResult mutating func merge(_ bucket: Int64, _ cell: MetricCell) -> Bool {
            var i = buckets.count - 1
            while i >= 0 {
                if buckets[i] == bucket {
                    cells[i].merge(cell)
                    return false
                }
                if buckets[i] < bucket { break }
                i -= 1
            }
            buckets.insert(bucket, at: i + 1)
            cells.insert(cell, at: i + 1)
            return true
        }

        mutating func set(_ bucket: Int64, _ cell: MetricCell) {
            if let i = buckets.firstIndex(of: bucket) { cells[i] = cell } else { merge(bucket, cell) }
        }

        /// Removes every cell in the head windows starting at `starts`; returns how many.
        mutating func remove(windows starts: [Int64]) -> Int {
            let sealed = Set(starts)
            let window = MetricStoreLayout.headWindow
            // Fresh arrays (grown by appending, so at most twice what is kept): the old
            // capacity goes back to the allocator.
            var keptBuckets: [Int64] = []
            var keptCells: [MetricCell] = []
            for (b, cell) in zip(buckets, cells) where !sealed.contains(floorDiv(b, window) * window) {
                keptBuckets.append(b)
                keptCells.append(cell)
            }
            let removed = buckets.count - keptBuckets.count
            buckets = keptBuckets
            cells = keptCells
            return removed
        }
    }

    /// Indexed by series id.
    package var minute: [Cells] = []
    package var second: [Cells] = []
    /// Newest sample timestamp and receipt per series id (Int64.min when none).
    package var lastTimestamp: [Int64] = []
    package var lastReceived: [Int64] = []
    /// Series touched since the last checkpoint.
    package var touched: [UInt32] = []
    private var isTouched: [Bool] = []
    /// The newest log sequence whose samples are in the head.
    package var appliedSeq: Int64 = 0
    /// Open cells, all series and resolutions (drives early checkpoints).
    package var cellCount = 0

    /// Makes room for series ids up to `id`.
    package mutating func reserve(_ id: UInt32) {
        let n = Int(id) + 1
        guard n > minute.count else { return }
        let grow = n - minute.count
        minute.append(contentsOf: repeatElement(Cells(), count: grow))
        second.append(contentsOf: repeatElement(Cells(), count: grow))
        lastTimestamp.append(contentsOf: repeatElement(.min, count: grow))
        lastReceived.append(contentsOf: repeatElement(.min, count: grow))
        isTouched.append(contentsOf: repeatElement(false, count: grow))
    }

    /// Merges one sample.
    @inline(__always) package mutating func apply(series: UInt32, timestamp: Int64, highResolution: Bool, cell: MetricCell, receivedAt: Int64) {
        reserve(series)
        let i = Int(series)
        if minute[i].merge(floorDiv(timestamp, 60) * 60, cell) { cellCount += 1 }
        if highResolution, second[i].merge(timestamp, cell) { cellCount += 1 }
        if timestamp > lastTimestamp[i] { lastTimestamp[i] = timestamp }
        if receivedAt > lastReceived[i] { lastReceived[i] = receivedAt }
        if !isTouched[i] {
            isTouched[i] = true
            touched.append(series)
        }
    }

    /// Merges a batch whose datum i belongs to series `ids[i]`.
    package mutating func apply(_ batch: MetricBatch, ids: [UInt32], receivedAt: Int64) {
        if let top = ids.max() { reserve(top) }
        for i in 0..<batch.count {
            let id = Int(ids[i])
            let t = batch.timestamps[i]
            let v = batch.values[i]
            let high = batch.highResolution[i]
            if v.isNaN, let cell = batch.cells[Int32(i)] {
                if minute[id].merge(floorDiv(t, 60) * 60, cell) { cellCount += 1 }
                if high, second[id].merge(t, cell) { cellCount += 1 }
            } else {
                if minute[id].add(floorDiv(t, 60) * 60, v) { cellCount += 1 }
                if high, second[id].add(t, v) { cellCount += 1 }
            }
            if t > lastTimestamp[id] { lastTimestamp[id] = t }
            if receivedAt > lastReceived[id] { lastReceived[id] = receivedAt }
            if !isTouched[id] {
                isTouched[id] = true
                touched.append(UInt32(id))
            }
        }
    }

    /// Marks a series as touched (its newest times go to the table at the next checkpoint).
    package mutating func markTouched(_ series: UInt32) {
        reserve(series)
        if !isTouched[Int(series)] {
            isTouched[Int(series)] = true
            touched.append(series)
        }
    }

    /// Forgets which series were touched (after a checkpoint recorded them).
    package mutating func clearTouched() {
        for id in touched { isTouched[Int(id)] = false }
        touched.removeAll(keepingCapacity: true)
    }

    /// Appends the head's cells of `series` at `resolution` with start <= bucket < end.
    package func cells(series: UInt32, resolution: Int, start: Int64, end: Int64, into out: inout CellColumns) {
        let i = Int(series)
        let table = resolution == 1 ? second : minute
        guard i < table.count else { return }
        let c = table[i]
        for (b, cell) in zip(c.buckets, c.cells) where b >= start && b < end { out.append(b, cell) }
    }

    /// Cells in windows that ended at or before `cutoff`, grouped by (series, resolution, window).
    package func sealable(cutoff: Int64) -> [SealedWindow] {
        var out: [SealedWindow] = []
        for (resolution, table) in [(60, minute), (1, second)] {
            for (id, c) in table.enumerated() where !c.isEmpty {
                var current: (window: Int64, cells: [(bucket: Int64, cell: MetricCell)])?
                for (b, cell) in zip(c.buckets, c.cells) {
                    let w = floorDiv(b, MetricStoreLayout.headWindow) * MetricStoreLayout.headWindow
                    guard w + MetricStoreLayout.headWindow <= cutoff else { break }
                    if current?.window != w {
                        if let done = current { out.append(SealedWindow(series: UInt32(id), resolution: resolution, windowStart: done.window, cells: done.cells)) }
                        current = (w, [])
                    }
                    current!.cells.append((b, cell))
                }
                if let done = current { out.append(SealedWindow(series: UInt32(id), resolution: resolution, windowStart: done.window, cells: done.cells)) }
            }
        }
        return out
    }

    /// Removes the cells `sealed` listed: every cell of each sealed (series, resolution,
    /// window), since samples for a window being sealed wait outside the head. One pass per
    /// series, and arrays left mostly empty give their memory back (a backfilled day would
    /// otherwise keep its capacity resident).
    package mutating func remove(_ sealed: [SealedWindow]) {
        var windows: [UInt64: [Int64]] = [:]
        for w in sealed {
            windows[UInt64(w.series) << 1 | (w.resolution == 1 ? 1 : 0), default: []].append(w.windowStart)
        }
        for (key, starts) in windows {
            let i = Int(key >> 1)
            let removed = key & 1 == 1 ? second[i].remove(windows: starts) : minute[i].remove(windows: starts)
            cellCount -= removed
        }
    }

    /// Every open cell: (series, bucket, cell, is a 1-second cell).
    package func allCells() -> [(series: UInt32, bucket: Int64, cell: MetricCell, second: Bool)] {
        var out: [(series: UInt32, bucket: Int64, cell: MetricCell, second: Bool)] = []
        for (id, c) in minute.enumerated() { for (b, cell) in zip(c.buckets, c.cells) { out.append((UInt32(id), b, cell, false)) } }
        for (id, c) in second.enumerated() { for (b, cell) in zip(c.buckets, c.cells) { out.append((UInt32(id), b, cell, true)) } }
        return out
    }
}

/// One series' cells of one window, ready to seal.
package struct SealedWindow: Sendable {
    package let series: UInt32
    package let resolution: Int
    package let windowStart: Int64
    package let cells: [(bucket: Int64, cell: MetricCell)]
}

/// Floor division for negative timestamps too.
@inline(__always) package func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}

/// Window sizes of stored chunks.
package enum MetricStoreLayout {
    /// Head cells are sealed by the hour.
    package static let headWindow: Int64 = 3600
    /// Closed days of minute cells are compacted into one chunk.
    package static let dayWindow: Int64 = 86400
    /// The longest window any chunk spans (for range lookups).
    package static let maxWindow: Int64 = 86400
    /// How long after a window ends it is sealed (late samples within it still land in the head).
    package static let sealGrace: Int64 = 120
}
