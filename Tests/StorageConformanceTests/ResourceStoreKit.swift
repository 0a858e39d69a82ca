import Foundation
import Storage
import Testing
import TrailwatchCore

/// The `ResourceStore` and `TagStore` contracts (Storage/ResourceStore.swift), run against
/// every backend.
@Suite("ResourceStore and TagStore conformance")
struct ResourceStoreKit {
    let scope = ResourceScope(accountId: "111111111111", region: "eu-west-1")
    let t0 = Date(timeIntervalSince1970: 1_000_000)

    func make(_ factory: BackendFactory) throws -> any StorageBackend {
        try factory.make(ManualClock(t0))
    }

    func record(_ name: String, _ body: String = "{}", kind: String = "k", scope: ResourceScope? = nil, at t: Date? = nil) -> ResourceRecord {
        ResourceRecord(kind: kind, scope: scope ?? self.scope, name: name, body: Array(body.utf8), createdAt: t ?? t0, updatedAt: t ?? t0)
    }

    func names(_ store: any ResourceStore, prefix: String? = nil, after: String? = nil, limit: Int = 100) async throws -> [String] {
        try await store.list(kind: "k", scope: scope, prefix: prefix, after: after, limit: limit).map(\.name)
    }

    // MARK: ResourceStore

    @Test("get of a missing resource is nil; put then get answers the record", arguments: BackendFactory.all)
    func putGet(_ factory: BackendFactory) async throws {
        let store = try make(factory).resources
        #expect(try await store.get(kind: "k", scope: scope, name: "a") == nil)
        #expect(try await store.put(record("a", "1"), ifAbsent: false))
        #expect(try await store.get(kind: "k", scope: scope, name: "a") == record("a", "1"))
    }

    @Test("put replaces the body and updatedAt and keeps createdAt", arguments: BackendFactory.all)
    func replaceKeepsCreated(_ factory: BackendFactory) async throws {
        let store = try make(factory).resources
        try await store.put(record("a", "1"), ifAbsent: false)
        #expect(try await store.put(record("a", "2", at: t0.addingTimeInterval(5)), ifAbsent: false))
        let got = try #require(try await store.get(kind: "k", scope: scope, name: "a"))
        #expect(got.body == Array("2".utf8))
        #expect(got.createdAt == t0)
        #expect(got.updatedAt == t0.addingTimeInterval(5))
        #expect(try await store.list(kind: "k", scope: scope, prefix: nil, after: nil, limit: 10) == [got])
    }

    @Test("put of several records stores them all, each replacing its key and keeping createdAt", arguments: BackendFactory.all)
    func putMany(_ factory: BackendFactory) async throws {
        let store = try make(factory).resources
        try await store.put(record("a", "1"), ifAbsent: false)
        let other = ResourceRecord(kind: "other", scope: ResourceScope(accountId: "222222222222", region: ""), name: "z",
                                   body: Array("9".utf8), createdAt: t0, updatedAt: t0)
        try await store.put([record("a", "2", at: t0.addingTimeInterval(5)), record("b", "3"), other])
        let a = try #require(try await store.get(kind: "k", scope: scope, name: "a"))
        #expect(a.body == Array("2".utf8) && a.createdAt == t0 && a.updatedAt == t0.addingTimeInterval(5))
        #expect(try await store.get(kind: "k", scope: scope, name: "b") == record("b", "3"))
        #expect(try await store.get(kind: "other", scope: other.scope, name: "z") == other)
        try await store.put([])
        #expect(try await store.list(kind: "k", scope: scope, prefix: nil, after: nil, limit: 10).map(\.name) == ["a", "b"])
    }

