import Foundation
import GRDB
public import Storage
import StorageEngine

/// `TrailEventStore` on the embedded database: one row per event, lookup attributes in indexed
/// columns, the record as JSON text.
public struct SQLiteTrailEventStore: TrailEventStore {
    let db: SQLiteDatabase

    public init(_ db: SQLiteDatabase) { self.db = db }

    public func append(_ events: [TrailEventRecord]) async throws {
        guard !events.isEmpty else { return }
        _ = try await db.write { db in
            for e in events { _ = try Self.insert(db, e) }
            return true
        }
    }

    /// Inserts one event in the caller's transaction; its store position.
    static func insert(_ db: Database, _ e: TrailEventRecord) throws -> Int64 {
        let insert = try db.cachedStatement(sql: """
            INSERT INTO trail_events (event_id, account, region, time, name, source, username, access_key, read_only, management, resources, body)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        try insert.execute(arguments: [e.eventID, e.accountId, e.region, e.time, e.eventName, e.eventSource, e.username,
                                       e.accessKeyId, e.readOnly, e.management, Self.resourceLines(e), e.json])
        return db.lastInsertedRowID
    }

    /// Resources as "type\tname" lines, so a lookup can find a type or a name.
    static func resourceLines(_ e: TrailEventRecord) -> String {
        e.resources.map { "\($0.type)\t\($0.name)" }.joined(separator: "\n")
    }

    public func amend(_ events: [TrailEventRecord]) async throws {
        guard !events.isEmpty else { return }
        _ = try await db.write { db in
            // Only the columns a completed record can change: setting an indexed column would
            // rewrite its index entry for nothing.
            let update = try db.cachedStatement(sql: "UPDATE trail_events SET resources = ?, body = ? WHERE seq = ?")
            for e in events {
                try update.execute(arguments: [Self.resourceLines(e), e.json, e.seq])
            }
            return true
        }
    }

    static func record(_ row: Row) -> TrailEventRecord {
        let resources = (row["resources"] as String).split(separator: "\n").compactMap { line -> (type: String, name: String)? in
            let parts = line.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false)
            return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
        }
        return TrailEventRecord(eventID: row["event_id"], accountId: row["account"], region: row["region"], time: row["time"],
                                eventName: row["name"], eventSource: row["source"], username: row["username"], accessKeyId: row["access_key"],
                                readOnly: row["read_only"], management: row["management"], resources: resources, json: row["body"], seq: row["seq"])
    }

    public func lookup(accountId: String, region: String, attribute: TrailLookupAttribute?, start: Int64, end: Int64,
                       before: TrailEventPosition?, limit: Int) async throws -> [TrailEventRecord] {
        var clause = ""
        // Strictly after `before` in (time DESC, seq DESC) order.
        var args: [any DatabaseValueConvertible] = [accountId, region, start, min(end, before?.time ?? Int64.max),
                                                    before?.time ?? Int64.max, before?.seq ?? Int64.max]
        switch attribute {
        case nil: break
        case .eventId(let v, let time):
            // Ids carry their time: the time index finds the row (no index on event_id).
            if let time { args[2] = max(start, time); args[3] = min(end, time) }
            clause = " AND event_id = ?"; args.append(v)
        case .eventName(let v): clause = " AND name = ?"; args.append(v)
        case .readOnly(let v): clause = " AND read_only = ?"; args.append(v)
        case .username(let v): clause = " AND username = ?"; args.append(v)
        case .eventSource(let v): clause = " AND source = ?"; args.append(v)
        case .accessKeyId(let v): clause = " AND access_key = ?"; args.append(v)
        // Exact, case-sensitive, like every other attribute (LIKE would ignore ASCII case).
        case .resourceType(let v):
            clause = " AND instr('\n' || resources, ?) > 0"
            args.append("\n" + v + "\t")
        case .resourceName(let v):
            clause = " AND instr(resources || '\n', ?) > 0"
            args.append("\t" + v + "\n")
        }
        args.append(limit)
        let sql = """
            SELECT * FROM trail_events WHERE account = ? AND region = ? AND management = 1 AND time >= ? AND time <= ?
                AND (time < ? OR seq < ?)\(clause)
            ORDER BY time DESC, seq DESC LIMIT ?
            """
        let arguments = StatementArguments(args.map { $0.databaseValue })
        return try await db.read { db in try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.record) }
    }

    public func events(accountId: String, after: Int64, limit: Int) async throws -> [TrailEventRecord] {
        try await db.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM trail_events WHERE account = ? AND seq > ? ORDER BY seq LIMIT ?",
                             arguments: [accountId, after, limit]).map(Self.record)
        }
    }

    public func expire(before: Int64) async throws -> Int {
        try await db.write { db in
            try db.execute(sql: "DELETE FROM trail_events WHERE time < ?", arguments: [before])
            return db.changesCount
        }
    }
}
