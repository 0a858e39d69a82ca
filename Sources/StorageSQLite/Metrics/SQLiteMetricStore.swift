public import Foundation
import GRDB
public import Storage
import StorageEngine
import Synchronization
public import TrailwatchCore
public import Runtime

/// `MetricStore` on the embedded database.
///
/// ```
/// append ─► resolve series ids ─► MetricLog (group fsync) ─► afterCommit, log order:
///           new series into the index, samples into the head
/// checkpoint: capture the head (on the log's queue) ─► SQLite commit: closed hour
///           windows as chunk parts, the open cells as a snapshot, new series rows
///           ─► drop the sealed cells from the head, delete the checkpointed log segments
/// maintain: compact closed days into one chunk, roll minute cells up to 5-minute and
///           hourly cells as they age, delete past retention (AWS's 3 h / 15 d / 63 d / 455 d)
/// start:    series rows, then the head snapshot, then every log record after it
/// ```
/// A sample is durable when `append` returns (its log record is fsynced); it is in the head
/// from then on and in a chunk after the checkpoint that seals its hour. In memory mode
/// there is no log and samples go straight to the head.
public final class SQLiteMetricStore: MetricStore, StateReset, Sendable {
    /// The series index: per (scope, namespace), canonical key hash -> id, with the
    /// canonical bytes kept per id to verify hits (MetricBatch explains the keys).
    struct Index {
        struct Outer: Hashable {
            var scope: ResourceScope
            var namespace: String
        }
        var byHash: [Outer: [UInt64: UInt32]] = [:]
        /// Keys whose hash collided with another key's (never expected; kept correct anyway).
        var collisions: [Outer: [[UInt8]: UInt32]] = [:]
        /// Keys and canonical bytes by id (dense; index 0 unused).
        var keys: [SeriesKey?] = [nil]
        var canonical: [[UInt8]] = [[]]
        var byScope: [ResourceScope: [UInt32]] = [:]
        /// Ids handed out whose series rows may not be committed yet, by (outer, key bytes).
        var pending: [Outer: [[UInt8]: UInt32]] = [:]
        var nextID: UInt32 = 1
        /// Series registered since the last checkpoint (their rows are written by it).
        var unsaved: [UInt32] = []

        /// The id of a key, verifying the bytes behind a hash hit.
        func id(_ outer: Outer, hash: UInt64, key: ArraySlice<UInt8>) -> UInt32? {
            if let id = byHash[outer]?[hash], canonical[Int(id)].elementsEqual(key) { return id }
            return collisions[outer]?[Array(key)]
        }

        mutating func register(_ id: UInt32, _ key: SeriesKey) {
            let outer = Outer(scope: key.scope, namespace: key.metric.namespace)
            let bytes = MetricBatch.canonicalKey(key)
            let hash = bytes.withUnsafeBufferPointer { MetricBatch.hash($0) }
            if let other = byHash[outer]?[hash], canonical[Int(other)] != bytes {
                collisions[outer, default: [:]][bytes] = id
            } else {
                byHash[outer, default: [:]][hash] = id
            }
            while keys.count <= Int(id) { keys.append(nil); canonical.append([]) }
            keys[Int(id)] = key
            canonical[Int(id)] = bytes
            byScope[key.scope, default: []].append(id)
            nextID = max(nextID, id + 1)
        }
    }

    /// The head and what readers need to read it consistently.
    struct HeadState {
        var head = MetricHead()
        /// Changes whenever head cells move into chunks (readers retry across it).
        var epoch: UInt64 = 0
        /// While a checkpoint writes sealed windows, late samples for them wait here
        /// (series, resolution, window start) and join the head after the seal.
        var sealing: Set<SealKey> = []
        var late: [(batch: MetricBatch, ids: [UInt32], receivedAt: Int64)] = []
        /// The newest `metric_inbox` row in the head (rows are applied in id order).
        var appliedInbox: Int64 = 0
    }

    struct SealKey: Hashable {
        let series: UInt32
        let resolution: Int
        let window: Int64
    }

    let db: SQLiteDatabase
    let clock: any WallClock
    /// nil in memory mode.
    let log: MetricLog?
    let index = Mutex(Index())
    let state = Mutex(HeadState())
    /// Held while a checkpoint runs.
    let checkpointing = AsyncLock()
    /// Signalled when the head holds enough cells that a checkpoint should not wait for its
    /// timer (a backfill of closed windows, say).
    public let checkpointWakeup = Wakeup()
    static let earlyCheckpointCells = 250_000

