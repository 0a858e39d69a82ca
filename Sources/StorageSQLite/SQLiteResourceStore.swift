import Foundation
import GRDB
public import Storage
import StorageEngine
public import TrailwatchCore

/// `ResourceStore` and `TagStore` on the embedded database. Resources are read from an
/// in-memory mirror (see `ResourceMirror`); every write commits to SQLite first.
public struct SQLiteResourceStore: ResourceStore, TagStore, StateReset {
    let db: SQLiteDatabase
    private let mirror = ResourceMirror()

    /// Opens the store and loads every resource into memory.
    public init(_ db: SQLiteDatabase) throws {
        self.db = db
        let rows = try db.dbWriter.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM resources").map(Self.record)
        }
        mirror.load(rows)
    }

    private static func record(_ row: Row) -> ResourceRecord {
        ResourceRecord(
            kind: row["kind"], scope: ResourceScope(accountId: row["account"], region: row["region"]),
            name: row["name"], body: [UInt8](row["body"] as Data),
            createdAt: Date(timeIntervalSince1970: row["created"]), updatedAt: Date(timeIntervalSince1970: row["updated"]))
    }

    public func get(kind: String, scope: ResourceScope, name: String) async throws -> ResourceRecord? {
        mirror.get(kind: kind, scope: scope, name: name)
    }

    @discardableResult
    public func put(_ record: ResourceRecord, ifAbsent: Bool) async throws -> Bool {
        // The mirror follows the database in commit order (afterCommit runs on the writer
        // queue), so two racing puts of one name leave the mirror with the one committed last.
        let stored = try await db.writer.write({ db -> ResourceRecord? in
            if ifAbsent {
                try db.cachedStatement(sql: """
                    INSERT OR IGNORE INTO resources (kind, account, region, name, body, created, updated)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """).execute(arguments: [record.kind, record.scope.accountId, record.scope.region, record.name,
                                     Data(record.body), record.createdAt.timeIntervalSince1970, record.updatedAt.timeIntervalSince1970])
                return db.changesCount > 0 ? record : nil
            }
            try db.cachedStatement(sql: """
                INSERT INTO resources (kind, account, region, name, body, created, updated)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (kind, account, region, name) DO UPDATE SET body = excluded.body, updated = excluded.updated
                """).execute(arguments: [record.kind, record.scope.accountId, record.scope.region, record.name,
                                 Data(record.body), record.createdAt.timeIntervalSince1970, record.updatedAt.timeIntervalSince1970])
            return try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM resources WHERE kind = ? AND account = ? AND region = ? AND name = ?"),
                                    arguments: [record.kind, record.scope.accountId, record.scope.region, record.name]).map(Self.record)
        }, afterCommit: { [mirror] stored in if let stored { mirror.upsert(stored) } })
        return stored != nil
    }

    public func put(_ records: [ResourceRecord]) async throws {
        try await put(records, enqueueing: [])
    }

    public func put(_ records: [ResourceRecord], enqueueing items: [OutboxItem]) async throws {
        guard !records.isEmpty || !items.isEmpty else { return }
        _ = try await db.writer.write({ db -> [ResourceRecord] in
            // The outbox shares this database (SQLiteOutboxStore), so one transaction holds both.
            let insert = try db.cachedStatement(sql: "INSERT INTO outbox (kind, payload, attempts, not_before) VALUES (?, ?, ?, ?)")
            for item in items { try insert.execute(arguments: [item.kind, Data(item.payload), item.attempts, item.notBefore]) }
            return try records.map { record in
                try db.cachedStatement(sql: """
                    INSERT INTO resources (kind, account, region, name, body, created, updated)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (kind, account, region, name) DO UPDATE SET body = excluded.body, updated = excluded.updated
                    """).execute(arguments: [record.kind, record.scope.accountId, record.scope.region, record.name,
                                     Data(record.body), record.createdAt.timeIntervalSince1970, record.updatedAt.timeIntervalSince1970])
                return try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM resources WHERE kind = ? AND account = ? AND region = ? AND name = ?"),
                                        arguments: [record.kind, record.scope.accountId, record.scope.region, record.name]).map(Self.record) ?? record
            }
        }, afterCommit: { [mirror] stored in for r in stored { mirror.upsert(r) } })
    }

    public func delete(kind: String, scope: ResourceScope, names: [String], allOrNothing: Bool) async throws -> ResourceDeletion {
        let result = try await db.writer.write({ db in
            var existing: [String] = []
            var missing: [String] = []
            for name in names {
                let found = try Bool.fetchOne(db, sql: "SELECT 1 FROM resources WHERE kind = ? AND account = ? AND region = ? AND name = ?",
                                              arguments: [kind, scope.accountId, scope.region, name]) ?? false
                if found { existing.append(name) } else { missing.append(name) }
            }
            if allOrNothing && !missing.isEmpty { return ResourceDeletion(deleted: [], missing: missing) }
            for name in existing {
                try db.execute(sql: "DELETE FROM resources WHERE kind = ? AND account = ? AND region = ? AND name = ?",
                               arguments: [kind, scope.accountId, scope.region, name])
            }
            return ResourceDeletion(deleted: existing, missing: missing)
        }, afterCommit: { [mirror] result in mirror.remove(kind: kind, scope: scope, names: result.deleted) })
        return result
    }

    public func list(kind: String, scope: ResourceScope, prefix: String?, after: String?, limit: Int) async throws -> [ResourceRecord] {
        mirror.list(kind: kind, scope: scope, prefix: prefix, after: after, limit: limit)
    }

    public func all(kind: String) async throws -> [ResourceRecord] {
        mirror.all(kind: kind)
    }

    // MARK: TagStore

    public func tags(arn: String) async throws -> [(key: String, value: String)] {
        let rows = try await db.read { db in
            try Row.fetchAll(db, sql: "SELECT key, value FROM tags WHERE arn = ? ORDER BY key", arguments: [arn])
                .map { [$0["key"] as String, $0["value"] as String] }
        }
        return rows.map { (key: $0[0], value: $0[1]) }
    }

    public func setTags(arn: String, _ tags: [(key: String, value: String)]) async throws {
        let pairs = tags.map { [$0.key, $0.value] }
        _ = try await db.write { db in
            for p in pairs {
                try db.execute(sql: "INSERT INTO tags (arn, key, value) VALUES (?, ?, ?) ON CONFLICT (arn, key) DO UPDATE SET value = excluded.value",
                               arguments: [arn, p[0], p[1]])
            }
            return true
        }
    }

    public func removeTags(arn: String, keys: [String]) async throws {
        _ = try await db.write { db in
            for k in keys { try db.execute(sql: "DELETE FROM tags WHERE arn = ? AND key = ?", arguments: [arn, k]) }
            return true
        }
    }

    public func removeAllTags(arn: String) async throws {
        _ = try await db.write { db in
            try db.execute(sql: "DELETE FROM tags WHERE arn = ?", arguments: [arn])
            return true
        }
    }

    public func reset() async throws {
        try await db.wipe()
        mirror.clear()
    }
}
