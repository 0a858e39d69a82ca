import Foundation
import GRDB
import Storage
import StorageSQLite
import Testing
import TrailwatchCore

/// Where a store under test lives.
enum StoreLocation: String, CaseIterable, CustomStringConvertible, Sendable {
    case memory, file
    var description: String { rawValue }

    func open() throws -> (SQLiteDatabase, URL?) {
        switch self {
        case .memory:
            return (try SQLiteDatabase(location: .memory), nil)
        case .file:
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tw-\(UUID().uuidString)")
            return (try SQLiteDatabase(location: .file(dir.appendingPathComponent("db.sqlite"))), dir)
        }
    }
}

@Suite("Embedded database")
struct SQLiteDatabaseTests {
    @Test("state survives closing and reopening the file")
    func persistence() async throws {
        let (db, dir) = try StoreLocation.file.open()
        let url = dir!.appendingPathComponent("db.sqlite")
        let scope = ResourceScope(accountId: "111111111111", region: "")
        try await (try SQLiteResourceStore(db)).put(ResourceRecord(kind: "k", scope: scope, name: "kept", body: [1, 2, 3],
                                                             createdAt: Date(), updatedAt: Date()), ifAbsent: false)
        let reopened = try SQLiteResourceStore(try SQLiteDatabase(location: .file(url)))
        #expect(try await reopened.get(kind: "k", scope: scope, name: "kept")?.body == [1, 2, 3])
    }

    @Test("concurrent writes share commits and every one is applied")
    func groupCommit() async throws {
        let (db, _) = try StoreLocation.file.open()
        _ = try await db.write { db in try db.execute(sql: "CREATE TABLE n (v INTEGER)") }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<500 {
                group.addTask { _ = try await db.write { db in try db.execute(sql: "INSERT INTO n VALUES (?)", arguments: [i]) } }
            }
            try await group.waitForAll()
        }
        let count = try await db.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM n") }
        #expect(count == 500)
    }

    @Test("a failing write rolls back alone; the others in its batch commit")
    func failingJob() async throws {
        let (db, _) = try StoreLocation.memory.open()
        _ = try await db.write { db in try db.execute(sql: "CREATE TABLE n (v INTEGER PRIMARY KEY)") }
        struct Boom: Error {}
        let results = await withTaskGroup(of: Bool.self, returning: [Bool].self) { group in
            for i in 0..<50 {
                group.addTask {
                    do {
                        _ = try await db.write { db in
                            try db.execute(sql: "INSERT INTO n VALUES (?)", arguments: [i])
                            if i % 10 == 0 { throw Boom() }
                        }
                        return true
                    } catch {
                        return false
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.filter { !$0 }.count == 5)
        let count = try await db.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM n") }
        #expect(count == 45)
    }
}
