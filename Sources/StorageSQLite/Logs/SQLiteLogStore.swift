import Foundation
import GRDB
public import Storage
import Synchronization
public import TrailwatchCore

/// `LogStore` on the embedded database.
///
/// Groups and streams live in tables and, for every read, in an in-memory catalog. New events
/// are rows of `log_events` (one transaction per PutLogEvents, through the group-commit
/// writer); `seal` later moves each stream's settled rows into compressed `log_blocks`, and
/// reads merge both in position order.
public final class SQLiteLogStore: LogStore, StateReset, StoreMaintenance, Sendable {
    let db: SQLiteDatabase
    let clock: any WallClock
    let catalog = Mutex(Catalog())
    /// Events sealed into one block at most.
    static let blockEvents = 8192

    struct Catalog {
        var groups: [Int64: LogGroupRecord] = [:]
        var groupIDs: [GroupKey: Int64] = [:]
        var streams: [Int64: LogStreamRecord] = [:]
        var streamIDs: [StreamKey: Int64] = [:]
        var nextSeq: Int64 = 1

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

    public init(_ db: SQLiteDatabase, clock: any WallClock) throws {
        self.db = db
        self.clock = clock
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
            let top = try Int64.fetchOne(db, sql: "SELECT max(m) FROM (SELECT max(seq) AS m FROM log_events UNION ALL SELECT max(last_seq) FROM log_blocks)") ?? 0
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
            try db.execute(sql: """
                INSERT OR IGNORE INTO log_groups (account, region, name, created, retention_days, kms_key, class)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [group.scope.accountId, group.scope.region, group.name, group.createdAt, group.retentionDays,
                                 group.kmsKeyId, group.logGroupClass])
            guard db.changesCount > 0 else { return nil }
            var g = group
            g.id = db.lastInsertedRowID
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
            try db.execute(sql: "DELETE FROM log_events WHERE stream IN (SELECT id FROM log_streams WHERE group_id = ?)", arguments: [id])
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
            try db.execute(sql: """
                INSERT OR IGNORE INTO log_streams (group_id, name, created, stored_bytes) VALUES (?, ?, ?, 0)
                """, arguments: [stream.groupID, stream.name, stream.createdAt])
            guard db.changesCount > 0 else { return nil }
            var s = stream
            s.id = db.lastInsertedRowID
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
            try db.execute(sql: "DELETE FROM log_events WHERE stream = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM log_blocks WHERE stream = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM log_streams WHERE id = ?", arguments: [id])
            return db.changesCount > 0
        }, afterCommit: { [self] deleted in if deleted { catalog.withLock { $0.removeStream(id) } } })
        return deleted
    }

    // MARK: Events

    public func append(streamID: Int64, events: [(timestamp: Int64, message: String)], ingestionTime: Int64) async throws -> [LogEventRecord] {
        guard !events.isEmpty else { return [] }
        return try await db.writer.write({ [self] db -> [LogEventRecord] in
            // Sequence numbers are taken on the writer queue, so they follow commit order.
            let first = catalog.withLock { c -> Int64 in
                let s = c.nextSeq
                c.nextSeq += Int64(events.count)
                return s
            }
            let insert = try db.cachedStatement(sql: "INSERT INTO log_events (seq, stream, ts, ingested, message) VALUES (?, ?, ?, ?, ?)")
            var records: [LogEventRecord] = []
            records.reserveCapacity(events.count)
            var bytes: Int64 = 0
            var lo = Int64.max, hi = Int64.min
            for (i, e) in events.enumerated() {
                let r = LogEventRecord(streamID: streamID, timestamp: e.timestamp, seq: first + Int64(i), ingestionTime: ingestionTime, message: e.message)
                try insert.execute(arguments: [r.seq, streamID, r.timestamp, ingestionTime, r.message])
                bytes += Int64(e.message.utf8.count)
                lo = min(lo, e.timestamp)
                hi = max(hi, e.timestamp)
                records.append(r)
            }
            try db.execute(sql: """
                UPDATE log_streams SET first_event = min(coalesce(first_event, ?), ?), last_event = max(coalesce(last_event, ?), ?),
                    last_ingestion = ?, stored_bytes = stored_bytes + ? WHERE id = ?
                """, arguments: [lo, lo, hi, hi, ingestionTime, bytes, streamID])
            return records
        }, afterCommit: { [self] records in
            catalog.withLock { c in
                guard var s = c.streams[streamID] else { return }
                for r in records {
                    s.firstEventTimestamp = min(s.firstEventTimestamp ?? r.timestamp, r.timestamp)
                    s.lastEventTimestamp = max(s.lastEventTimestamp ?? r.timestamp, r.timestamp)
                    s.storedBytes += Int64(r.message.utf8.count)
                }
                s.lastIngestionTime = ingestionTime
                c.streams[streamID] = s
            }
        })
    }

    public func events(_ query: LogEventQuery, now: Int64, filter: (@Sendable (LogEventRecord) -> Bool)?) async throws -> [LogEventRecord] {
        guard !query.streamIDs.isEmpty, query.limit > 0 else { return [] }
        // Retention: nothing older than the group's cutoff is ever answered.
        let cutoffs = catalog.withLock { c in
            Dictionary(uniqueKeysWithValues: query.streamIDs.map { id -> (Int64, Int64) in
                let days = c.streams[id].flatMap { c.groups[$0.groupID]?.retentionDays }
                return (id, days.map { now - Int64($0) * 86_400_000 } ?? Int64.min)
            })
        }
        let lower = max(query.start ?? Int64.min, cutoffs.values.min() ?? Int64.min)
        let upper = query.end ?? Int64.max
        let q = query
        return try await db.read { db -> [LogEventRecord] in
            let ids = q.streamIDs.map(String.init).joined(separator: ",")
            func accept(_ e: LogEventRecord) -> Bool {
                guard e.timestamp >= lower, e.timestamp < upper, e.timestamp >= cutoffs[e.streamID] ?? .min else { return false }
                if let after = q.after, q.forward ? !(after < e.position) : !(e.position < after) { return false }
                return filter?(e) ?? true
            }
            // Unsealed rows, in order, until `limit` accepted.
            var out: [LogEventRecord] = []
            let order = q.forward ? "ASC" : "DESC"
            var args: [any DatabaseValueConvertible] = [lower, upper]
            var resume = ""
            if let after = q.after {
                resume = q.forward ? " AND (ts, seq) > (?, ?)" : " AND (ts, seq) < (?, ?)"
                args += [after.timestamp, after.seq]
            }
            let rows = try Row.fetchCursor(db, sql: """
                SELECT seq, stream, ts, ingested, message FROM log_events
                WHERE stream IN (\(ids)) AND ts >= ? AND ts < ?\(resume) ORDER BY ts \(order), seq \(order)
                """, arguments: StatementArguments(args))
            while let row = try rows.next() {
                let e = LogEventRecord(streamID: row["stream"], timestamp: row["ts"], seq: row["seq"], ingestionTime: row["ingested"], message: row["message"])
                if accept(e) {
                    out.append(e)
                    if out.count >= q.limit { break }
                }
            }
            // Sealed blocks overlapping the range, nearest first; stop once no block can
            // hold an event ahead of the `limit`-th found.
            let blocks = try Row.fetchAll(db, sql: """
                SELECT stream, first_ts, last_ts, body FROM log_blocks
                WHERE stream IN (\(ids)) AND last_ts >= ? AND first_ts < ?
                """, arguments: [lower, upper])
            let ordered = q.forward ? blocks.sorted { ($0["first_ts"] as Int64) < ($1["first_ts"] as Int64) }
                                    : blocks.sorted { ($0["last_ts"] as Int64) > ($1["last_ts"] as Int64) }
            func sortOut() { out.sort { q.forward ? $0.position < $1.position : $1.position < $0.position } }
            sortOut()
            for block in ordered {
                if out.count >= q.limit, let edge = out.last?.timestamp {
                    if q.forward ? (block["first_ts"] as Int64) > edge : (block["last_ts"] as Int64) < edge { break }
                }
                for e in try LogBlock.decode([UInt8](block["body"] as Data), streamID: block["stream"]) where accept(e) { out.append(e) }
                sortOut()
                if out.count > q.limit { out.removeLast(out.count - q.limit) }
            }
            return out
        }
    }

    // MARK: Maintenance

    var nowMillis: Int64 { Int64(clock.now().timeIntervalSince1970 * 1000) }

    /// Seals every unsealed event and applies retention now.
    public func runMaintenance() async throws {
        try await seal(settledBefore: nowMillis + 1)
        try await expire(now: nowMillis)
    }

    public func storageStats() async throws -> [String: Int64] {
        let figures = try await db.read { db -> [String: Int64] in
            let row = try Row.fetchOne(db, sql: """
                SELECT (SELECT count(*) FROM log_events) + (SELECT coalesce(sum(count), 0) FROM log_blocks) AS events,
                       (SELECT coalesce(sum(length(CAST(message AS BLOB))), 0) FROM log_events) + (SELECT coalesce(sum(raw_bytes), 0) FROM log_blocks) AS raw,
                       (SELECT count(*) FROM log_blocks) AS blocks,
                       (SELECT coalesce(sum(length(body)), 0) FROM log_blocks) AS blockBytes
                """)!
            return ["logEvents": row["events"], "logRawBytes": row["raw"], "logBlocks": row["blocks"], "logBlockBytes": row["blockBytes"]]
        }
        return figures.merging(["bytesOnDisk": db.bytesOnDisk()]) { $1 }
    }

    /// Seals unsealed events ingested before `settledBefore` (epoch ms) into compressed blocks
    /// of up to `blockEvents` per stream. Returns the number of blocks written.
    @discardableResult
    public func seal(settledBefore: Int64) async throws -> Int {
        try await db.writer.write { db -> Int in
            var written = 0
            let streams = try Int64.fetchAll(db, sql: "SELECT DISTINCT stream FROM log_events WHERE ingested < ?", arguments: [settledBefore])
            let insert = try db.cachedStatement(sql: """
                INSERT INTO log_blocks (stream, first_ts, last_ts, last_seq, count, raw_bytes, body) VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
            for stream in streams {
                let rows = try Row.fetchAll(db, sql: """
                    SELECT seq, ts, ingested, message FROM log_events WHERE stream = ? AND ingested < ? ORDER BY ts, seq
                    """, arguments: [stream, settledBefore])
                let events = rows.map { LogEventRecord(streamID: stream, timestamp: $0["ts"], seq: $0["seq"], ingestionTime: $0["ingested"], message: $0["message"]) }
                var start = 0
                while start < events.count {
                    let chunk = Array(events[start..<min(start + Self.blockEvents, events.count)])
                    start += chunk.count
                    try insert.execute(arguments: [stream, chunk.first!.timestamp, chunk.last!.timestamp, chunk.map(\.seq).max()!,
                                                   chunk.count, chunk.reduce(0) { $0 + $1.message.utf8.count }, Data(LogBlock.encode(chunk))])
                    written += 1
                }
                try db.execute(sql: "DELETE FROM log_events WHERE stream = ? AND ingested < ?", arguments: [stream, settledBefore])
            }
            return written
        }
    }

