import Foundation
import GRDB
import Storage
import StorageEngine
@testable import StorageSQLite
import Synchronization
import Testing
import TrailwatchCore

@Suite("Log store")
struct LogStoreTests {
    let scope = ResourceScope(accountId: "111111111111", region: "eu-west-1")
    let t0: Int64 = 1_790_000_000_000
    static let day: Int64 = 86_400_000

    func makeStore(_ url: URL? = nil) throws -> (SQLiteLogStore, LogStreamRecord, LogGroupRecord) {
        let db = try SQLiteDatabase(location: url.map { .file($0) } ?? .memory)
        let store = try SQLiteLogStore(db, clock: ManualClock(Date(timeIntervalSince1970: Double(t0) / 1000)))
        return (store, LogStreamRecord(groupID: 0, name: "", createdAt: 0), LogGroupRecord(scope: scope, name: "", createdAt: 0))
    }

    func groupAndStream(_ store: SQLiteLogStore, group: String = "g", stream: String = "s") async throws -> (LogGroupRecord, LogStreamRecord) {
        if try await store.group(scope: scope, name: group) == nil {
            #expect(try await store.createGroup(LogGroupRecord(scope: scope, name: group, createdAt: t0)))
        }
        let g = try #require(try await store.group(scope: scope, name: group))
        #expect(try await store.createStream(LogStreamRecord(groupID: g.id, name: stream, createdAt: t0)))
        let s = try #require(try await store.stream(groupID: g.id, name: stream))
        return (g, s)
    }

    @Test("events come back in (timestamp, arrival) order, forward and backward, and resume after a position")
    func order() async throws {
        let (store, _, _) = try makeStore()
        let (_, s) = try await groupAndStream(store)
        _ = try await store.append(streamID: s.id, events: [(t0 + 2, "b"), (t0 + 2, "c"), (t0 + 5, "d")], ingestionTime: t0 + 10)
        _ = try await store.append(streamID: s.id, events: [(t0 + 1, "a"), (t0 + 2, "c2")], ingestionTime: t0 + 11)
        let all = try await store.events(LogEventQuery(streamIDs: [s.id], limit: 100), now: t0, filter: nil)
        #expect(all.map(\.message) == ["a", "b", "c", "c2", "d"])
        let back = try await store.events(LogEventQuery(streamIDs: [s.id], forward: false, limit: 2), now: t0, filter: nil)
        #expect(back.map(\.message) == ["d", "c2"])
        let after = try await store.events(LogEventQuery(streamIDs: [s.id], after: all[1].position, limit: 2), now: t0, filter: nil)
        #expect(after.map(\.message) == ["c", "c2"])
        let ranged = try await store.events(LogEventQuery(streamIDs: [s.id], start: t0 + 2, end: t0 + 5, limit: 100), now: t0, filter: nil)
        #expect(ranged.map(\.message) == ["b", "c", "c2"])
        let filtered = try await store.events(LogEventQuery(streamIDs: [s.id], limit: 100), now: t0) { $0.message.hasPrefix("c") }
        #expect(filtered.map(\.message) == ["c", "c2"])
        let stream = try #require(try await store.stream(groupID: s.groupID, name: "s"))
        #expect(stream.firstEventTimestamp == t0 + 1 && stream.lastEventTimestamp == t0 + 5 && stream.lastIngestionTime == t0 + 11)
        #expect(stream.storedBytes == 6)
    }

