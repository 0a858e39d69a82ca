public import Foundation
public import GRDB
import Logging

/// The embedded database: a SQLite file in WAL mode (or memory), its migrations, and the
/// group-commit writer every store writes through.
///
/// Reads go straight to GRDB's reader (a pool of concurrent readers on a file); writes go
/// through `writer`, so concurrent requests share commits. `synchronous = FULL`: a commit
/// has reached the disk when it returns.
public final class SQLiteDatabase: Sendable {
    /// Where the database lives.
    public enum Location: Sendable {
        case file(URL)
        case memory
    }

    public let dbWriter: any DatabaseWriter
    public let writer: GroupCommitWriter
    public let location: Location

    /// Opens (creating if needed) the database and runs every pending migration.
    public init(location: Location, migrations: [Migration] = SQLiteDatabase.migrations) throws {
        self.location = location
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // Effective only on a new database: lets maintenance give freed pages back.
            if !db.configuration.readonly { try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL") }
        }
        switch location {
        case .file(let url):
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            config.maximumReaderCount = 4
            dbWriter = try DatabasePool(path: url.path, configuration: config)
        case .memory:
            dbWriter = try DatabaseQueue(configuration: config)
        }
        var migrator = DatabaseMigrator()
        for m in migrations {
            migrator.registerMigration(m.id) { db in try m.apply(db) }
        }
        try migrator.migrate(dbWriter)
        writer = GroupCommitWriter(writer: dbWriter)
    }

    /// Reads with a consistent snapshot.
    public func read<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await dbWriter.read(work)
    }

    /// Writes through the group-commit writer.
    public func write<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await writer.write(work)
    }

    /// Bytes the database files take on disk (0 in memory).
    public func bytesOnDisk() -> Int64 {
        guard case .file(let url) = location else { return 0 }
        let dir = url.deletingLastPathComponent()
        return Self.directorySize(dir)
    }

    static func directorySize(_ dir: URL) -> Int64 {
        var total: Int64 = 0
        if let e = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: [.fileSizeKey]) {
            for case let f as URL in e {
                total += Int64((try? f.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? 0)
            }
        }
        return total
    }

    /// Deletes every row of every table (migrations stay applied).
    public func wipe() async throws {
        _ = try await writer.write { db in
            let tables = try String.fetchAll(db, sql: """
                SELECT name FROM sqlite_master WHERE type = 'table'
                AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'grdb_%'
                """)
            for t in tables { try db.execute(sql: "DELETE FROM \(t.quotedDatabaseIdentifier)") }
            return true
        }
    }
}

/// One versioned schema change.
public struct Migration: Sendable {
    public let id: String
    public let apply: @Sendable (Database) throws -> Void

    public init(_ id: String, _ apply: @escaping @Sendable (Database) throws -> Void) {
        self.id = id
        self.apply = apply
    }
}

