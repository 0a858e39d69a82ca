import Foundation
import GRDB
public import Storage
import StorageEngine

/// `OutboxStore` on the embedded database: one row per item, found through (kind, not_before).
public struct SQLiteOutboxStore: OutboxStore {
    let db: SQLiteDatabase

    public init(_ db: SQLiteDatabase) { self.db = db }

    @discardableResult
    public func enqueue(_ items: [OutboxItem]) async throws -> [Int64] {
        guard !items.isEmpty else { return [] }
        return try await db.write { db in
            let insert = try db.cachedStatement(sql: "INSERT INTO outbox (kind, payload, attempts, not_before) VALUES (?, ?, ?, ?)")
            return try items.map { item in
                try insert.execute(arguments: [item.kind, Data(item.payload), item.attempts, item.notBefore])
                return db.lastInsertedRowID
            }
        }
    }

    public func due(kind: String, now: Int64, limit: Int) async throws -> [OutboxItem] {
        try await db.read { db in
            try Row.fetchAll(db, sql: """
                SELECT id, kind, payload, attempts, not_before FROM outbox
                WHERE kind = ? AND not_before <= ? ORDER BY not_before, id LIMIT ?
                """, arguments: [kind, now, max(0, limit)]).map { row in
                OutboxItem(id: row["id"], kind: row["kind"], payload: [UInt8](row["payload"] as Data),
                           attempts: row["attempts"], notBefore: row["not_before"])
            }
        }
    }

    public func complete(_ id: Int64) async throws {
        _ = try await db.write { db in
            try db.execute(sql: "DELETE FROM outbox WHERE id = ?", arguments: [id])
            return true
        }
    }

    public func retry(_ id: Int64, attempts: Int, notBefore: Int64) async throws {
        _ = try await db.write { db in
            try db.execute(sql: "UPDATE outbox SET attempts = ?, not_before = ? WHERE id = ?", arguments: [attempts, notBefore, id])
            return true
        }
    }
}