    /// Opens the store: loads the series index and the head (snapshot, then log replay).
    public init(_ db: SQLiteDatabase, clock: any WallClock) throws {
        self.db = db
        self.clock = clock
        if case .file(let url) = db.location {
            log = try MetricLog(directory: url.deletingLastPathComponent().appendingPathComponent("metric-log"))
        } else {
            log = nil
        }
        try load()
    }

    private func load() throws {
        var (ix, h) = try db.dbWriter.read { db -> (Index, HeadState) in
            var ix = Index()
            var h = HeadState()
            for row in try Row.fetchAll(db, sql: "SELECT * FROM metric_series") {
                let id = UInt32(row["id"] as Int64)
                let key = SeriesKey(
                    scope: ResourceScope(accountId: row["account"], region: row["region"]),
                    metric: MetricIdentity(namespace: row["namespace"], metricName: row["name"],
                                           dimensions: try DimensionCodec.decode([UInt8](row["dims"] as Data))),
                    unit: row["unit"])
                ix.register(id, key)
                h.head.reserve(id)
                h.head.lastTimestamp[Int(id)] = row["last_ts"]
                h.head.lastReceived[Int(id)] = row["last_received"]
            }
            if let row = try Row.fetchOne(db, sql: "SELECT seq, body FROM metric_head WHERE id = 1") {
                try HeadSnapshot.restore([UInt8](row["body"] as Data), into: &h.head)
                h.head.appliedSeq = row["seq"]
            }
            return (ix, h)
        }
        for record in try log?.replay() ?? [] where record.seq > h.head.appliedSeq {
            try Self.replay(record.body, into: &ix, &h)
            h.head.appliedSeq = record.seq
        }
        // Samples committed with other writes (PutLogEvents' metric filters) since the snapshot.
        let inbox = try db.dbWriter.read { db in
            try Row.fetchAll(db, sql: "SELECT id, body FROM metric_inbox ORDER BY id").map { (id: $0["id"] as Int64, body: [UInt8]($0["body"] as Data)) }
        }
        for row in inbox {
            try Self.replay(row.body, into: &ix, &h)
            h.appliedInbox = row.id
        }
        let loadedIndex = ix, loadedHead = h
        index.withLock { $0 = loadedIndex }
        state.withLock { $0 = loadedHead }
    }

    /// Puts one stored `LogRecord` (a sample-log record or a metric_inbox row) into a loading
    /// index and head; its new series are saved by the next checkpoint.
    private static func replay(_ body: [UInt8], into ix: inout Index, _ h: inout HeadState) throws {
        let (newSeries, receivedAt, entries) = try LogRecord.decode(body)
        for (id, key) in newSeries where ix.keys.count <= Int(id) || ix.keys[Int(id)] == nil {
            ix.register(id, key)
            ix.unsaved.append(id)
        }
        for e in entries {
            h.head.apply(series: e.series, timestamp: e.timestamp, highResolution: e.highResolution, cell: e.cell, receivedAt: receivedAt)
        }
    }

    // MARK: Writing

    public func append(_ batch: MetricBatch) async throws {
        guard batch.count > 0 else { return }
        let receivedAt = Int64(clock.now().timeIntervalSince1970)
        let (ids, newSeries) = resolve(batch)
        let commit: @Sendable (Int64) -> Void = { [self] seq in
            apply(batch, ids: ids, newSeries: newSeries, receivedAt: receivedAt, logSeq: seq, inboxID: nil)
        }
        if let log {
            _ = try await log.append(LogRecord.encode(newSeries: newSeries, batch: batch, ids: ids, receivedAt: receivedAt), afterCommit: commit)
        } else {
            commit(0)
        }
    }

    /// Writes samples inside another store's transaction (PutLogEvents' metric filters), so
    /// they commit or roll back with it: they go into `metric_inbox` instead of the sample log.
    /// Returns what to run after that transaction commits (on the writer queue, in commit
    /// order): it puts the samples into the head. The checkpoint that covers them deletes
    /// their inbox row; at start the remaining rows are replayed.
    func stage(_ db: Database, _ samples: [MetricSample]) throws -> (@Sendable () -> Void)? {
        let batches = MetricBatch.batches(samples).filter { $0.count > 0 }
        guard !batches.isEmpty else { return nil }
        let receivedAt = Int64(clock.now().timeIntervalSince1970)
        var staged: [(MetricBatch, [UInt32], [(UInt32, SeriesKey)], Int64)] = []
        let insert = try db.cachedStatement(sql: "INSERT INTO metric_inbox (body) VALUES (?)")
        for batch in batches {
            let (ids, newSeries) = resolve(batch)
            try insert.execute(arguments: [Data(LogRecord.encode(newSeries: newSeries, batch: batch, ids: ids, receivedAt: receivedAt))])
            staged.append((batch, ids, newSeries, db.lastInsertedRowID))
        }
        let ready = staged
        return { [self] in
            for (batch, ids, newSeries, inboxID) in ready {
                apply(batch, ids: ids, newSeries: newSeries, receivedAt: receivedAt, logSeq: nil, inboxID: inboxID)
            }
        }
    }

