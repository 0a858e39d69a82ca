import Foundation
import Storage
import Testing
import TrailwatchCore

/// The `ObjectStore` contract (Storage/Objects/ObjectStore.swift), run against every backend.
@Suite("ObjectStore conformance")
struct ObjectStoreKit {
    /// Whole and half seconds: exact in any store that keeps seconds as a double.
    let t0 = Date(timeIntervalSince1970: 1_790_000_000.5)

    func make(_ factory: BackendFactory) throws -> any StorageBackend {
        try factory.make(ManualClock(t0))
    }

    func bucket(_ name: String, account: String = "111111111111", region: String = "eu-west-1") -> BucketRecord {
        BucketRecord(name: name, accountId: account, region: region, createdAt: t0)
    }

    func object(_ bucket: String, _ key: String, _ body: [UInt8] = [1, 2, 3], metadata: [String: String] = [:], at t: Date? = nil) -> ObjectRecord {
        ObjectRecord(bucket: bucket, key: key, size: body.count, etag: "\"\(body.count)\"", contentType: "application/octet-stream",
                     lastModified: t ?? t0, metadata: metadata)
    }

    func put(_ store: any ObjectStore, _ bucket: String, _ key: String, _ body: [UInt8] = [1, 2, 3]) async throws {
        try await store.putObject(object(bucket, key, body), body: body)
    }

    func keys(_ store: any ObjectStore, _ bucket: String = "b", prefix: String = "", after: String? = nil, limit: Int = 1000) async throws -> [String] {
        try await store.listObjects(bucket: bucket, prefix: prefix, after: after, limit: limit).map(\.key)
    }

    // MARK: Buckets

    @Test("createBucket: true once; a name is global, so another account cannot take it", arguments: BackendFactory.all)
    func createBucket(_ factory: BackendFactory) async throws {
        let store = try make(factory).objects
        #expect(try await store.bucket("b") == nil)
        #expect(try await store.createBucket(bucket("b")))
        #expect(try await store.createBucket(bucket("b")) == false)
        #expect(try await store.createBucket(bucket("b", account: "222222222222", region: "us-east-1")) == false)
        #expect(try await store.bucket("b") == bucket("b"))
        #expect(try await store.bucket("B") == nil)
    }

    @Test("buckets lists an account's buckets by name, in every region, and no other account's", arguments: BackendFactory.all)
    func bucketsByAccount(_ factory: BackendFactory) async throws {
        let store = try make(factory).objects
        for (n, r) in [("zeta", "eu-west-1"), ("alpha", "us-east-1"), ("mid-1", "eu-west-1"), ("mid.2", "ap-south-1")] {
            #expect(try await store.createBucket(bucket(n, region: r)))
        }
        #expect(try await store.createBucket(bucket("theirs", account: "222222222222")))
        #expect(try await store.buckets(accountId: "111111111111").map(\.name) == ["alpha", "mid-1", "mid.2", "zeta"])
        #expect(try await store.buckets(accountId: "111111111111").first == bucket("alpha", region: "us-east-1"))
        #expect(try await store.buckets(accountId: "222222222222").map(\.name) == ["theirs"])
        #expect(try await store.buckets(accountId: "333333333333").isEmpty)
    }

    @Test("deleteBucket: missing, notEmpty while it holds an object, deleted once empty; the name is free again", arguments: BackendFactory.all)
    func deleteBucket(_ factory: BackendFactory) async throws {
        let store = try make(factory).objects
        #expect(try await store.deleteBucket("b") == .missing)
        #expect(try await store.createBucket(bucket("b")))
        #expect(try await store.createBucket(bucket("b2")))
        try await put(store, "b", "k")
        try await put(store, "b2", "k")
        #expect(try await store.deleteBucket("b") == .notEmpty)
        #expect(try await store.bucket("b") != nil)
        #expect(try await store.headObject(bucket: "b", key: "k") != nil)
        #expect(try await store.deleteObject(bucket: "b", key: "k"))
        #expect(try await store.deleteBucket("b") == .deleted)
        #expect(try await store.deleteBucket("b") == .missing)
        #expect(try await store.bucket("b") == nil)
        #expect(try await store.bucket("b2") != nil)
        #expect(try await store.createBucket(bucket("b", account: "222222222222")))
        #expect(try await store.bucket("b")?.accountId == "222222222222")
    }