    public func expire(now: Int64) async throws -> Int {
        let cutoffs = catalog.withLock { c in
            c.groups.values.compactMap { g in g.retentionDays.map { (g.id, now - Int64($0) * 86_400_000) } }
        }
        guard !cutoffs.isEmpty else { return 0 }
        let sizes = try await db.writer.write { db -> (removed: Int, streams: [(Int64, Int64, Int64?)]) in
            var removed = 0
            var touched: Set<Int64> = []
            for (group, cutoff) in cutoffs {
                let streams = try Int64.fetchAll(db, sql: "SELECT id FROM log_streams WHERE group_id = ?", arguments: [group])
                for stream in streams {
                    try db.execute(sql: "DELETE FROM log_events WHERE stream = ? AND ts < ?", arguments: [stream, cutoff])
                    removed += db.changesCount
                    if db.changesCount > 0 { touched.insert(stream) }
                    // Whole blocks past the cutoff go; a block straddling it is rewritten without its expired events.
                    let whole = try Int.fetchOne(db, sql: "SELECT coalesce(sum(count), 0) FROM log_blocks WHERE stream = ? AND last_ts < ?", arguments: [stream, cutoff]) ?? 0
                    try db.execute(sql: "DELETE FROM log_blocks WHERE stream = ? AND last_ts < ?", arguments: [stream, cutoff])
                    if db.changesCount > 0 { touched.insert(stream); removed += whole }
                    for row in try Row.fetchAll(db, sql: "SELECT id, body FROM log_blocks WHERE stream = ? AND first_ts < ?", arguments: [stream, cutoff]) {
                        let all = try LogBlock.decode([UInt8](row["body"] as Data), streamID: stream)
                        let kept = all.filter { $0.timestamp >= cutoff }
                        let id: Int64 = row["id"]
                        removed += all.count - kept.count
                        touched.insert(stream)
                        try db.execute(sql: """
                            UPDATE log_blocks SET first_ts = ?, last_ts = ?, count = ?, raw_bytes = ?, body = ? WHERE id = ?
                            """, arguments: [kept.first!.timestamp, kept.last!.timestamp, kept.count,
                                             kept.reduce(0) { $0 + $1.message.utf8.count }, Data(LogBlock.encode(kept)), id])
                    }
                }
            }
            // What is left in each touched stream: its size and first event.
            var sizes: [(Int64, Int64, Int64?)] = []
            for stream in touched {
                let row = try Row.fetchOne(db, sql: """
                    SELECT (SELECT coalesce(sum(length(CAST(message AS BLOB))), 0) FROM log_events WHERE stream = ?1)
                         + (SELECT coalesce(sum(raw_bytes), 0) FROM log_blocks WHERE stream = ?1) AS bytes,
                           min(coalesce((SELECT min(ts) FROM log_events WHERE stream = ?1), (SELECT min(first_ts) FROM log_blocks WHERE stream = ?1)),
                               coalesce((SELECT min(first_ts) FROM log_blocks WHERE stream = ?1), (SELECT min(ts) FROM log_events WHERE stream = ?1))) AS first
                    """, arguments: [stream])!
                let bytes: Int64 = row["bytes"]
                let first: Int64? = row["first"]
                try db.execute(sql: "UPDATE log_streams SET stored_bytes = ?, first_event = coalesce(?, first_event) WHERE id = ?",
                               arguments: [bytes, first, stream])
                sizes.append((stream, bytes, first))
            }
            return (removed, sizes)
        }
        catalog.withLock { c in
            for (stream, bytes, first) in sizes.streams {
                c.streams[stream]?.storedBytes = bytes
                if let first { c.streams[stream]?.firstEventTimestamp = first }
            }
        }
        return sizes.removed
    }
}
