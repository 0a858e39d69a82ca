public import Foundation
import GRDB
public import Storage
import Synchronization
public import TrailwatchCore

/// `MetricStore` on the embedded database.
///
/// ```
/// append ─► resolve series ids ─► group commit: INSERT series rows + one metric_wal record
///        ─► afterCommit (writer queue, commit order): merge into the head
/// checkpoint (exclusive commit): closed hour windows of the head ─► metric_chunks parts,
///        open cells ─► metric_head snapshot, metric_wal ≤ applied seq deleted
/// maintain: compact closed days into one chunk, roll minute cells up to 5-minute and
///        hourly cells as they age, delete past retention (AWS's 3 h / 15 d / 63 d / 455 d)
/// start: series table, then the head snapshot, then every WAL record after it
/// ```
/// A sample is durable when `append` returns (its WAL record committed); it is in the head
/// from then on and in a chunk after the next checkpoint.
public final class SQLiteMetricStore: MetricStore, StateReset, Sendable {
    struct State {
        var head = MetricHead()
        var ids: [SeriesKey: UInt32] = [:]
        var infos: [UInt32: SeriesInfo] = [:]
        var byScope: [ResourceScope: [UInt32]] = [:]
        /// Ids handed out whose series rows may not be committed yet.
        var pending: [SeriesKey: UInt32] = [:]
        var nextID: UInt32 = 1
        /// Changes whenever head cells move into chunks (readers retry across it).
        var epoch: UInt64 = 0
        var checkpointing = false
    }

    let db: SQLiteDatabase
    let clock: any WallClock
    let state = Mutex(State())

    /// Opens the store: loads the series index and the head (snapshot, then WAL replay).
    public init(_ db: SQLiteDatabase, clock: any WallClock) throws {
        self.db = db
        self.clock = clock
        try load()
    }

    private func load() throws {
        let loaded = try db.dbWriter.read { db -> (State, Int) in
            var s = State()
            for row in try Row.fetchAll(db, sql: "SELECT * FROM metric_series") {
                let id = UInt32(row["id"] as Int64)
                let key = SeriesKey(
                    scope: ResourceScope(accountId: row["account"], region: row["region"]),
                    metric: MetricIdentity(namespace: row["namespace"], metricName: row["name"],
                                           dimensions: try DimensionCodec.decode([UInt8](row["dims"] as Data))),
                    unit: row["unit"])
                s.ids[key] = id
                s.infos[id] = SeriesInfo(id: id, key: key, lastTimestamp: row["last_ts"], lastReceived: row["last_received"])
                s.byScope[key.scope, default: []].append(id)
                s.nextID = max(s.nextID, id + 1)
            }
            if let snapshot = try Data.fetchOne(db, sql: "SELECT body FROM metric_head WHERE id = 1") {
                try HeadSnapshot.restore([UInt8](snapshot), into: &s.head)
            }
            var replayed = 0
            for row in try Row.fetchAll(db, sql: "SELECT seq, body FROM metric_wal ORDER BY seq") {
                let (receivedAt, entries) = try SampleLog.decode([UInt8](row["body"] as Data))
                for e in entries {
                    s.head.apply(series: e.series, timestamp: e.timestamp, highResolution: e.highResolution,
                                 cell: e.cell, receivedAt: receivedAt)
                    Self.noteSample(&s, series: e.series, timestamp: e.timestamp, receivedAt: receivedAt)
                }
                s.head.appliedSeq = row["seq"]
                replayed += 1
            }
            return (s, replayed)
        }
        state.withLock { $0 = loaded.0 }
    }

    private static func noteSample(_ s: inout State, series: UInt32, timestamp: Int64, receivedAt: Int64) {
        guard var info = s.infos[series] else { return }
        info.lastTimestamp = max(info.lastTimestamp, timestamp)
        info.lastReceived = max(info.lastReceived, receivedAt)
        s.infos[series] = info
    }

    // MARK: Writing

