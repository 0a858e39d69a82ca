import Foundation
import GRDB
public import Storage
import StorageEngine
import TrailwatchCore

/// `ObjectStore` on the embedded database: objects are rows with their bytes (the subset is
/// for log exports and trail files, not for large media).
public struct SQLiteObjectStore: ObjectStore {
    let db: SQLiteDatabase

    public init(_ db: SQLiteDatabase) { self.db = db }

    public func createBucket(_ bucket: BucketRecord) async throws -> Bool {
        try await db.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO s3_buckets (name, account, region, created) VALUES (?, ?, ?, ?)",
                           arguments: [bucket.name, bucket.accountId, bucket.region, bucket.createdAt.timeIntervalSince1970])
            return db.changesCount > 0
        }
    }

    static func bucket(_ row: Row) -> BucketRecord {
        BucketRecord(name: row["name"], accountId: row["account"], region: row["region"], createdAt: Date(timeIntervalSince1970: row["created"]))
    }

    public func bucket(_ name: String) async throws -> BucketRecord? {
        try await db.read { db in try Row.fetchOne(db, sql: "SELECT * FROM s3_buckets WHERE name = ?", arguments: [name]).map(Self.bucket) }
    }

    public func buckets(accountId: String) async throws -> [BucketRecord] {
        try await db.read { db in try Row.fetchAll(db, sql: "SELECT * FROM s3_buckets WHERE account = ? ORDER BY name", arguments: [accountId]).map(Self.bucket) }
    }

    public func deleteBucket(_ name: String) async throws -> BucketDeletion {
        try await db.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM s3_buckets WHERE name = ?", arguments: [name]) ?? false else { return .missing }
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM s3_objects WHERE bucket = ? LIMIT 1", arguments: [name]) ?? false { return .notEmpty }
            try db.execute(sql: "DELETE FROM s3_buckets WHERE name = ?", arguments: [name])
            return .deleted
        }
    }

    public func putObject(_ object: ObjectRecord, body: [UInt8]) async throws {
        var meta = JSONWriter()
        meta.value(.map(object.metadata.mapValues { .string($0) }))
        let metaBytes = meta.bytes
        _ = try await db.write { db in
            try db.execute(sql: """
                INSERT INTO s3_objects (bucket, key, size, etag, content_type, modified, metadata, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (bucket, key) DO UPDATE SET size = excluded.size, etag = excluded.etag, content_type = excluded.content_type,
                    modified = excluded.modified, metadata = excluded.metadata, body = excluded.body
                """, arguments: [object.bucket, object.key, object.size, object.etag, object.contentType,
                                 object.lastModified.timeIntervalSince1970, Data(metaBytes), Data(body)])
            return true
        }
    }

    static func object(_ row: Row) -> ObjectRecord {
        var metadata: [String: String] = [:]
        if case .map(let m)? = try? JSONReader.parse([UInt8](row["metadata"] as Data)) {
            for (k, v) in m { if case .string(let s) = v { metadata[k] = s } }
        }
        return ObjectRecord(bucket: row["bucket"], key: row["key"], size: row["size"], etag: row["etag"], contentType: row["content_type"],
                            lastModified: Date(timeIntervalSince1970: row["modified"]), metadata: metadata)
    }

    public func object(bucket: String, key: String) async throws -> (ObjectRecord, [UInt8])? {
        try await db.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM s3_objects WHERE bucket = ? AND key = ?", arguments: [bucket, key]).map {
                (Self.object($0), [UInt8]($0["body"] as Data))
            }
        }
    }

    public func headObject(bucket: String, key: String) async throws -> ObjectRecord? {
        try await db.read { db in
            try Row.fetchOne(db, sql: "SELECT bucket, key, size, etag, content_type, modified, metadata FROM s3_objects WHERE bucket = ? AND key = ?",
                             arguments: [bucket, key]).map(Self.object)
        }
    }

    public func deleteObject(bucket: String, key: String) async throws -> Bool {
        try await db.write { db in
            try db.execute(sql: "DELETE FROM s3_objects WHERE bucket = ? AND key = ?", arguments: [bucket, key])
            return db.changesCount > 0
        }
    }

    public func listObjects(bucket: String, prefix: String, after: String?, limit: Int) async throws -> [ObjectRecord] {
        try await db.read { db in
            // Keys compare byte-wise (BLOB order), as S3 lists them.
            try Row.fetchAll(db, sql: """
                SELECT bucket, key, size, etag, content_type, modified, metadata FROM s3_objects
                WHERE bucket = ? AND substr(key, 1, ?) = ? AND CAST(key AS BLOB) > CAST(? AS BLOB)
                ORDER BY CAST(key AS BLOB) LIMIT ?
                """, arguments: [bucket, prefix.unicodeScalars.count, prefix, after ?? "", limit]).map(Self.object)
        }
    }
}