    @Test("put enqueueing stores the records and the backend's outbox gets the items, in order, with ids after any before", arguments: BackendFactory.all)
    func putEnqueueing(_ factory: BackendFactory) async throws {
        let backend = try make(factory)
        let before = try await backend.outbox.enqueue([OutboxItem(kind: "q", payload: [0], notBefore: 0)])
        try await backend.resources.put([record("a", "1")], enqueueing: [
            OutboxItem(kind: "q", payload: [1], notBefore: 5), OutboxItem(kind: "q", payload: [2], notBefore: 5)])
        #expect(try await backend.resources.get(kind: "k", scope: scope, name: "a") == record("a", "1"))
        let due = try await backend.outbox.due(kind: "q", now: 5, limit: 10)
        #expect(due.map(\.payload) == [[0], [1], [2]])
        #expect(due.dropFirst().allSatisfy { $0.id > before[0] && $0.attempts == 0 && $0.notBefore == 5 })
        // Items alone, and nothing at all, are fine too.
        try await backend.resources.put([], enqueueing: [OutboxItem(kind: "q", payload: [3], notBefore: 5)])
        try await backend.resources.put([], enqueueing: [])
        #expect(try await backend.outbox.due(kind: "q", now: 5, limit: 10).count == 4)
    }

    @Test("put ifAbsent stores a new resource, and leaves an existing one alone answering false", arguments: BackendFactory.all)
    func putIfAbsent(_ factory: BackendFactory) async throws {
        let store = try make(factory).resources
        #expect(try await store.put(record("a", "1"), ifAbsent: true))
        #expect(try await store.put(record("a", "2", at: t0.addingTimeInterval(9)), ifAbsent: true) == false)
        #expect(try await store.put(record("a", "3"), ifAbsent: true) == false)
        #expect(try await store.get(kind: "k", scope: scope, name: "a") == record("a", "1"))
        #expect(try await names(store) == ["a"])
    }

    @Test("kinds, accounts and regions are separate; the global region is a region", arguments: BackendFactory.all)
    func isolation(_ factory: BackendFactory) async throws {
        let store = try make(factory).resources
        let otherRegion = ResourceScope(accountId: scope.accountId, region: "us-east-1")
        let otherAccount = ResourceScope(accountId: "222222222222", region: scope.region)
        let global = ResourceScope(accountId: scope.accountId, region: "")
        try await store.put(record("a", "mine"), ifAbsent: false)
        try await store.put(record("a", "region", scope: otherRegion), ifAbsent: false)
        try await store.put(record("a", "account", scope: otherAccount), ifAbsent: false)
        try await store.put(record("a", "global", scope: global), ifAbsent: false)
        try await store.put(record("a", "kind", kind: "other"), ifAbsent: false)
        #expect(try await store.get(kind: "k", scope: scope, name: "a")?.body == Array("mine".utf8))
        #expect(try await store.get(kind: "k", scope: otherRegion, name: "a")?.body == Array("region".utf8))
        #expect(try await store.get(kind: "k", scope: otherAccount, name: "a")?.body == Array("account".utf8))
        #expect(try await store.get(kind: "k", scope: global, name: "a")?.body == Array("global".utf8))
        #expect(try await store.get(kind: "other", scope: scope, name: "a")?.body == Array("kind".utf8))
        #expect(try await store.list(kind: "k", scope: scope, prefix: nil, after: nil, limit: 10).map(\.body) == [Array("mine".utf8)])
        // Deleting in one scope leaves the others.
        _ = try await store.delete(kind: "k", scope: scope, names: ["a"], allOrNothing: false)
        #expect(try await store.get(kind: "k", scope: otherRegion, name: "a") != nil)
        #expect(try await store.get(kind: "other", scope: scope, name: "a") != nil)
        // ifAbsent only looks at its own key.
        #expect(try await store.put(record("a", "again"), ifAbsent: true))
    }

    @Test("list orders names byte-wise, ascending; prefix is case-sensitive", arguments: BackendFactory.all)
    func listOrder(_ factory: BackendFactory) async throws {
        let store = try make(factory).resources
        // U+FF5E sorts before U+10000 in UTF-8 (and in scalars), after it in UTF-16.
        for n in ["b", "a", "ab", "B", "abc", "c", "\u{10000}", "\u{FF5E}", "é", "a b"] { try await store.put(record(n), ifAbsent: false) }
        #expect(try await names(store) == ["B", "a", "a b", "ab", "abc", "b", "c", "é", "\u{FF5E}", "\u{10000}"])
        #expect(try await names(store, prefix: "ab") == ["ab", "abc"])
        #expect(try await names(store, prefix: "A").isEmpty)
        #expect(try await names(store, prefix: "") == names(store))
        #expect(try await names(store, prefix: "abcd").isEmpty)
    }

