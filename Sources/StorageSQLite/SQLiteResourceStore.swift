import Foundation
import GRDB
public import Storage
public import TrailwatchCore

/// `ResourceStore` and `TagStore` on the embedded database.
public struct SQLiteResourceStore: ResourceStore, TagStore, StateReset {
    let db: SQLiteDatabase

    public init(_ db: SQLiteDatabase) { self.db = db }

    private static func record(_ row: Row) -> ResourceRecord {
        ResourceRecord(
            kind: row["kind"], scope: ResourceScope(accountId: row["account"], region: row["region"]),
            name: row["name"], body: [UInt8](row["body"] as Data),
            createdAt: Date(timeIntervalSince1970: row["created"]), updatedAt: Date(timeIntervalSince1970: row["updated"]))
    }

    public func get(kind: String, scope: ResourceScope, name: String) async throws -> ResourceRecord? {
        try await db.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM resources WHERE kind = ? AND account = ? AND region = ? AND name = ?",
                             arguments: [kind, scope.accountId, scope.region, name]).map(Self.record)
        }
    }

    @discardableResult
    public func put(_ record: ResourceRecord, ifAbsent: Bool) async throws -> Bool {
        try await db.write { db in
            if ifAbsent {
                try db.execute(sql: """
                    INSERT OR IGNORE INTO resources (kind, account, region, name, body, created, updated)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [record.kind, record.scope.accountId, record.scope.region, record.name,
                                     Data(record.body), record.createdAt.timeIntervalSince1970, record.updatedAt.timeIntervalSince1970])
                return db.changesCount > 0
            }
            try db.execute(sql: """
                INSERT INTO resources (kind, account, region, name, body, created, updated)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (kind, account, region, name) DO UPDATE SET body = excluded.body, updated = excluded.updated
                """, arguments: [record.kind, record.scope.accountId, record.scope.region, record.name,
                                 Data(record.body), record.createdAt.timeIntervalSince1970, record.updatedAt.timeIntervalSince1970])
            return true
        }
    }

    public func delete(kind: String, scope: ResourceScope, names: [String], allOrNothing: Bool) async throws -> ResourceDeletion {
        try await db.write { db in
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
        }
    }

    public func list(kind: String, scope: ResourceScope, prefix: String?, after: String?, limit: Int) async throws -> [ResourceRecord] {
        try await db.read { db in
            var sql = "SELECT * FROM resources WHERE kind = ? AND account = ? AND region = ?"
            var args: [any DatabaseValueConvertible] = [kind, scope.accountId, scope.region]
            if let prefix, !prefix.isEmpty {
                // Byte-wise prefix range: name >= prefix AND name < prefix + U+10FFFF.
                sql += " AND name >= ? AND name < ?"
                args.append(prefix)
                args.append(prefix + "\u{10FFFF}")
            }
            if let after {
                sql += " AND name > ?"
                args.append(after)
            }
            sql += " ORDER BY name LIMIT ?"
            args.append(limit)
            return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)).map(Self.record)
        }
    }

    public func all(kind: String) async throws -> [ResourceRecord] {
        try await db.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM resources WHERE kind = ? ORDER BY account, region, name",
                             arguments: [kind]).map(Self.record)
        }
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

    public func reset() async throws { try await db.wipe() }
}
