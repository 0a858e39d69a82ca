import Foundation
import GRDB
public import Storage
import StorageEngine
import Runtime
import Synchronization
import TrailwatchCore

extension SQLiteMetricStore {
    /// Seals the head's closed hour windows into chunks, snapshots the open cells and deletes
    /// the log segments the snapshot covers. Appends continue meanwhile: samples landing in a
    /// window being sealed wait beside the head until the seal commits. Returns how many
    /// windows were sealed.
    @discardableResult
    public func checkpoint() async throws -> Int {
        // One checkpoint at a time: two would seal the same windows twice.
        try await checkpointing.withLock { try await checkpointNow() }
    }

    private func checkpointNow() async throws -> Int {
        let cutoff = Int64(clock.now().timeIntervalSince1970) - MetricStoreLayout.sealGrace
        // Capture between two log writes, so the snapshot is exactly the head at `applied`.
        let capture: @Sendable () -> Capture = { [self] in
            log?.rotate()
            let unsaved = index.withLock { ix -> [(UInt32, SeriesKey)] in
                let list = ix.unsaved.compactMap { id in ix.keys[Int(id)].map { (id, $0) } }
                ix.unsaved = []
                return list
            }
            return state.withLock { s in
                let sealed = s.head.sealable(cutoff: cutoff)
                var rest = s.head
                rest.remove(sealed)
                s.sealing = Set(sealed.map { SealKey(series: $0.series, resolution: $0.resolution, window: $0.windowStart) })
                let touched = s.head.touched.map { (id: $0, lastTimestamp: s.head.lastTimestamp[Int($0)], lastReceived: s.head.lastReceived[Int($0)]) }
                s.head.clearTouched()
                return Capture(sealed: sealed, snapshot: HeadSnapshot.encode(rest), applied: s.head.appliedSeq,
                               appliedInbox: s.appliedInbox, touched: touched, unsaved: unsaved)
            }
        }
        let c = try await log?.exclusive(capture) ?? capture()
        do {
            _ = try await db.writer.write({ db -> Bool in
                for w in c.sealed {
                    try Self.insertPart(db, series: w.series, resolution: w.resolution, windowStart: w.windowStart,
                                        windowLength: MetricStoreLayout.headWindow, cells: w.cells)
                }
                let insert = try db.cachedStatement(sql: """
                    INSERT OR IGNORE INTO metric_series (id, account, region, namespace, name, dims, unit, last_ts, last_received)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                for (id, key) in c.unsaved {
                    try insert.execute(arguments: [Int64(id), key.scope.accountId, key.scope.region, key.metric.namespace,
                                                   key.metric.metricName, Data(DimensionCodec.encode(key.metric.dimensions)), key.unit,
                                                   Int64.min, Int64.min])
                }
                let update = try db.cachedStatement(sql: "UPDATE metric_series SET last_ts = max(last_ts, ?), last_received = max(last_received, ?) WHERE id = ?")
                for t in c.touched { try update.execute(arguments: [t.lastTimestamp, t.lastReceived, Int64(t.id)]) }
                try db.execute(sql: """
                    INSERT INTO metric_head (id, seq, body) VALUES (1, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, body = excluded.body
                    """, arguments: [c.applied, Data(c.snapshot)])
                // Inbox samples are in the snapshot (or the sealed chunks) now.
                try db.execute(sql: "DELETE FROM metric_inbox WHERE id <= ?", arguments: [c.appliedInbox])
                return true
            }, afterCommit: { [self] _ in
                // The sealed cells are in chunks now: drop them, let late samples in.
                state.withLock { s in
                    s.head.remove(c.sealed)
                    for l in s.late { s.head.apply(l.batch, ids: l.ids, receivedAt: l.receivedAt) }
                    s.late = []
                    s.sealing = []
                    s.epoch += 1
                }
            })
        } catch {
            state.withLock { s in
                for l in s.late { s.head.apply(l.batch, ids: l.ids, receivedAt: l.receivedAt) }
                s.late = []
                s.sealing = []
                for t in c.touched { s.head.markTouched(t.id) }
            }
            index.withLock { $0.unsaved.append(contentsOf: c.unsaved.map(\.0)) }
            throw error
        }
        log?.truncate(through: c.applied)
        return c.sealed.count
    }

    struct Capture: Sendable {
        let sealed: [SealedWindow]
        let snapshot: [UInt8]
        let applied: Int64
        let appliedInbox: Int64
        let touched: [(id: UInt32, lastTimestamp: Int64, lastReceived: Int64)]
        let unsaved: [(UInt32, SeriesKey)]
    }

    /// Compacts, rolls up and expires chunks by the store's clock. Bounded work per call:
    /// call it periodically. Returns the number of chunks rewritten or deleted.
    @discardableResult
    public func maintain(limit: Int = 2000) async throws -> Int {
        let now = Int64(clock.now().timeIntervalSince1970)
        return try await db.writer.write { db -> Int in
            var work = 0
            // 1-second cells: kept 3 hours (their samples are also in minute cells).
            try db.execute(sql: "DELETE FROM metric_chunks WHERE resolution = 1 AND window_end <= ?",
                           arguments: [now - MetricResolution.oneSecond.retention])
            work += db.changesCount
            // Hourly cells: kept 455 days.
            try db.execute(sql: "DELETE FROM metric_chunks WHERE resolution = 3600 AND window_end <= ?",
                           arguments: [now - MetricResolution.oneHour.retention])
            work += db.changesCount
            // Roll minute cells older than 15 days up to 5 minutes, and those older than 63 days to an hour.
            work += try Self.rollUp(db, from: 60, to: 300, olderThan: now - MetricResolution.oneMinute.retention, limit: limit)
            work += try Self.rollUp(db, from: 300, to: 3600, olderThan: now - MetricResolution.fiveMinutes.retention, limit: limit)
            // Compact closed days of minute cells, and closed hours of second cells, into one chunk each.
            work += try Self.compact(db, resolution: 60, window: MetricStoreLayout.dayWindow,
                                     closedBefore: now - MetricStoreLayout.sealGrace, limit: limit)
            work += try Self.compact(db, resolution: 1, window: MetricStoreLayout.headWindow,
                                     closedBefore: now - MetricStoreLayout.sealGrace, limit: limit)
            // Give pages freed by compaction and expiry back to the file system.
            try db.execute(sql: "PRAGMA incremental_vacuum(4096)")
            return work
        }
    }

    // MARK: Chunk rows

    /// Cells sorted by bucket, equal buckets merged.
    static func merge(_ cells: [(bucket: Int64, cell: MetricCell)]) -> [(bucket: Int64, cell: MetricCell)] {
        guard cells.count > 1 else { return cells }
        var out: [(bucket: Int64, cell: MetricCell)] = []
        out.reserveCapacity(cells.count)
        for c in cells.sorted(by: { $0.bucket < $1.bucket }) {
            if let last = out.last, last.bucket == c.bucket { out[out.count - 1].cell.merge(c.cell) } else { out.append(c) }
        }
        return out
    }

    /// Adds `cells` as a new part of the window (parts are merged by `compact`).
    static func insertPart(_ db: Database, series: UInt32, resolution: Int, windowStart: Int64, windowLength: Int64,
                           cells: [(bucket: Int64, cell: MetricCell)]) throws {
        let part = try Int.fetchOne(db, sql: """
            SELECT COALESCE(MAX(part), -1) + 1 FROM metric_chunks WHERE series = ? AND resolution = ? AND window_start = ?
            """, arguments: [Int64(series), resolution, windowStart]) ?? 0
        let body = CellBlock.encode(cells, windowStart: windowStart, resolution: Int64(resolution))
        try db.execute(sql: """
            INSERT INTO metric_chunks (series, resolution, window_start, part, window_end, body) VALUES (?, ?, ?, ?, ?, ?)
            """, arguments: [Int64(series), resolution, windowStart, part, windowStart + windowLength, Data(body)])
    }

    /// A stored chunk's key and cells.
    private struct Chunk {
        let series: UInt32
        let windowStart: Int64
        let part: Int
        let cells: [(bucket: Int64, cell: MetricCell)]
    }

    private static func chunks(_ db: Database, resolution: Int, where clause: String, arguments: StatementArguments) throws -> [Chunk] {
        try Row.fetchAll(db, sql: "SELECT series, window_start, part, body FROM metric_chunks WHERE resolution = ? AND \(clause)",
                         arguments: [resolution] + arguments).map { row in
            let start: Int64 = row["window_start"]
            return Chunk(series: UInt32(row["series"] as Int64), windowStart: start, part: row["part"],
                         cells: try CellBlock.decode([UInt8](row["body"] as Data), windowStart: start, resolution: Int64(resolution)))
        }
    }

    private static func delete(_ db: Database, resolution: Int, _ chunk: Chunk) throws {
        try db.execute(sql: "DELETE FROM metric_chunks WHERE series = ? AND resolution = ? AND window_start = ? AND part = ?",
                       arguments: [Int64(chunk.series), resolution, chunk.windowStart, chunk.part])
    }

    /// Merges every chunk of each closed `window` into one chunk (part 0, starting at the window).
    static func compact(_ db: Database, resolution: Int, window: Int64, closedBefore: Int64, limit: Int) throws -> Int {
        // Candidate windows: more than one row, or one row not spanning the whole window.
        let candidates = try Row.fetchAll(db, sql: """
            SELECT series, (window_start - (window_start % ?)) AS w, COUNT(*) AS n, MIN(window_start) AS first
            FROM metric_chunks WHERE resolution = ? AND window_end <= ?
            GROUP BY series, w HAVING n > 1 OR first != w LIMIT ?
            """, arguments: [window, resolution, closedBefore, limit])
        var work = 0
        for row in candidates {
            let series = UInt32(row["series"] as Int64)
            let w: Int64 = row["w"]
            let parts = try chunks(db, resolution: resolution, where: "series = ? AND window_start >= ? AND window_start < ?",
                                   arguments: [Int64(series), w, w + window])
            let merged = Self.merge(parts.flatMap(\.cells))
            for p in parts { try delete(db, resolution: resolution, p) }
            try db.execute(sql: """
                INSERT INTO metric_chunks (series, resolution, window_start, part, window_end, body) VALUES (?, ?, ?, 0, ?, ?)
                """, arguments: [Int64(series), resolution, w, w + window,
                                 Data(CellBlock.encode(merged, windowStart: w, resolution: Int64(resolution)))])
            work += parts.count
        }
        return work
    }

    /// Re-buckets chunks of `from` that ended before `olderThan` into `to` cells (one day per
    /// chunk) and deletes them.
    static func rollUp(_ db: Database, from: Int, to: Int, olderThan: Int64, limit: Int) throws -> Int {
        let old = try Row.fetchAll(db, sql: """
            SELECT series, window_start, part, body FROM metric_chunks WHERE resolution = ? AND window_end <= ? LIMIT ?
            """, arguments: [from, olderThan, limit])
        var work = 0
        for row in old {
            let series = UInt32(row["series"] as Int64)
            let start: Int64 = row["window_start"]
            let cells = try CellBlock.decode([UInt8](row["body"] as Data), windowStart: start, resolution: Int64(from))
            var coarse: [Int64: MetricCell] = [:]
            for c in cells {
                let b = floorDiv(c.bucket, Int64(to)) * Int64(to)
                if coarse[b] == nil { coarse[b] = c.cell } else { coarse[b]!.merge(c.cell) }
            }
            let day = floorDiv(start, MetricStoreLayout.dayWindow) * MetricStoreLayout.dayWindow
            try insertPart(db, series: series, resolution: to, windowStart: day, windowLength: MetricStoreLayout.dayWindow,
                           cells: coarse.map { (bucket: $0.key, cell: $0.value) }.sorted { $0.bucket < $1.bucket })
            try db.execute(sql: "DELETE FROM metric_chunks WHERE series = ? AND resolution = ? AND window_start = ? AND part = ?",
                           arguments: [Int64(series), from, start, row["part"] as Int])
            work += 1
        }
        if work > 0 {
            _ = try compact(db, resolution: to, window: MetricStoreLayout.dayWindow, closedBefore: olderThan + MetricStoreLayout.dayWindow, limit: limit)
        }
        return work
    }
}

extension SQLiteMetricStore: StoreMaintenance {
    /// Checkpoints, then maintains until nothing is left to do.
    public func runMaintenance() async throws {
        try await checkpoint()
        while try await maintain() > 0 {}
        // Outside a transaction (a checkpoint cannot run in one), on GRDB's writer queue; the
        // free pages go back in steps of 16 MB, each its own transaction, so the WAL is
        // checkpointed between them. (One unbounded vacuum after sealing gigabytes of raw log
        // blocks wrote every moved page into one WAL, and reading through a WAL that long
        // slowed each page lookup until the vacuum took many minutes.)
        try await db.dbWriter.writeWithoutTransaction { db in
            var free = try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0
            while free > 0 {
                try db.execute(sql: "PRAGMA incremental_vacuum(4096)")
                let left = try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0
                if left >= free { break }
                free = left
            }
            try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
        }
    }

    public func storageStats() async throws -> [String: Int64] {
        let counts = try await db.read { db -> (Int64, Int64, Int64) in
            (try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM metric_series") ?? 0,
             try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM metric_chunks") ?? 0,
             try Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(LENGTH(body)), 0) FROM metric_chunks") ?? 0)
        }
        return ["metricSeries": counts.0, "metricChunks": counts.1, "metricChunkBytes": counts.2,
                "bytesOnDisk": db.bytesOnDisk()]
    }
}