    @Test("sealed blocks answer exactly what the rows did, and compress")
    func sealing() async throws {
        let (store, _, _) = try makeStore()
        let (_, s) = try await groupAndStream(store)
        let (_, s2) = try await groupAndStream(store, stream: "other")
        var events: [(timestamp: Int64, message: String)] = []
        for i in 0..<20_000 {
            events.append((t0 + Int64(i / 3), #"{"level":"info","path":"/api/v1/items/\#(i % 97)","status":\#(i % 7 == 0 ? 500 : 200),"ms":\#(i % 113)}"#))
        }
        for chunk in stride(from: 0, to: events.count, by: 5000) {
            _ = try await store.append(streamID: s.id, events: Array(events[chunk..<chunk + 5000]), ingestionTime: t0 + 100)
        }
        _ = try await store.append(streamID: s2.id, events: [(t0 + 7, "other stream")], ingestionTime: t0 + 100)
        let query = LogEventQuery(streamIDs: [s.id, s2.id], start: t0 + 100, end: t0 + 5000, limit: 3000)
        let before = try await store.events(query, now: t0, filter: nil)
        let blocks = try await store.seal(settledBefore: t0 + 101)
        #expect(blocks == 4)  // 20,000 events in blocks of 8,192, and the other stream's one
        let after = try await store.events(query, now: t0, filter: nil)
        #expect(after == before)
        let backward = try await store.events(LogEventQuery(streamIDs: [s.id], forward: false, limit: 5), now: t0, filter: nil)
        #expect(backward.map(\.timestamp) == [t0 + 6666, t0 + 6666, t0 + 6665, t0 + 6665, t0 + 6665])
        // New rows after sealing merge with the blocks.
        _ = try await store.append(streamID: s.id, events: [(t0 + 1, "late")], ingestionTime: t0 + 200)
        let second = try await store.events(LogEventQuery(streamIDs: [s.id], start: t0 + 1, end: t0 + 2, limit: 10), now: t0, filter: nil)
        #expect(second.count == 4 && second.last?.message == "late")
        let stored = try await store.db.read { db in try Int.fetchOne(db, sql: "SELECT sum(length(body)) FROM log_blocks") ?? 0 }
        let raw = events.reduce(0) { $0 + $1.message.utf8.count }
        #expect(raw / stored >= 5, "compressed \(raw) bytes to \(stored)")
    }

    @Test("a seal that finds another running waits for it, then seals what the other left raw")
    func sealsDoNotRace() async throws {
        let (store, _, _) = try makeStore()
        for k in 0..<8 {
            let (_, s) = try await groupAndStream(store, stream: "s\(k)")
            // An old block the background seal covers, and a newer one only "seal everything" does.
            _ = try await store.append(streamID: s.id, events: (0..<8000).map { (t0 + Int64($0), "stream \(k) line \($0)") }, ingestionTime: t0)
            _ = try await store.append(streamID: s.id, events: [(t0 + 9000, "stream \(k) late")], ingestionTime: t0 + 100)
        }
        async let background = store.seal(settledBefore: t0 + 1)
        _ = try await store.seal(settledBefore: t0 + 200)
        _ = try await background
        let raw = try await store.db.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM log_blocks WHERE format = 0") ?? -1 }
        #expect(raw == 0)
    }

    @Test("new seals write zstd blocks; zlib blocks sealed by an older store read the same")
    func zlibBlocksStillRead() async throws {
        let (store, _, _) = try makeStore()
        let (_, s) = try await groupAndStream(store)
        let events = (0..<3000).map { i in (timestamp: t0 + Int64(i), message: "line \(i) status=\(i % 5 == 0 ? 500 : 200)") }
        _ = try await store.append(streamID: s.id, events: events, ingestionTime: t0 + 100)
        #expect(try await store.seal(settledBefore: t0 + 101) == 1)
        let formats = try await store.db.read { db in try Int64.fetchAll(db, sql: "SELECT format FROM log_blocks") }
        #expect(formats == [LogBlock.Format.zstd.rawValue])
        let query = LogEventQuery(streamIDs: [s.id], limit: 10_000)
        let fromZstd = try await store.events(query, now: t0, filter: nil)
        #expect(fromZstd.count == 3000)
        // Rewrite the block as an older store sealed it: zlib, format 1.
        try await store.db.writer.write { db in
            let body = try #require(try Data.fetchOne(db, sql: "SELECT body FROM log_blocks"))
            let decoded = try LogBlock.decode([UInt8](body), .zstd, streamID: s.id)
            try db.execute(sql: "UPDATE log_blocks SET body = ?, format = 1", arguments: [Data(LogBlock.encode(decoded, .sealed))])
        }
        #expect(try await store.events(query, now: t0, filter: nil) == fromZstd)
        let scanned = Mutex([LogEventRecord]())
        try await store.scan(streamIDs: [s.id], start: nil, end: nil, now: t0) { batch in
            scanned.withLock { $0 += batch }
            return true
        }
        #expect(scanned.withLock { $0 } == fromZstd)
        // A corrupt frame is an error, not a crash.
        #expect(throws: (any Error).self) { try LogBlock.decode([0x28, 0xB5, 0x2F, 0xFD, 0x00], .zstd, streamID: 1) }
    }

    @Test("retention deletes expired events by the given clock, in rows and blocks, and storedBytes shrinks")
    func retention() async throws {
        let (store, _, _) = try makeStore()
        let (g, s) = try await groupAndStream(store)
        _ = try await store.append(streamID: s.id, events: (0..<10).map { (t0 + Int64($0) * Self.day, "day \($0)") }, ingestionTime: t0)
        _ = try await store.seal(settledBefore: t0 + 1)
        _ = try await store.append(streamID: s.id, events: [(t0 + 3 * Self.day + 5, "row")], ingestionTime: t0 + 1)
        // No retention: nothing expires.
        #expect(try await store.expire(now: t0 + 100 * Self.day) == 0)
        try await store.setRetention(groupID: g.id, days: 5)
        let now = t0 + 9 * Self.day + 1
        // Reads already hide what is past retention...
        let visible = try await store.events(LogEventQuery(streamIDs: [s.id], limit: 100), now: now, filter: nil)
        #expect(visible.map(\.message) == ["day 5", "day 6", "day 7", "day 8", "day 9"])
        // ...and expiry really deletes it.
        let removed = try await store.expire(now: now)
        #expect(removed == 6)
        let left = try await store.events(LogEventQuery(streamIDs: [s.id], limit: 100), now: t0, filter: nil)
        #expect(left.map(\.message) == ["day 5", "day 6", "day 7", "day 8", "day 9"])
        let group = try #require(try await store.group(scope: scope, name: "g"))
        #expect(group.storedBytes == 25)
        let stream = try #require(try await store.stream(groupID: g.id, name: "s"))
        #expect(stream.firstEventTimestamp == t0 + 5 * Self.day)
    }

    @Test("deleting a group deletes its streams and events; the catalog survives a reopen")
    func deleteAndReopen() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("logstore-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("db.sqlite")
        do {
            let (store, _, _) = try makeStore(url)
            let (_, s) = try await groupAndStream(store)
            _ = try await groupAndStream(store, group: "gone")
            _ = try await store.append(streamID: s.id, events: [(t0, "kept")], ingestionTime: t0)
            try await store.setRetention(groupID: s.groupID, days: 30)
            #expect(try await store.deleteGroup(scope: scope, name: "gone"))
            #expect(try await !store.deleteGroup(scope: scope, name: "gone"))
        }
        let (reopened, _, _) = try makeStore(url)
        #expect(try await reopened.groups(scope: scope).map(\.name) == ["g"])
        let g = try #require(try await reopened.group(scope: scope, name: "g"))
        #expect(g.retentionDays == 30)
        let s = try #require(try await reopened.stream(groupID: g.id, name: "s"))
        let events = try await reopened.events(LogEventQuery(streamIDs: [s.id], limit: 10), now: t0, filter: nil)
        #expect(events.map(\.message) == ["kept"])
        // New events get sequence numbers after the old ones.
        let more = try await reopened.append(streamID: s.id, events: [(t0, "next")], ingestionTime: t0)
        #expect(more[0].seq > events[0].seq)
    }

    @Test("migration v8 turns the rows of an older store into blocks that read the same")
    func migratesRows() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("logstore-v7-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("db.sqlite")
        do {
            let v7 = Array(SQLiteDatabase.migrations.prefix { $0.id != "v8-log-events-as-raw-blocks" })
            let old = try SQLiteDatabase(location: .file(url), migrations: v7)
            try await old.dbWriter.write { db in
                try db.execute(sql: "INSERT INTO log_groups (id, account, region, name, created, class) VALUES (1, ?, ?, 'g', 0, 'STANDARD')",
                               arguments: [scope.accountId, scope.region])
                try db.execute(sql: "INSERT INTO log_streams (id, group_id, name, created, stored_bytes) VALUES (7, 1, 's', 0, 6)")
                for (seq, ts, message) in [(3, t0 + 2, "c"), (1, t0 + 1, "a"), (2, t0 + 2, "b")] {
                    try db.execute(sql: "INSERT INTO log_events (seq, stream, ts, ingested, message) VALUES (?, 7, ?, ?, ?)",
                                   arguments: [seq, ts, t0 + 5, message])
                }
            }
        }
        let (store, _, _) = try makeStore(url)
        let g = try #require(try await store.group(scope: scope, name: "g"))
        let s = try #require(try await store.stream(groupID: g.id, name: "s"))
        let events = try await store.events(LogEventQuery(streamIDs: [s.id], limit: 10), now: t0, filter: nil)
        #expect(events.map(\.message) == ["a", "b", "c"] && events.map(\.seq) == [1, 2, 3])
        #expect(try await store.seal(settledBefore: t0 + 6) == 1)
        #expect(try await store.events(LogEventQuery(streamIDs: [s.id], limit: 10), now: t0, filter: nil) == events)
        let more = try await store.append(streamID: s.id, events: [(t0, "next")], ingestionTime: t0)
        #expect(more[0].seq == 4)
    }
}
