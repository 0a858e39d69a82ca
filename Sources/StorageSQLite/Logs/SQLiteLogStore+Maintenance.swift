import Foundation
import GRDB
import Runtime
import Storage
import StorageEngine
import Synchronization
import TrailwatchCore

/// Sealing raw blocks into compressed ones, retention, and the store's figures.
extension SQLiteLogStore {
    var nowMillis: Int64 { Int64(clock.now().timeIntervalSince1970 * 1000) }

    /// Seals every unsealed event and applies retention now.
    public func runMaintenance() async throws {
        try await seal(settledBefore: nowMillis + 1)
        try await expire(now: nowMillis)
    }

    public func storageStats() async throws -> [String: Int64] {
        let figures = try await db.read { db -> [String: Int64] in
            let row = try Row.fetchOne(db, sql: """
                SELECT coalesce(sum(count), 0) AS events, coalesce(sum(raw_bytes), 0) AS raw,
                       count(*) AS blocks, coalesce(sum(length(body) + coalesce(length(grams), 0)), 0) AS blockBytes
                FROM log_blocks
                """)!
            return ["logEvents": row["events"], "logRawBytes": row["raw"], "logBlocks": row["blocks"], "logBlockBytes": row["blockBytes"]]
        }
        return figures.merging(["bytesOnDisk": db.bytesOnDisk()]) { $1 }
    }

    /// Seals the raw blocks ingested before `settledBefore` (epoch ms): each stream's are merged
    /// in position order into compressed blocks of up to `blockEvents`. The compression runs
    /// off the writer; the writer only swaps the blocks, and skips a stream whose raw blocks
    /// changed meanwhile (deleted or expired). Returns the number of blocks written.
    /// Seals run one at a time: a second caller waits, then seals what the first left (run
    /// together, one that found a stream's blocks changed by the other skipped the whole stream,
    /// leaving its newer raw blocks raw: an operator's "seal everything" left a third unsealed).
    @discardableResult
    public func seal(settledBefore: Int64) async throws -> Int {
        try await sealing.withLock { try await self.sealUnserialized(settledBefore: settledBefore) }
    }

    private func sealUnserialized(settledBefore: Int64) async throws -> Int {
        let raw = try await db.read { db in
            try Row.fetchAll(db, sql: "SELECT id, stream FROM log_blocks WHERE format = 0 AND ingested < ? ORDER BY stream",
                             arguments: [settledBefore]).map { (id: $0["id"] as Int64, stream: $0["stream"] as Int64) }
        }
        var written = 0
        for (stream, blocks) in Dictionary(grouping: raw, by: \.stream) {
            // A stream being scanned is sealed next time (see `scan`).
            if catalog.withLock({ $0.scanning[stream] != nil }) { continue }
            let ids = blocks.map(\.id)
            let list = ids.map(String.init).joined(separator: ",")
            var events = try await db.read { db in
                try Data.fetchAll(db, sql: "SELECT body FROM log_blocks WHERE id IN (\(list))").flatMap {
                    try LogBlock.decode([UInt8]($0), .raw, streamID: stream)
                }
            }
            events.sort { $0.position < $1.position }
            // Compressed, with their trigram filters, before the writer is asked for anything.
            let sealed = stride(from: 0, to: events.count, by: Self.blockEvents).map { start in
                let chunk = Array(events[start..<min(start + Self.blockEvents, events.count)])
                return (events: chunk, body: LogBlock.encode(chunk, .zstd), grams: TrigramFilter.build(chunk.map(\.message)))
            }
            written += try await db.writer.write { db -> Int in
                let present = try Int.fetchOne(db, sql: "SELECT count(*) FROM log_blocks WHERE id IN (\(list)) AND format = 0") ?? 0
                guard present == ids.count, self.catalog.withLock({ $0.scanning[stream] == nil }) else { return 0 }
                for chunk in sealed { try Self.insertBlock(db, stream: stream, chunk.events, .zstd, body: chunk.body, grams: chunk.grams) }
                try db.execute(sql: "DELETE FROM log_blocks WHERE id IN (\(list))")
                return sealed.count
            }
        }
        return written
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
                    // Whole blocks past the cutoff go; a block straddling it is rewritten, sealed,
                    // without its expired events.
                    let whole = try Int.fetchOne(db, sql: "SELECT coalesce(sum(count), 0) FROM log_blocks WHERE stream = ? AND last_ts < ?", arguments: [stream, cutoff]) ?? 0
                    try db.execute(sql: "DELETE FROM log_blocks WHERE stream = ? AND last_ts < ?", arguments: [stream, cutoff])
                    if db.changesCount > 0 { touched.insert(stream); removed += whole }
                    for row in try Row.fetchAll(db, sql: "SELECT id, body, format FROM log_blocks WHERE stream = ? AND first_ts < ?", arguments: [stream, cutoff]) {
                        let all = try LogBlock.decode([UInt8](row["body"] as Data), LogBlock.Format(rawValue: row["format"]) ?? .sealed, streamID: stream)
                        let kept = all.filter { $0.timestamp >= cutoff }.sorted { $0.position < $1.position }
                        let id: Int64 = row["id"]
                        removed += all.count - kept.count
                        touched.insert(stream)
                        try db.execute(sql: """
                            UPDATE log_blocks SET first_ts = ?, last_ts = ?, count = ?, raw_bytes = ?, body = ?, format = ?, grams = ? WHERE id = ?
                            """, arguments: [kept.first!.timestamp, kept.last!.timestamp, kept.count,
                                             kept.reduce(0) { $0 + $1.message.utf8.count }, Data(LogBlock.encode(kept, .zstd)),
                                             LogBlock.Format.zstd.rawValue, Data(TrigramFilter.build(kept.map(\.message))), id])
                    }
                }
            }
            // What is left in each touched stream: its size and first event.
            var sizes: [(Int64, Int64, Int64?)] = []
            for stream in touched {
                let row = try Row.fetchOne(db, sql: """
                    SELECT coalesce(sum(raw_bytes), 0) AS bytes, min(first_ts) AS first FROM log_blocks WHERE stream = ?
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