    // MARK: Objects

    @Test("putObject then object answers the record and bytes; headObject the same record", arguments: BackendFactory.all)
    func putGet(_ factory: BackendFactory) async throws {
        let store = try make(factory).objects
        #expect(try await store.createBucket(bucket("b")))
        #expect(try await store.object(bucket: "b", key: "k") == nil)
        #expect(try await store.headObject(bucket: "b", key: "k") == nil)
        let body = (0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let record = object("b", "dir/k.json.gz", body, metadata: ["owner": "me", "empty": "", "ünï": "cödé"])
        try await store.putObject(record, body: body)
        let (got, bytes) = try #require(try await store.object(bucket: "b", key: "dir/k.json.gz"))
        #expect(got == record)
        #expect(bytes == body)
        #expect(try await store.headObject(bucket: "b", key: "dir/k.json.gz") == record)
        // An empty object.
        try await store.putObject(object("b", "empty", []), body: [])
        #expect(try await store.object(bucket: "b", key: "empty").map { $0.1 } == [])
    }

    @Test("putObject replaces everything about an existing object", arguments: BackendFactory.all)
    func replace(_ factory: BackendFactory) async throws {
        let store = try make(factory).objects
        #expect(try await store.createBucket(bucket("b")))
        try await store.putObject(object("b", "k", [1, 2, 3], metadata: ["a": "1"]), body: [1, 2, 3])
        var newer = object("b", "k", [9], metadata: ["b": "2"], at: t0.addingTimeInterval(60))
        newer.contentType = "text/plain"
        try await store.putObject(newer, body: [9])
        let (got, bytes) = try #require(try await store.object(bucket: "b", key: "k"))
        #expect(got == newer)
        #expect(bytes == [9])
        #expect(try await keys(store) == ["k"])
    }

    @Test("objects are per bucket; keys are case-sensitive", arguments: BackendFactory.all)
    func isolation(_ factory: BackendFactory) async throws {
        let store = try make(factory).objects
        #expect(try await store.createBucket(bucket("b")))
        #expect(try await store.createBucket(bucket("c")))
        try await put(store, "b", "k", [1])
        try await put(store, "c", "k", [2])
        try await put(store, "b", "K", [3])
        #expect(try await store.object(bucket: "b", key: "k")?.1 == [1])
        #expect(try await store.object(bucket: "c", key: "k")?.1 == [2])
        #expect(try await store.object(bucket: "b", key: "K")?.1 == [3])
        #expect(try await store.deleteObject(bucket: "b", key: "k"))
        #expect(try await store.object(bucket: "c", key: "k") != nil)
        #expect(try await keys(store, "c") == ["k"])
    }

    @Test("deleteObject is true when something was deleted, false after", arguments: BackendFactory.all)
    func deleteObject(_ factory: BackendFactory) async throws {
        let store = try make(factory).objects
        #expect(try await store.createBucket(bucket("b")))
        try await put(store, "b", "k")
        #expect(try await store.deleteObject(bucket: "b", key: "k"))
        #expect(try await store.deleteObject(bucket: "b", key: "k") == false)
        #expect(try await store.deleteObject(bucket: "nope", key: "k") == false)
        #expect(try await store.object(bucket: "b", key: "k") == nil)
        #expect(try await store.headObject(bucket: "b", key: "k") == nil)
    }

    @Test("listObjects orders keys byte-wise (UTF-8); prefix is literal and case-sensitive", arguments: BackendFactory.all)
    func listOrder(_ factory: BackendFactory) async throws {
        let store = try make(factory).objects
        #expect(try await store.createBucket(bucket("b")))
        let all = ["a", "B", "a/b", "a/c", "ab", "a%", "a_", "é", "\u{FF5E}", "\u{10000}", "~"]
        for k in all { try await put(store, "b", k) }
        let sorted = ["B", "a", "a%", "a/b", "a/c", "a_", "ab", "~", "é", "\u{FF5E}", "\u{10000}"]
        #expect(try await keys(store) == sorted)
        #expect(try await keys(store, prefix: "a/") == ["a/b", "a/c"])
        #expect(try await keys(store, prefix: "a%") == ["a%"])
        #expect(try await keys(store, prefix: "a_") == ["a_"])
        #expect(try await keys(store, prefix: "A").isEmpty)
        #expect(try await keys(store, prefix: "é") == ["é"])
        #expect(try await keys(store, prefix: "a/b/").isEmpty)
        #expect(try await keys(store, "other").isEmpty)
    }

    @Test("listObjects pages: after is exclusive and need not exist, limit bounds the page, limit 0 answers nothing", arguments: BackendFactory.all)
    func listPaging(_ factory: BackendFactory) async throws {
        let store = try make(factory).objects
        #expect(try await store.createBucket(bucket("b")))
        let names = (0..<25).map { String(format: "logs/%02d.gz", $0) } + ["other", "é"]
        for k in names.shuffled() { try await put(store, "b", k) }
        #expect(try await keys(store, prefix: "logs/", after: "logs/10.gz", limit: 3) == ["logs/11.gz", "logs/12.gz", "logs/13.gz"])
        #expect(try await keys(store, prefix: "logs/", after: "logs/105", limit: 2) == ["logs/11.gz", "logs/12.gz"])
        #expect(try await keys(store, after: "logs/24.gz") == ["other", "é"])
        #expect(try await keys(store, after: "other") == ["é"])
        #expect(try await keys(store, after: "é").isEmpty)
        #expect(try await keys(store, prefix: "logs/", after: "a", limit: 1) == ["logs/00.gz"])
        #expect(try await keys(store, prefix: "logs/", after: "m").isEmpty)
        #expect(try await keys(store, limit: 0).isEmpty)
        var seen: [String] = []
        var after: String?
        while true {
            let page = try await keys(store, prefix: "logs/", after: after, limit: 7)
            seen += page
            guard page.count == 7 else { break }
            after = page.last
        }
        #expect(seen == Array(names.prefix(25)))
        // Listed records are what head answers.
        let listed = try await store.listObjects(bucket: "b", prefix: "other", after: nil, limit: 10)
        #expect(listed == [try await store.headObject(bucket: "b", key: "other")].compactMap { $0 })
    }

    @Test("concurrent puts of distinct keys are all stored", arguments: BackendFactory.all)
    func concurrentPuts(_ factory: BackendFactory) async throws {
        let store = try make(factory).objects
        #expect(try await store.createBucket(bucket("b")))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<100 {
                group.addTask { try await store.putObject(object("b", "k\(i)", [UInt8(i)]), body: [UInt8(i)]) }
            }
            try await group.waitForAll()
        }
        #expect(try await keys(store).count == 100)
        #expect(try await store.object(bucket: "b", key: "k42")?.1 == [42])
    }

    @Test("concurrent createBucket of one name: exactly one wins", arguments: BackendFactory.all)
    func concurrentCreate(_ factory: BackendFactory) async throws {
        let store = try make(factory).objects
        let accounts = (0..<10).map { String(format: "%012d", $0) }
        let wins = try await withThrowingTaskGroup(of: Bool.self, returning: Int.self) { group in
            for a in accounts { group.addTask { try await store.createBucket(bucket("one", account: a)) } }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(wins == 1)
    }

    @Test("reset wipes buckets and objects", arguments: BackendFactory.all)
    func reset(_ factory: BackendFactory) async throws {
        let backend = try make(factory)
        #expect(try await backend.objects.createBucket(bucket("b")))
        try await put(backend.objects, "b", "k")
        try await backend.reset()
        #expect(try await backend.objects.bucket("b") == nil)
        #expect(try await backend.objects.object(bucket: "b", key: "k") == nil)
        #expect(try await backend.objects.buckets(accountId: "111111111111").isEmpty)
        #expect(try await backend.objects.createBucket(bucket("b")))
    }
}