    /// The series ids of a batch's datums, handing out new ids (pending until committed).
    private func resolve(_ batch: MetricBatch) -> (ids: [UInt32], newSeries: [(UInt32, SeriesKey)]) {
        let outer = Index.Outer(scope: batch.scope, namespace: batch.namespace)
        return index.withLock { ix -> ([UInt32], [(UInt32, SeriesKey)]) in
            var ids = [UInt32]()
            ids.reserveCapacity(batch.count)
            var newSeries: [(UInt32, SeriesKey)] = []
            let known = ix.byHash[outer]
            for i in 0..<batch.count {
                let key = batch.key(i)
                if let id = known?[batch.keyHashes[i]], ix.canonical[Int(id)].elementsEqual(key) {
                    ids.append(id)
                    continue
                }
                if let id = ix.collisions[outer]?[Array(key)] {
                    ids.append(id)
                    continue
                }
                if let id = ix.pending[outer]?[Array(key)] {
                    ids.append(id)
                    if !newSeries.contains(where: { $0.0 == id }) { newSeries.append((id, batch.seriesKey(i))) }
                    continue
                }
                let id = ix.nextID
                ix.nextID += 1
                ix.pending[outer, default: [:]][Array(key)] = id
                ids.append(id)
                newSeries.append((id, batch.seriesKey(i)))
            }
            return (ids, newSeries)
        }
    }

    /// Puts a committed batch into the index and the head (beside it while its window seals).
    private func apply(_ batch: MetricBatch, ids: [UInt32], newSeries: [(UInt32, SeriesKey)], receivedAt: Int64,
                       logSeq: Int64?, inboxID: Int64?) {
        if !newSeries.isEmpty {
            let outer = Index.Outer(scope: batch.scope, namespace: batch.namespace)
            index.withLock { ix in
                for (id, key) in newSeries where ix.keys.count <= Int(id) || ix.keys[Int(id)] == nil {
                    ix.register(id, key)
                    ix.unsaved.append(id)
                    ix.pending[outer]?[MetricBatch.canonicalKey(key)] = nil
                }
            }
        }
        let large = state.withLock { s -> Bool in
            if s.sealing.isEmpty || !touchesSealing(batch, ids: ids, s.sealing) {
                s.head.apply(batch, ids: ids, receivedAt: receivedAt)
            } else {
                s.late.append((batch, ids, receivedAt))
            }
            if let logSeq { s.head.appliedSeq = max(s.head.appliedSeq, logSeq) }
            if let inboxID { s.appliedInbox = max(s.appliedInbox, inboxID) }
            return s.head.cellCount > Self.earlyCheckpointCells
        }
        if large { checkpointWakeup.signal() }
    }

    /// True when a datum of the batch falls in a window being sealed.
    private func touchesSealing(_ batch: MetricBatch, ids: [UInt32], _ sealing: Set<SealKey>) -> Bool {
        for i in 0..<batch.count {
            let w = floorDiv(batch.timestamps[i], MetricStoreLayout.headWindow) * MetricStoreLayout.headWindow
            if sealing.contains(SealKey(series: ids[i], resolution: 60, window: w)) ||
                (batch.highResolution[i] && sealing.contains(SealKey(series: ids[i], resolution: 1, window: w))) {
                return true
            }
        }
        return false
    }

    // MARK: Reading

    public func series(in scope: ResourceScope, namespace: String?, metricName: String?) async throws -> [SeriesInfo] {
        let keys = index.withLock { ix in
            (ix.byScope[scope] ?? []).compactMap { id -> (UInt32, SeriesKey)? in
                guard let key = ix.keys[Int(id)] else { return nil }
                if let namespace, key.metric.namespace != namespace { return nil }
                if let metricName, key.metric.metricName != metricName { return nil }
                return (id, key)
            }
        }
        return state.withLock { s in
            keys.map { id, key in
                let i = Int(id)
                let known = i < s.head.lastTimestamp.count
                return SeriesInfo(id: id, key: key, lastTimestamp: known ? s.head.lastTimestamp[i] : .min,
                                  lastReceived: known ? s.head.lastReceived[i] : .min)
            }
        }
    }