    @Test("list pages: after is exclusive, limit bounds the page, limit 0 answers nothing", arguments: BackendFactory.all)
    func listPaging(_ factory: BackendFactory) async throws {
        let store = try make(factory).resources
        for n in ["b", "a", "ab", "B", "abc", "c"] { try await store.put(record(n), ifAbsent: false) }
        #expect(try await names(store, after: "ab", limit: 2) == ["abc", "b"])
        #expect(try await names(store, prefix: "a", after: "a") == ["ab", "abc"])
        // `after` need not be a stored name.
        #expect(try await names(store, after: "aa") == ["ab", "abc", "b", "c"])
        #expect(try await names(store, after: "c").isEmpty)
        // An `after` before the prefix starts at the prefix; one past it ends the list.
        #expect(try await names(store, prefix: "ab", after: "A") == ["ab", "abc"])
        #expect(try await names(store, prefix: "a", after: "b").isEmpty)
        #expect(try await names(store, limit: 0).isEmpty)
        // Walking pages visits every name once, in order.
        var seen: [String] = []
        var after: String?
        while true {
            let page = try await names(store, after: after, limit: 4)
            seen += page
            guard page.count == 4 else { break }
            after = page.last
        }
        #expect(seen == ["B", "a", "ab", "abc", "b", "c"])
    }

    @Test("delete reports deleted and missing names", arguments: BackendFactory.all)
    func delete(_ factory: BackendFactory) async throws {
        let store = try make(factory).resources
        try await store.put(record("a"), ifAbsent: false)
        try await store.put(record("b"), ifAbsent: false)
        let done = try await store.delete(kind: "k", scope: scope, names: ["a", "zz"], allOrNothing: false)
        #expect(done == ResourceDeletion(deleted: ["a"], missing: ["zz"]))
        #expect(try await store.get(kind: "k", scope: scope, name: "a") == nil)
        #expect(try await names(store) == ["b"])
        // Deleting again: missing, not an error.
        #expect(try await store.delete(kind: "k", scope: scope, names: ["a"], allOrNothing: false) == ResourceDeletion(deleted: [], missing: ["a"]))
    }

    @Test("delete allOrNothing with a missing name deletes nothing", arguments: BackendFactory.all)
    func deleteAllOrNothing(_ factory: BackendFactory) async throws {
        let store = try make(factory).resources
        try await store.put(record("a"), ifAbsent: false)
        try await store.put(record("b"), ifAbsent: false)
        let refused = try await store.delete(kind: "k", scope: scope, names: ["a", "zz", "b"], allOrNothing: true)
        #expect(refused.deleted.isEmpty)
        #expect(refused.missing == ["zz"])
        #expect(try await names(store) == ["a", "b"])
        let done = try await store.delete(kind: "k", scope: scope, names: ["a", "b"], allOrNothing: true)
        #expect(done == ResourceDeletion(deleted: ["a", "b"], missing: []))
        #expect(try await names(store).isEmpty)
    }