    public func append(_ samples: [MetricSample]) async throws {
        guard !samples.isEmpty else { return }
        let receivedAt = Int64(clock.now().timeIntervalSince1970)
        // Resolve ids in one pass under the lock; new series are inserted with the samples.
        let (entries, newSeries) = state.withLock { s -> ([SampleLog.Entry], [(UInt32, SeriesKey)]) in
            var entries = [SampleLog.Entry]()
            entries.reserveCapacity(samples.count)
            var newSeries: [(UInt32, SeriesKey)] = []
            var seenNew = Set<UInt32>()
            for sample in samples {
                let id: UInt32
                if let known = s.ids[sample.key] {
                    id = known
                } else {
                    if let p = s.pending[sample.key] {
                        id = p
                    } else {
                        id = s.nextID
                        s.nextID += 1
                        s.pending[sample.key] = id
                    }
                    if seenNew.insert(id).inserted { newSeries.append((id, sample.key)) }
                }
                entries.append(SampleLog.Entry(series: id, timestamp: sample.timestamp, highResolution: sample.highResolution, cell: sample.cell))
            }
            return (entries, newSeries)
        }
        let body = SampleLog.encode(entries, receivedAt: receivedAt)
        _ = try await db.writer.write({ db -> Int64 in
            for (id, key) in newSeries {
                try db.execute(sql: """
                    INSERT OR IGNORE INTO metric_series (id, account, region, namespace, name, dims, unit, last_ts, last_received)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [Int64(id), key.scope.accountId, key.scope.region, key.metric.namespace,
                                     key.metric.metricName, Data(DimensionCodec.encode(key.metric.dimensions)), key.unit,
                                     Int64.min, receivedAt])
            }
            try db.execute(sql: "INSERT INTO metric_wal (body) VALUES (?)", arguments: [Data(body)])
            return db.lastInsertedRowID
        }, afterCommit: { [self] seq in
            state.withLock { s in
                for (id, key) in newSeries where s.infos[id] == nil {
                    s.ids[key] = id
                    s.pending[key] = nil
                    s.infos[id] = SeriesInfo(id: id, key: key, lastTimestamp: .min, lastReceived: receivedAt)
                    s.byScope[key.scope, default: []].append(id)
                }
                for e in entries {
                    s.head.apply(series: e.series, timestamp: e.timestamp, highResolution: e.highResolution,
                                 cell: e.cell, receivedAt: receivedAt)
                    Self.noteSample(&s, series: e.series, timestamp: e.timestamp, receivedAt: receivedAt)
                }
                s.head.appliedSeq = max(s.head.appliedSeq, seq)
            }
        })
    }

    // MARK: Reading

    public func series(in scope: ResourceScope, namespace: String?, metricName: String?) async throws -> [SeriesInfo] {
        state.withLock { s in
            (s.byScope[scope] ?? []).compactMap { id -> SeriesInfo? in
                guard let info = s.infos[id] else { return nil }
                if let namespace, info.key.metric.namespace != namespace { return nil }
                if let metricName, info.key.metric.metricName != metricName { return nil }
                return info
            }
        }
    }

    public func cells(_ series: [UInt32], start: Int64, end: Int64, resolution: Int) async throws -> [[(bucket: Int64, cell: MetricCell)]] {
        let now = Int64(clock.now().timeIntervalSince1970)
        // Tiers to read: the 1-second cells for sub-minute periods (falling back to minute cells
        // for series that have none), else every tier no coarser than the period.
        let tiers: [Int] = resolution < 60 ? [1] : MetricResolution.allCases.map(\.rawValue).filter { $0 >= 60 && $0 <= max(60, resolution) }
        // The head only holds 1-second and minute cells.
        let headTiers = tiers.filter { $0 == 1 || $0 == 60 }
        while true {
            let (epoch, busy, head) = state.withLock { s in
                (s.epoch, s.checkpointing, series.map { id in
                    headTiers.flatMap { s.head.cells(series: id, resolution: $0, start: start, end: end) }
                })
            }
            if busy {
                try await Task.sleep(nanoseconds: 1_000_000)
                continue
            }
            let stored = try await db.read { db in try Self.readChunks(db, series: series, tiers: tiers, start: start, end: end) }
            let (epochAfter, busyAfter) = state.withLock { ($0.epoch, $0.checkpointing) }
            guard epochAfter == epoch && !busyAfter else { continue }
            var out: [[(bucket: Int64, cell: MetricCell)]] = []
            out.reserveCapacity(series.count)
            for i in series.indices {
                var merged = Self.merge(head[i] + stored[i])
                if resolution < 60 {
                    if merged.isEmpty {
                        // A standard-resolution series answers its minute cells.
                        merged = try await cells([series[i]], start: start, end: end, resolution: 60)[0]
                    } else {
                        // Sub-minute periods are answered for 3 hours.
                        merged.removeAll { $0.bucket < now - MetricResolution.oneSecond.retention }
                    }
                }
                merged.removeAll { $0.bucket < now - MetricResolution.oneHour.retention }
                out.append(merged)
            }
            return out
        }
    }

    static func merge(_ cells: [(bucket: Int64, cell: MetricCell)]) -> [(bucket: Int64, cell: MetricCell)] {
        guard cells.count > 1 else { return cells }
        let sorted = cells.sorted { $0.bucket < $1.bucket }
        var out: [(bucket: Int64, cell: MetricCell)] = []
        out.reserveCapacity(sorted.count)
        for c in sorted {
            if let last = out.last, last.bucket == c.bucket {
                out[out.count - 1].cell.merge(c.cell)
            } else {
                out.append(c)
            }
        }
        return out
    }

    static func readChunks(_ db: Database, series: [UInt32], tiers: [Int], start: Int64, end: Int64) throws -> [[(bucket: Int64, cell: MetricCell)]] {
        let statement = try db.cachedStatement(sql: """
            SELECT window_start, body FROM metric_chunks
            WHERE series = ? AND resolution = ? AND window_start > ? AND window_start < ? AND window_end > ?
            """)
        var out: [[(bucket: Int64, cell: MetricCell)]] = []
        for id in series {
            var cells: [(bucket: Int64, cell: MetricCell)] = []
            for tier in tiers {
                let rows = try Row.fetchCursor(statement, arguments: [Int64(id), tier, start - MetricStoreLayout.maxWindow - 1, end, start])
                while let row = try rows.next() {
                    let decoded = try CellBlock.decode([UInt8](row["body"] as Data), windowStart: row["window_start"], resolution: Int64(tier))
                    for c in decoded where c.bucket >= start && c.bucket < end { cells.append(c) }
                }
            }
            out.append(cells)
        }
        return out
    }

    // MARK: Reset

    public func reset() async throws {
        _ = try await db.writer.write(exclusive: true, { db in
            for t in ["metric_series", "metric_wal", "metric_chunks", "metric_head"] { try db.execute(sql: "DELETE FROM \(t)") }
            return true
        }, afterCommit: { [self] _ in
            state.withLock { s in
                let epoch = s.epoch
                s = State()
                s.epoch = epoch + 1
            }
        })
    }
}