extension SQLiteDatabase {
    /// The schema, in order. Never edit a shipped migration: add a new one.
    public static let migrations: [Migration] = [
        Migration("v1-resources") { db in
            try db.execute(sql: """
                CREATE TABLE resources (
                    kind TEXT NOT NULL,
                    account TEXT NOT NULL,
                    region TEXT NOT NULL,
                    name TEXT NOT NULL,
                    body BLOB NOT NULL,
                    created REAL NOT NULL,
                    updated REAL NOT NULL,
                    PRIMARY KEY (kind, account, region, name)
                ) WITHOUT ROWID;
                CREATE TABLE tags (
                    arn TEXT NOT NULL,
                    key TEXT NOT NULL,
                    value TEXT NOT NULL,
                    PRIMARY KEY (arn, key)
                ) WITHOUT ROWID;
                """)
        },
        Migration("v2-metrics") { db in
            try db.execute(sql: """
                CREATE TABLE metric_series (
                    id INTEGER PRIMARY KEY,
                    account TEXT NOT NULL,
                    region TEXT NOT NULL,
                    namespace TEXT NOT NULL,
                    name TEXT NOT NULL,
                    dims BLOB NOT NULL,
                    unit TEXT NOT NULL,
                    last_ts INTEGER NOT NULL,
                    last_received INTEGER NOT NULL
                );
                CREATE TABLE metric_head (id INTEGER PRIMARY KEY, seq INTEGER NOT NULL, body BLOB NOT NULL);
                CREATE TABLE metric_chunks (
                    series INTEGER NOT NULL,
                    resolution INTEGER NOT NULL,
                    window_start INTEGER NOT NULL,
                    part INTEGER NOT NULL,
                    window_end INTEGER NOT NULL,
                    body BLOB NOT NULL,
                    PRIMARY KEY (series, resolution, window_start, part)
                ) WITHOUT ROWID;
                CREATE INDEX metric_chunks_age ON metric_chunks (resolution, window_end);
                """)
        },
        // A rowid table: chunk bodies of a kilobyte or more overflow the pages of a
        // WITHOUT ROWID table's B-tree and nearly double the file.
        Migration("v3-metric-chunks-rowid") { db in
            try db.execute(sql: """
                CREATE TABLE metric_chunks_v3 (
                    series INTEGER NOT NULL,
                    resolution INTEGER NOT NULL,
                    window_start INTEGER NOT NULL,
                    part INTEGER NOT NULL,
                    window_end INTEGER NOT NULL,
                    body BLOB NOT NULL
                );
                INSERT INTO metric_chunks_v3 SELECT series, resolution, window_start, part, window_end, body FROM metric_chunks;
                DROP TABLE metric_chunks;
                ALTER TABLE metric_chunks_v3 RENAME TO metric_chunks;
                CREATE UNIQUE INDEX metric_chunks_key ON metric_chunks (series, resolution, window_start, part);
                CREATE INDEX metric_chunks_age ON metric_chunks (resolution, window_end);
                """)
        },
        Migration("v4-logs") { db in
            try db.execute(sql: """
                CREATE TABLE log_groups (
                    id INTEGER PRIMARY KEY,
                    account TEXT NOT NULL,
                    region TEXT NOT NULL,
                    name TEXT NOT NULL,
                    created INTEGER NOT NULL,
                    retention_days INTEGER,
                    kms_key TEXT,
                    class TEXT NOT NULL,
                    UNIQUE (account, region, name)
                );
                CREATE TABLE log_streams (
                    id INTEGER PRIMARY KEY,
                    group_id INTEGER NOT NULL,
                    name TEXT NOT NULL,
                    created INTEGER NOT NULL,
                    first_event INTEGER,
                    last_event INTEGER,
                    last_ingestion INTEGER,
                    stored_bytes INTEGER NOT NULL,
                    UNIQUE (group_id, name)
                );
                -- Events not yet sealed into blocks; seq orders equal timestamps by arrival.
                CREATE TABLE log_events (
                    seq INTEGER PRIMARY KEY,
                    stream INTEGER NOT NULL,
                    ts INTEGER NOT NULL,
                    ingested INTEGER NOT NULL,
                    message TEXT NOT NULL
                );
                CREATE INDEX log_events_by_stream ON log_events (stream, ts, seq);
                CREATE TABLE log_blocks (
                    id INTEGER PRIMARY KEY,
                    stream INTEGER NOT NULL,
                    first_ts INTEGER NOT NULL,
                    last_ts INTEGER NOT NULL,
                    last_seq INTEGER NOT NULL,
                    count INTEGER NOT NULL,
                    raw_bytes INTEGER NOT NULL,
                    body BLOB NOT NULL
                );
                CREATE INDEX log_blocks_by_stream ON log_blocks (stream, first_ts);
                """)
        },
        Migration("v5-objects") { db in
            try db.execute(sql: """
                CREATE TABLE s3_buckets (
                    name TEXT PRIMARY KEY,
                    account TEXT NOT NULL,
                    region TEXT NOT NULL,
                    created REAL NOT NULL
                );
                CREATE TABLE s3_objects (
                    bucket TEXT NOT NULL,
                    key TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    etag TEXT NOT NULL,
                    content_type TEXT NOT NULL,
                    modified REAL NOT NULL,
                    metadata BLOB NOT NULL,
                    body BLOB NOT NULL,
                    PRIMARY KEY (bucket, key)
                );
                """)
        },
        Migration("v6-trail-events") { db in
            try db.execute(sql: """
                CREATE TABLE trail_events (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    event_id TEXT NOT NULL,
                    account TEXT NOT NULL,
                    region TEXT NOT NULL,
                    time INTEGER NOT NULL,
                    name TEXT NOT NULL,
                    source TEXT NOT NULL,
                    username TEXT NOT NULL,
                    access_key TEXT NOT NULL,
                    read_only INTEGER NOT NULL,
                    management INTEGER NOT NULL,
                    resources TEXT NOT NULL,
                    body TEXT NOT NULL
                );
                CREATE INDEX trail_events_by_time ON trail_events (account, region, time);
                CREATE INDEX trail_events_by_id ON trail_events (event_id);
                """)
        },
        // Event ids now carry their time (UUID v7 layout), so the time index finds them; one
        // index less to maintain per recorded call (W6).
        Migration("v7-drop-trail-event-id-index") { db in
            try db.execute(sql: "DROP INDEX trail_events_by_id")
        },
        // A PutLogEvents is written as one raw block instead of a row per event (W2); the
        // rows of an older store become raw blocks, and maintenance seals them as before.
        Migration("v8-log-events-as-raw-blocks") { db in
            try db.execute(sql: """
                ALTER TABLE log_blocks ADD COLUMN format INTEGER NOT NULL DEFAULT 1;
                ALTER TABLE log_blocks ADD COLUMN ingested INTEGER NOT NULL DEFAULT 0;
                CREATE INDEX log_blocks_raw ON log_blocks (ingested) WHERE format = 0;
                """)
            try SQLiteLogStore.moveRowsIntoRawBlocks(db)
            try db.execute(sql: "DROP TABLE log_events")
        },
        // Durable work (SNS deliveries), the leases singleton jobs hold, and the metric
        // samples PutLogEvents derives, committed with its events (applied to the metric head
        // after the commit; deleted by the checkpoint that covers them).
        Migration("v9-runtime") { db in
            try db.execute(sql: """
                CREATE TABLE outbox (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    kind TEXT NOT NULL,
                    payload BLOB NOT NULL,
                    attempts INTEGER NOT NULL,
                    not_before INTEGER NOT NULL
                );
                CREATE INDEX outbox_due ON outbox (kind, not_before, id);
                CREATE TABLE leases (
                    name TEXT PRIMARY KEY,
                    holder TEXT NOT NULL,
                    expires REAL NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE metric_inbox (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    body BLOB NOT NULL
                );
                """)
        },
        // Log group and stream ids are never reused (a rowid is, after the highest row is
        // deleted): a request racing a delete and re-create must not reach the new one.
        Migration("v10-id-sequences") { db in
            try db.execute(sql: """
                CREATE TABLE id_sequences (name TEXT PRIMARY KEY, last INTEGER NOT NULL) WITHOUT ROWID;
                INSERT INTO id_sequences SELECT 'log_groups', coalesce(max(id), 0) FROM log_groups;
                INSERT INTO id_sequences SELECT 'log_streams', coalesce(max(id), 0) FROM log_streams;
                """)
        },
        // FilterLogEvents finds the blocks of a time range from the index alone (the rows'
        // bodies are not read until a block is decoded): bounded by last_ts as well.
        Migration("v11-log-block-range-index") { db in
            try db.execute(sql: "CREATE INDEX log_blocks_by_stream_end ON log_blocks (stream, last_ts, first_ts, format)")
        },
        // A sealed block's trigram filter (StorageEngine's TrigramFilter), so a scan for a
        // literal term skips blocks that cannot hold it. Blocks sealed before have none.
        Migration("v12-log-block-trigrams") { db in
            try db.execute(sql: "ALTER TABLE log_blocks ADD COLUMN grams BLOB")
        },
    ]

    /// The next id of `sequence`, inside the caller's transaction (never one handed out before).
    static func nextID(_ db: Database, _ sequence: String) throws -> Int64 {
        try db.execute(sql: """
            INSERT INTO id_sequences (name, last) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET last = last + 1
            """, arguments: [sequence])
        return try Int64.fetchOne(db, sql: "SELECT last FROM id_sequences WHERE name = ?", arguments: [sequence]) ?? 1
    }
}