    @Test("all answers every resource of a kind in every scope, and no other kind", arguments: BackendFactory.all)
    func all(_ factory: BackendFactory) async throws {
        let store = try make(factory).resources
        let other = ResourceScope(accountId: "222222222222", region: "us-east-1")
        try await store.put(record("a"), ifAbsent: false)
        try await store.put(record("b", scope: other), ifAbsent: false)
        try await store.put(record("c", scope: ResourceScope(accountId: "333333333333", region: "")), ifAbsent: false)
        try await store.put(record("x", kind: "other"), ifAbsent: false)
        let all = try await store.all(kind: "k")
        #expect(Set(all.map { "\($0.scope.accountId)/\($0.scope.region)/\($0.name)" })
            == ["111111111111/eu-west-1/a", "222222222222/us-east-1/b", "333333333333//c"])
        #expect(all.count == 3)
        #expect(try await store.all(kind: "none").isEmpty)
    }

    @Test("concurrent puts of distinct names are all applied", arguments: BackendFactory.all)
    func concurrentPuts(_ factory: BackendFactory) async throws {
        let store = try make(factory).resources
        let records = (0..<200).map { record(String(format: "r%03d", $0)) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for r in records { group.addTask { try await store.put(r, ifAbsent: false) } }
            try await group.waitForAll()
        }
        #expect(try await names(store, limit: 1000) == records.map(\.name))
    }

    @Test("concurrent put ifAbsent of one name: exactly one wins", arguments: BackendFactory.all)
    func concurrentIfAbsent(_ factory: BackendFactory) async throws {
        let store = try make(factory).resources
        let candidates = (0..<20).map { record("one", "\($0)") }
        let wins = try await withThrowingTaskGroup(of: Bool.self, returning: Int.self) { group in
            for r in candidates { group.addTask { try await store.put(r, ifAbsent: true) } }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(wins == 1)
        #expect(try await names(store) == ["one"])
    }

    // MARK: TagStore

    @Test("setTags merges, overwriting keys present; tags come back by key ascending", arguments: BackendFactory.all)
    func tagsMerge(_ factory: BackendFactory) async throws {
        let tags = try make(factory).tags
        #expect(try await tags.tags(arn: "arn:x").isEmpty)
        try await tags.setTags(arn: "arn:x", [(key: "b", value: "1"), (key: "a", value: "2"), (key: "B", value: "0")])
        try await tags.setTags(arn: "arn:x", [(key: "b", value: "3"), (key: "c", value: "4")])
        #expect(try await tags.tags(arn: "arn:x").map { "\($0.key)=\($0.value)" } == ["B=0", "a=2", "b=3", "c=4"])
        try await tags.setTags(arn: "arn:x", [])
        #expect(try await tags.tags(arn: "arn:x").count == 4)
    }

    @Test("removeTags removes only the keys named (missing keys are ignored); removeAllTags empties the ARN", arguments: BackendFactory.all)
    func tagsRemove(_ factory: BackendFactory) async throws {
        let tags = try make(factory).tags
        try await tags.setTags(arn: "arn:x", [(key: "a", value: "1"), (key: "b", value: "2"), (key: "c", value: "3")])
        try await tags.removeTags(arn: "arn:x", keys: ["a", "nope"])
        #expect(try await tags.tags(arn: "arn:x").map(\.key) == ["b", "c"])
        try await tags.removeAllTags(arn: "arn:x")
        #expect(try await tags.tags(arn: "arn:x").isEmpty)
        try await tags.removeAllTags(arn: "arn:never")
        try await tags.removeTags(arn: "arn:never", keys: ["a"])
    }

    @Test("tags of different ARNs are separate", arguments: BackendFactory.all)
    func tagsIsolation(_ factory: BackendFactory) async throws {
        let tags = try make(factory).tags
        try await tags.setTags(arn: "arn:x", [(key: "k", value: "x")])
        try await tags.setTags(arn: "arn:x2", [(key: "k", value: "x2")])
        try await tags.setTags(arn: "ARN:X", [(key: "k", value: "X")])
        #expect(try await tags.tags(arn: "arn:x").map(\.value) == ["x"])
        try await tags.removeAllTags(arn: "arn:x")
        #expect(try await tags.tags(arn: "arn:x2").map(\.value) == ["x2"])
        #expect(try await tags.tags(arn: "ARN:X").map(\.value) == ["X"])
    }

    // MARK: Reset

    @Test("reset wipes resources and tags", arguments: BackendFactory.all)
    func reset(_ factory: BackendFactory) async throws {
        let backend = try make(factory)
        try await backend.resources.put(record("a"), ifAbsent: false)
        try await backend.tags.setTags(arn: "arn:x", [(key: "a", value: "1")])
        try await backend.reset()
        #expect(try await backend.resources.get(kind: "k", scope: scope, name: "a") == nil)
        #expect(try await backend.resources.all(kind: "k").isEmpty)
        #expect(try await backend.tags.tags(arn: "arn:x").isEmpty)
        #expect(try await backend.resources.put(record("a"), ifAbsent: true))
    }
}
