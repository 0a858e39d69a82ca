import Foundation
import GRDB
import Runtime
public import Storage
import StorageEngine
import Synchronization
public import TrailwatchCore

/// `LogStore` on the embedded database.
///
/// Groups and streams live in tables and, for every read, in an in-memory catalog. Events live
/// in `log_blocks`: each PutLogEvents is one raw block (one row, one group commit); `seal`
/// later merges a stream's settled raw blocks into compressed ones, and reads merge every
/// block of the range in position order.
public final class SQLiteLogStore: LogStore, StateReset, StoreMaintenance, Sendable {
    let db: SQLiteDatabase
    let clock: any WallClock
    /// Where the samples an append derives are committed with its events (nil: dropped).
    let metrics: SQLiteMetricStore?
    let catalog = Mutex(Catalog())
    /// One seal at a time (the background job and an operator's maintenance).
    let sealing = AsyncLock()
    /// Events sealed into one block at most.
    static let blockEvents = 8192

    struct Catalog {
        var groups: [Int64: LogGroupRecord] = [:]
        var groupIDs: [GroupKey: Int64] = [:]
        var streams: [Int64: LogStreamRecord] = [:]
        var streamIDs: [StreamKey: Int64] = [:]
        var nextSeq: Int64 = 1
        /// Streams being scanned, with how many scans: sealing leaves them alone meanwhile.
        var scanning: [Int64: Int] = [:]

        /// Per stream, the oldest timestamp its group's retention keeps at `now` (Int64.min without retention).
        func retentionCutoffs(_ streamIDs: [Int64], now: Int64) -> [Int64: Int64] {
            Dictionary(streamIDs.map { id -> (Int64, Int64) in
                let days = streams[id].flatMap { groups[$0.groupID]?.retentionDays }
                return (id, days.map { now - Int64($0) * 86_400_000 } ?? Int64.min)
            }, uniquingKeysWith: { a, _ in a })
        }

        mutating func add(_ g: LogGroupRecord) {
            groups[g.id] = g
            groupIDs[GroupKey(scope: g.scope, name: g.name)] = g.id
        }

        mutating func add(_ s: LogStreamRecord) {
            streams[s.id] = s
            streamIDs[StreamKey(group: s.groupID, name: s.name)] = s.id
        }

        mutating func removeStream(_ id: Int64) {
            guard let s = streams.removeValue(forKey: id) else { return }
            streamIDs[StreamKey(group: s.groupID, name: s.name)] = nil
        }

        func groupWithBytes(_ id: Int64) -> LogGroupRecord? {
            guard var g = groups[id] else { return nil }
            g.storedBytes = streams.values.reduce(0) { $1.groupID == id ? $0 + $1.storedBytes : $0 }
            return g
        }
    }

    struct GroupKey: Hashable {
        let scope: ResourceScope
        let name: String
    }

    struct StreamKey: Hashable {
        let group: Int64
        let name: String
    }

    public init(_ db: SQLiteDatabase, clock: any WallClock, metrics: SQLiteMetricStore? = nil) throws {
        self.db = db
        self.clock = clock
        self.metrics = metrics
        let loaded = try db.dbWriter.read { db -> Catalog in
            var c = Catalog()
            for row in try Row.fetchAll(db, sql: "SELECT * FROM log_groups") {
                c.add(LogGroupRecord(id: row["id"], scope: ResourceScope(accountId: row["account"], region: row["region"]),
                                     name: row["name"], createdAt: row["created"], retentionDays: row["retention_days"],
                                     kmsKeyId: row["kms_key"], logGroupClass: row["class"]))
            }
            for row in try Row.fetchAll(db, sql: "SELECT * FROM log_streams") {
                c.add(LogStreamRecord(id: row["id"], groupID: row["group_id"], name: row["name"], createdAt: row["created"],
                                      firstEventTimestamp: row["first_event"], lastEventTimestamp: row["last_event"],
                                      lastIngestionTime: row["last_ingestion"], storedBytes: row["stored_bytes"]))
            }
            let top = try Int64.fetchOne(db, sql: "SELECT max(last_seq) FROM log_blocks") ?? 0
            c.nextSeq = top + 1
            return c
        }
        catalog.withLock { $0 = loaded }
    }