    public func cells(_ series: [UInt32], start: Int64, end: Int64, resolution: Int) async throws -> [CellColumns] {
        let now = Int64(clock.now().timeIntervalSince1970)
        // The tiers to read: 1-second cells for sub-minute periods (a series without any
        // answers its minute cells), else every tier no coarser than the period.
        let tiers: [Int] = resolution < 60 ? [1] : MetricResolution.allCases.map(\.rawValue).filter { $0 >= 60 && $0 <= max(60, resolution) }
        // Older than retention is never answered: 3 hours for sub-minute periods, else 455 days.
        let oldest = now - (resolution < 60 ? MetricResolution.oneSecond.retention : MetricResolution.oneHour.retention)
        let from = max(start, oldest)
        guard from < end else { return series.map { _ in CellColumns() } }
        // Minute cells are answered for 15 days; past that a minute period has no data, while a
        // coarser one aggregates them (rolled up to 5 minutes or not yet).
        let floors: [Int: Int64] = resolution < 300 ? [60: now - MetricResolution.oneMinute.retention] : [:]
        // The head only holds 1-second and minute cells.
        let headTiers = tiers.filter { $0 == 1 || $0 == 60 }
        while true {
            // The head is read before the chunks; a checkpoint moving cells from one to the
            // other in between bumps the epoch, and the read is retried.
            let (epoch, head) = state.withLock { s in
                (s.epoch, series.map { id -> CellColumns in
                    var c = CellColumns()
                    for t in headTiers { s.head.cells(series: id, resolution: t, start: max(from, floors[t] ?? from), end: end, into: &c) }
                    return c
                })
            }
            let stored = try await db.read { db in try Self.readChunks(db, series: series, tiers: tiers, start: from, end: end, floors: floors) }
            guard state.withLock({ $0.epoch }) == epoch else { continue }
            var out: [CellColumns] = []
            out.reserveCapacity(series.count)
            for i in series.indices {
                var merged = stored[i]
                merged.append(contentsOf: head[i])
                merged = merged.normalized()
                if resolution < 60 && merged.isEmpty, try await !hasSecondCells(series[i], since: oldest) {
                    // A standard-resolution series answers its minute cells.
                    merged = try await cells([series[i]], start: start, end: end, resolution: 60)[0]
                }
                out.append(merged)
            }
            return out
        }
    }

    /// Whether the series has 1-second cells from `since` on: it is high resolution, and a
    /// sub-minute read of it never falls back to its minute cells (which would answer data
    /// from outside the range the caller asked for).
    func hasSecondCells(_ id: UInt32, since: Int64) async throws -> Bool {
        let inHead = state.withLock { s -> Bool in
            var c = CellColumns()
            s.head.cells(series: id, resolution: 1, start: since, end: .max, into: &c)
            return !c.isEmpty
        }
        if inHead { return true }
        return try await db.read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM metric_chunks WHERE series = ? AND resolution = 1 AND window_end > ? LIMIT 1",
                              arguments: [Int64(id), since]) ?? false
        }
    }

    /// Cells of `tiers` in [start, end); a tier in `floors` from that bucket on only.
    static func readChunks(_ db: Database, series: [UInt32], tiers: [Int], start: Int64, end: Int64,
                           floors: [Int: Int64] = [:]) throws -> [CellColumns] {
        let statement = try db.cachedStatement(sql: """
            SELECT window_start, body FROM metric_chunks
            WHERE series = ? AND resolution = ? AND window_start > ? AND window_start < ? AND window_end > ?
            """)
        var out: [CellColumns] = []
        out.reserveCapacity(series.count)
        for id in series {
            var cells = CellColumns()
            for tier in tiers {
                let start = max(start, floors[tier] ?? start)
                guard start < end else { continue }
                let rows = try Row.fetchCursor(statement, arguments: [Int64(id), tier, start - MetricStoreLayout.maxWindow - 1, end, start])
                while let row = try rows.next() {
                    let body: Data = row[1]
                    try CellBlock.decode([UInt8](body), windowStart: row[0], resolution: Int64(tier), start: start, end: end, into: &cells)
                }
            }
            out.append(cells)
        }
        return out
    }

    // MARK: Reset

    public func reset() async throws {
        _ = try await db.writer.write(exclusive: true, { db in
            for t in ["metric_series", "metric_chunks", "metric_head", "metric_inbox"] { try db.execute(sql: "DELETE FROM \(t)") }
            return true
        }, afterCommit: { [self] _ in
            log?.removeAll()
            index.withLock { $0 = Index() }
            state.withLock { s in
                let epoch = s.epoch
                s = HeadState()
                s.epoch = epoch + 1
            }
        })
    }
}
