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

/// The `ResourceStore` / `TagStore` contract (Storage/ResourceStore.swift), run against every
/// implementation.
@Suite("ResourceStore conformance")
struct ResourceStoreConformanceTests {
    let scope = ResourceScope(accountId: "111111111111", region: "eu-west-1")
    let t0 = Date(timeIntervalSince1970: 1_000_000)

    func record(_ name: String, _ body: String = "{}", at t: Date? = nil) -> ResourceRecord {
        ResourceRecord(kind: "k", scope: scope, name: name, body: Array(body.utf8), createdAt: t ?? t0, updatedAt: t ?? t0)
    }

    @Test("put then get; replacing keeps createdAt", arguments: StoreLocation.allCases)
    func putGet(_ location: StoreLocation) async throws {
        let store = try SQLiteResourceStore(try location.open().0)
        #expect(try await store.get(kind: "k", scope: scope, name: "a") == nil)
        try await store.put(record("a", "1"), ifAbsent: false)
        try await store.put(record("a", "2", at: t0.addingTimeInterval(5)), ifAbsent: false)
        let got = try #require(try await store.get(kind: "k", scope: scope, name: "a"))
        #expect(got.body == Array("2".utf8))
        #expect(got.createdAt == t0)
        #expect(got.updatedAt == t0.addingTimeInterval(5))
        #expect(try await store.put(record("a", "3"), ifAbsent: true) == false)
        #expect(try await store.get(kind: "k", scope: scope, name: "a")?.body == Array("2".utf8))
    }

    @Test("scopes and kinds are separate", arguments: StoreLocation.allCases)
    func isolation(_ location: StoreLocation) async throws {
        let store = try SQLiteResourceStore(try location.open().0)
        try await store.put(record("a"), ifAbsent: false)
        #expect(try await store.get(kind: "k", scope: ResourceScope(accountId: "111111111111", region: "us-east-1"), name: "a") == nil)
        #expect(try await store.get(kind: "other", scope: scope, name: "a") == nil)
    }

    @Test("list orders by name, pages with after, filters by prefix", arguments: StoreLocation.allCases)
    func list(_ location: StoreLocation) async throws {
        let store = try SQLiteResourceStore(try location.open().0)
        for n in ["b", "a", "ab", "B", "abc", "c"] { try await store.put(record(n), ifAbsent: false) }
        #expect(try await store.list(kind: "k", scope: scope, prefix: nil, after: nil, limit: 10).map(\.name) == ["B", "a", "ab", "abc", "b", "c"])
        #expect(try await store.list(kind: "k", scope: scope, prefix: "ab", after: nil, limit: 10).map(\.name) == ["ab", "abc"])
        #expect(try await store.list(kind: "k", scope: scope, prefix: nil, after: "ab", limit: 2).map(\.name) == ["abc", "b"])
        #expect(try await store.list(kind: "k", scope: scope, prefix: "a", after: "a", limit: 10).map(\.name) == ["ab", "abc"])
    }

    @Test("delete all-or-nothing leaves everything when a name is missing", arguments: StoreLocation.allCases)
    func deleteAtomic(_ location: StoreLocation) async throws {
        let store = try SQLiteResourceStore(try location.open().0)
        try await store.put(record("a"), ifAbsent: false)
        try await store.put(record("b"), ifAbsent: false)
        let refused = try await store.delete(kind: "k", scope: scope, names: ["a", "zz"], allOrNothing: true)
        #expect(refused == ResourceDeletion(deleted: [], missing: ["zz"]))
        #expect(try await store.get(kind: "k", scope: scope, name: "a") != nil)
        let done = try await store.delete(kind: "k", scope: scope, names: ["a", "zz"], allOrNothing: false)
        #expect(done == ResourceDeletion(deleted: ["a"], missing: ["zz"]))
        #expect(try await store.get(kind: "k", scope: scope, name: "a") == nil)
    }

    @Test("tags merge, remove and come back sorted", arguments: StoreLocation.allCases)
    func tags(_ location: StoreLocation) async throws {
        let store = try SQLiteResourceStore(try location.open().0)
        try await store.setTags(arn: "arn:x", [(key: "b", value: "1"), (key: "a", value: "2")])
        try await store.setTags(arn: "arn:x", [(key: "b", value: "3")])
        #expect(try await store.tags(arn: "arn:x").map { "\($0.key)=\($0.value)" } == ["a=2", "b=3"])
        try await store.removeTags(arn: "arn:x", keys: ["a", "nope"])
        #expect(try await store.tags(arn: "arn:x").map(\.key) == ["b"])
        try await store.removeAllTags(arn: "arn:x")
        #expect(try await store.tags(arn: "arn:x").isEmpty)
    }

    @Test("reset wipes every table", arguments: StoreLocation.allCases)
    func reset(_ location: StoreLocation) async throws {
        let store = try SQLiteResourceStore(try location.open().0)
        try await store.put(record("a"), ifAbsent: false)
        try await store.setTags(arn: "arn:x", [(key: "a", value: "1")])
        try await store.reset()
        #expect(try await store.get(kind: "k", scope: scope, name: "a") == nil)
        #expect(try await store.tags(arn: "arn:x").isEmpty)
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
