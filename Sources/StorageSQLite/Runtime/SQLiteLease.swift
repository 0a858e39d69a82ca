import Foundation
import GRDB
public import Runtime
public import TrailwatchCore

/// `Lease` rows in the embedded database: (name, holder, expiry). One process owns an
/// embedded database, so in practice the server's own node always holds every lease; the rows
/// make the contract the same one PostgreSQL's leases pass.
public struct SQLiteLease: Lease {
    let db: SQLiteDatabase
    let clock: any WallClock

    public init(_ db: SQLiteDatabase, clock: any WallClock) {
        self.db = db
        self.clock = clock
    }

    public func acquire(_ name: String, holder: String, seconds: Double) async throws -> Bool {
        let now = clock.now().timeIntervalSince1970
        return try await db.write { db in
            try db.execute(sql: """
                INSERT INTO leases (name, holder, expires) VALUES (?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires = excluded.expires
                WHERE leases.holder = excluded.holder OR leases.expires <= ?
                """, arguments: [name, holder, now + seconds, now])
            return db.changesCount > 0
        }
    }

    public func release(_ name: String, holder: String) async throws {
        _ = try await db.write { db in
            try db.execute(sql: "DELETE FROM leases WHERE name = ? AND holder = ?", arguments: [name, holder])
            return true
        }
    }
}