    public func reset() async throws {
        catalog.withLock { $0 = Catalog() }
    }

    // MARK: Groups

    public func createGroup(_ group: LogGroupRecord) async throws -> Bool {
        let stored = try await db.writer.write({ db -> LogGroupRecord? in
            let id = try SQLiteDatabase.nextID(db, "log_groups")
            try db.execute(sql: """
                INSERT OR IGNORE INTO log_groups (id, account, region, name, created, retention_days, kms_key, class)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [id, group.scope.accountId, group.scope.region, group.name, group.createdAt, group.retentionDays,
                                 group.kmsKeyId, group.logGroupClass])
            guard db.changesCount > 0 else { return nil }
            var g = group
            g.id = id
            return g
        }, afterCommit: { [self] g in if let g { catalog.withLock { $0.add(g) } } })
        return stored != nil
    }

    public func group(scope: ResourceScope, name: String) async throws -> LogGroupRecord? {
        catalog.withLock { c in c.groupIDs[GroupKey(scope: scope, name: name)].flatMap { c.groupWithBytes($0) } }
    }

    public func groups(scope: ResourceScope) async throws -> [LogGroupRecord] {
        catalog.withLock { c in
            c.groups.values.filter { $0.scope == scope }.compactMap { c.groupWithBytes($0.id) }
        }.sorted { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }
    }

    public func deleteGroup(scope: ResourceScope, name: String) async throws -> Bool {
        guard let id = catalog.withLock({ $0.groupIDs[GroupKey(scope: scope, name: name)] }) else { return false }
        let deleted = try await db.writer.write({ db -> Bool in
            try db.execute(sql: "DELETE FROM log_blocks WHERE stream IN (SELECT id FROM log_streams WHERE group_id = ?)", arguments: [id])
            try db.execute(sql: "DELETE FROM log_streams WHERE group_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM log_groups WHERE id = ?", arguments: [id])
            return db.changesCount > 0
        }, afterCommit: { [self] deleted in
            guard deleted else { return }
            catalog.withLock { c in
                guard let g = c.groups.removeValue(forKey: id) else { return }
                c.groupIDs[GroupKey(scope: g.scope, name: g.name)] = nil
                for s in c.streams.values where s.groupID == id { c.removeStream(s.id) }
            }
        })
        return deleted
    }

    public func setRetention(groupID: Int64, days: Int?) async throws {
        _ = try await db.writer.write({ db in
            try db.execute(sql: "UPDATE log_groups SET retention_days = ? WHERE id = ?", arguments: [days, groupID])
            return true
        }, afterCommit: { [self] _ in catalog.withLock { $0.groups[groupID]?.retentionDays = days } })
    }

    public func setKmsKey(groupID: Int64, keyId: String?) async throws {
        _ = try await db.writer.write({ db in
            try db.execute(sql: "UPDATE log_groups SET kms_key = ? WHERE id = ?", arguments: [keyId, groupID])
            return true
        }, afterCommit: { [self] _ in catalog.withLock { $0.groups[groupID]?.kmsKeyId = keyId } })
    }

    // MARK: Streams

    public func createStream(_ stream: LogStreamRecord) async throws -> Bool {
        let stored = try await db.writer.write({ db -> LogStreamRecord? in
            let id = try SQLiteDatabase.nextID(db, "log_streams")
            try db.execute(sql: """
                INSERT OR IGNORE INTO log_streams (id, group_id, name, created, stored_bytes) VALUES (?, ?, ?, ?, 0)
                """, arguments: [id, stream.groupID, stream.name, stream.createdAt])
            guard db.changesCount > 0 else { return nil }
            var s = stream
            s.id = id
            return s
        }, afterCommit: { [self] s in if let s { catalog.withLock { $0.add(s) } } })
        return stored != nil
    }

    public func stream(groupID: Int64, name: String) async throws -> LogStreamRecord? {
        catalog.withLock { c in c.streamIDs[StreamKey(group: groupID, name: name)].flatMap { c.streams[$0] } }
    }

    public func streams(groupID: Int64) async throws -> [LogStreamRecord] {
        catalog.withLock { c in c.streams.values.filter { $0.groupID == groupID } }
            .sorted { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }
    }

    public func deleteStream(groupID: Int64, name: String) async throws -> Bool {
        guard let id = catalog.withLock({ $0.streamIDs[StreamKey(group: groupID, name: name)] }) else { return false }
        let deleted = try await db.writer.write({ db -> Bool in
            try db.execute(sql: "DELETE FROM log_blocks WHERE stream = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM log_streams WHERE id = ?", arguments: [id])
            return db.changesCount > 0
        }, afterCommit: { [self] deleted in if deleted { catalog.withLock { $0.removeStream(id) } } })
        return deleted
    }

    // MARK: Events

    public func append(streamID: Int64, events: [(timestamp: Int64, message: String)], ingestionTime: Int64,
                       derived: [MetricSample]) async throws -> [LogEventRecord] {
        guard !events.isEmpty else { return [] }
        let metrics = derived.isEmpty ? nil : self.metrics
        let block = try await db.writer.write({ [self] db -> (records: [LogEventRecord], bytes: Int64, first: Int64, last: Int64,
                                                             samples: (@Sendable () -> Void)?) in
            // Sequence numbers are taken on the writer queue, so they follow commit order.
            let first = catalog.withLock { c -> Int64 in
                let s = c.nextSeq
                c.nextSeq += Int64(events.count)
                return s
            }
            let records = events.enumerated().map { i, e in
                LogEventRecord(streamID: streamID, timestamp: e.timestamp, seq: first + Int64(i), ingestionTime: ingestionTime, message: e.message)
            }
            let (bytes, lo, hi) = try Self.insertBlock(db, stream: streamID, records, .raw)
            try db.execute(sql: """
                UPDATE log_streams SET first_event = min(coalesce(first_event, ?), ?), last_event = max(coalesce(last_event, ?), ?),
                    last_ingestion = ?, stored_bytes = stored_bytes + ? WHERE id = ?
                """, arguments: [lo, lo, hi, hi, ingestionTime, bytes, streamID])
            // The derived samples commit (or roll back) with the events.
            let samples = try metrics?.stage(db, derived)
            return (records, bytes, lo, hi, samples)
        }, afterCommit: { [self] block in
            block.samples?()
            catalog.withLock { c in
                guard var s = c.streams[streamID] else { return }
                s.firstEventTimestamp = min(s.firstEventTimestamp ?? block.first, block.first)
                s.lastEventTimestamp = max(s.lastEventTimestamp ?? block.last, block.last)
                s.storedBytes += block.bytes
                s.lastIngestionTime = ingestionTime
                c.streams[streamID] = s
            }
        })
        return block.records
    }

    public func events(_ query: LogEventQuery, now: Int64, filter: (@Sendable (LogEventRecord) -> Bool)?) async throws -> [LogEventRecord] {
        guard !query.streamIDs.isEmpty, query.limit > 0 else { return [] }
        // Retention: nothing older than the group's cutoff is ever answered.
        let cutoffs = catalog.withLock { $0.retentionCutoffs(query.streamIDs, now: now) }
        let lower = max(query.start ?? Int64.min, cutoffs.values.min() ?? Int64.min)
        let upper = query.end ?? Int64.max
        // A page that resumes after a position needs no block that ends before it (forward) or
        // starts after it (backward): without this every page decoded every block from the
        // range's start again, and paging through n events cost n² / limit.
        let after = query.after?.timestamp
        let blockLower = query.forward ? max(lower, after ?? lower) : lower
        let blockUpper = query.forward ? upper : min(upper, after.map { $0 &+ 1 } ?? upper)
        let q = query
        return try await db.read { db -> [LogEventRecord] in
            let ids = q.streamIDs.map(String.init).joined(separator: ",")
            func accept(_ e: LogEventRecord) -> Bool {
                guard e.timestamp >= lower, e.timestamp < upper, e.timestamp >= cutoffs[e.streamID] ?? .min else { return false }
                if let after = q.after, q.forward ? !(after < e.position) : !(e.position < after) { return false }
                return filter?(e) ?? true
            }
            func before(_ a: LogEventRecord, _ b: LogEventRecord) -> Bool { q.forward ? a.position < b.position : b.position < a.position }
            // The blocks overlapping the range, nearest first (sorted by SQLite from the index,
            // read one at a time); a block's body is read only while it can still hold an event
            // ahead of the `limit`-th found.
            let blocks = try Row.fetchCursor(db, sql: """
                SELECT id, stream, first_ts, last_ts, format FROM log_blocks
                WHERE stream IN (\(ids)) AND last_ts >= ? AND first_ts < ?
                ORDER BY \(q.forward ? "first_ts" : "last_ts DESC")
                """, arguments: [blockLower, blockUpper])
            let body = try db.cachedStatement(sql: "SELECT body FROM log_blocks WHERE id = ?")
            var out: [LogEventRecord] = []
            while let row = try blocks.next() {
                let id: Int64 = row[0], stream: Int64 = row[1], first: Int64 = row[2], last: Int64 = row[3]
                let format = LogBlock.Format(rawValue: row[4]) ?? .sealed
                if out.count >= q.limit, let edge = out.last?.timestamp {
                    if q.forward ? first > edge : last < edge { break }
                }
                guard let bytes = try Data.fetchOne(body, arguments: [id]) else { continue }
                for e in try LogBlock.decode([UInt8](bytes), format, streamID: stream) where accept(e) { out.append(e) }
                if out.count >= q.limit {
                    out.sort(by: before)
                    out.removeLast(out.count - q.limit)
                }
            }
            out.sort(by: before)
            return out
        }
    }

    /// A scan reads its block list once, then each block in its own read, so a long query
    /// never holds the connection (in memory there is only one) and writers go on. Sealing
    /// skips the streams being scanned: the scan registers them, then passes a barrier
    /// through the writer queue, so a seal that had already passed that check has committed
    /// before the list is read. A listed block that is gone was deleted (or expired) since.
    public func scan(streamIDs: [Int64], start: Int64?, end: Int64?, now: Int64, shard: Int, of shards: Int, containing terms: [[UInt8]],
                     visit: @escaping @Sendable ([LogEventRecord]) throws -> Bool) async throws -> LogScanSkipped {
        var skipped = LogScanSkipped()
        guard !streamIDs.isEmpty, shards >= 1, (0..<shards).contains(shard) else { return skipped }
        let cutoffs = catalog.withLock { c in
            for id in streamIDs { c.scanning[id, default: 0] += 1 }
            return c.retentionCutoffs(streamIDs, now: now)
        }
        defer {
            catalog.withLock { c in
                for id in streamIDs {
                    c.scanning[id, default: 1] -= 1
                    if c.scanning[id] == 0 { c.scanning[id] = nil }
                }
            }
        }
        try await db.writer.write { _ in }
        let lower = max(start ?? Int64.min, cutoffs.values.min() ?? Int64.min), upper = end ?? Int64.max
        let ids = streamIDs.map(String.init).joined(separator: ",")
        let listed = try await db.read { db in
            try Row.fetchAll(db, sql: """
                SELECT id, stream, count, raw_bytes, \(terms.isEmpty ? "NULL" : "grams") FROM log_blocks
                WHERE stream IN (\(ids)) AND last_ts >= ? AND first_ts < ? AND id % ? = ? ORDER BY id
                """, arguments: [lower, upper, shards, shard]).map {
                (id: $0[0] as Int64, stream: $0[1] as Int64, count: $0[2] as Int64, bytes: $0[3] as Int64, grams: ($0[4] as Data?).map { [UInt8]($0) })
            }
        }
        // Blocks whose trigram filter rules a term out hold no event the caller wants.
        let blocks = listed.filter { b in
            guard let grams = b.grams, terms.contains(where: { !TrigramFilter.mayContain(grams, $0) }) else { return true }
            skipped.events += b.count
            skipped.bytes += b.bytes
            return false
        }
        for block in blocks {
            let floor = max(lower, cutoffs[block.stream] ?? .min)
            let events = try await db.read { db -> [LogEventRecord] in
                guard let row = try Row.fetchOne(db, sql: "SELECT body, format FROM log_blocks WHERE id = ?", arguments: [block.id]) else { return [] }
                return try LogBlock.decode([UInt8](row[0] as Data), LogBlock.Format(rawValue: row[1]) ?? .sealed, streamID: block.stream)
                    .filter { $0.timestamp >= floor && $0.timestamp < upper }
            }
            if !events.isEmpty, try !visit(events) { return skipped }
        }
        return skipped
    }

    /// Migration v8: the rows of the old per-event table become raw blocks, per stream in
    /// position order, at most `blockEvents` each.
    static func moveRowsIntoRawBlocks(_ db: Database) throws {
        for stream in try Int64.fetchAll(db, sql: "SELECT DISTINCT stream FROM log_events") {
            let events = try Row.fetchAll(db, sql: "SELECT seq, ts, ingested, message FROM log_events WHERE stream = ? ORDER BY ts, seq",
                                          arguments: [stream]).map {
                LogEventRecord(streamID: stream, timestamp: $0["ts"], seq: $0["seq"], ingestionTime: $0["ingested"], message: $0["message"])
            }
            for start in stride(from: 0, to: events.count, by: blockEvents) {
                try insertBlock(db, stream: stream, Array(events[start..<min(start + blockEvents, events.count)]), .raw)
            }
        }
    }

    /// Inserts `events` as one block; returns their message bytes and time bounds.
    @discardableResult
    static func insertBlock(_ db: Database, stream: Int64, _ events: [LogEventRecord], _ format: LogBlock.Format,
                            body: [UInt8]? = nil, grams: [UInt8]? = nil) throws -> (bytes: Int64, first: Int64, last: Int64) {
        let bytes = events.reduce(Int64(0)) { $0 + Int64($1.message.utf8.count) }
        let first = events.lazy.map(\.timestamp).min()!, last = events.lazy.map(\.timestamp).max()!
        var arguments: StatementArguments = [stream, first, last, events.lazy.map(\.seq).max()!, events.count, bytes,
                                             Data(body ?? LogBlock.encode(events, format)), format.rawValue, events.lazy.map(\.ingestionTime).max()!]
        // Sealed blocks carry their trigram filter (built off the writer by `seal`, or here);
        // raw ones name no `grams` column, so migration v8 (before v12 added it) can insert them.
        if format.isSealed {
            arguments += [Data(grams ?? TrigramFilter.build(events.map(\.message)))]
            try db.cachedStatement(sql: """
                INSERT INTO log_blocks (stream, first_ts, last_ts, last_seq, count, raw_bytes, body, format, ingested, grams)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: arguments)
        } else {
            try db.cachedStatement(sql: """
                INSERT INTO log_blocks (stream, first_ts, last_ts, last_seq, count, raw_bytes, body, format, ingested)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: arguments)
        }
        return (bytes, first, last)
    }
}
