import Foundation
import Storage
import Testing
import TrailwatchCore

/// LogStore conformance: groups and streams (the events are in LogStoreKit.swift).
extension LogStoreKit {
    // MARK: Groups and streams

    @Test("createGroup stores the group once; group answers it with a store-assigned id", arguments: BackendFactory.all)
    func createGroup(_ factory: BackendFactory) async throws {
        let store = try make(factory).logs
        #expect(try await store.group(scope: scope, name: "g") == nil)
        let record = LogGroupRecord(scope: scope, name: "g", createdAt: t0 + 5, retentionDays: 7, kmsKeyId: "key", logGroupClass: "INFREQUENT_ACCESS")
        #expect(try await store.createGroup(record))
        #expect(try await store.createGroup(LogGroupRecord(scope: scope, name: "g", createdAt: t0 + 9)) == false)
        let g = try #require(try await store.group(scope: scope, name: "g"))
        var expected = record
        expected.id = g.id
        #expect(g == expected)
    }

    @Test("groups are per account and region, listed by name byte-wise", arguments: BackendFactory.all)
    func groupsByScope(_ factory: BackendFactory) async throws {
        let store = try make(factory).logs
        let otherRegion = ResourceScope(accountId: scope.accountId, region: "us-east-1")
        let otherAccount = ResourceScope(accountId: "222222222222", region: scope.region)
        for n in ["b", "a", "B", "/aws/lambda/x", "a-b", "ab"] {
            #expect(try await store.createGroup(LogGroupRecord(scope: scope, name: n, createdAt: t0)))
        }
        #expect(try await store.createGroup(LogGroupRecord(scope: otherRegion, name: "a", createdAt: t0)))
        #expect(try await store.createGroup(LogGroupRecord(scope: otherAccount, name: "a", createdAt: t0)))
        #expect(try await store.groups(scope: scope).map(\.name) == ["/aws/lambda/x", "B", "a", "a-b", "ab", "b"])
        #expect(try await store.groups(scope: otherRegion).map(\.name) == ["a"])
        let mine = try #require(try await store.group(scope: scope, name: "a"))
        let theirs = try #require(try await store.group(scope: otherAccount, name: "a"))
        #expect(mine.id != theirs.id)
        #expect(try await store.deleteGroup(scope: otherAccount, name: "a"))
        #expect(try await store.group(scope: scope, name: "a") != nil)
        #expect(try await store.group(scope: otherRegion, name: "a") != nil)
    }

    @Test("streams are per group, created once, listed by name byte-wise", arguments: BackendFactory.all)
    func streams(_ factory: BackendFactory) async throws {
        let store = try make(factory).logs
        let (g, _) = try await groupAndStream(store, stream: "b")
        let (g2, _) = try await groupAndStream(store, group: "g2", stream: "b")
        for n in ["a", "B", "2024/01/01/[$LATEST]abc"] {
            #expect(try await store.createStream(LogStreamRecord(groupID: g.id, name: n, createdAt: t0)))
        }
        #expect(try await store.createStream(LogStreamRecord(groupID: g.id, name: "a", createdAt: t0 + 1)) == false)
        #expect(try await store.streams(groupID: g.id).map(\.name) == ["2024/01/01/[$LATEST]abc", "B", "a", "b"])
        #expect(try await store.streams(groupID: g2.id).map(\.name) == ["b"])
        let s = try #require(try await store.stream(groupID: g.id, name: "a"))
        #expect(s.groupID == g.id && s.name == "a" && s.createdAt == t0)
        #expect(s.firstEventTimestamp == nil && s.lastEventTimestamp == nil && s.lastIngestionTime == nil && s.storedBytes == 0)
        #expect(try await store.stream(groupID: g2.id, name: "a") == nil)
        #expect(try await store.stream(groupID: g.id, name: "b")?.id != store.stream(groupID: g2.id, name: "b")?.id)
    }

    @Test("setRetention and setKmsKey set and clear", arguments: BackendFactory.all)
    func settings(_ factory: BackendFactory) async throws {
        let store = try make(factory).logs
        let (g, _) = try await groupAndStream(store)
        try await store.setRetention(groupID: g.id, days: 30)
        try await store.setKmsKey(groupID: g.id, keyId: "arn:aws:kms:eu-west-1:111111111111:key/1")
        var got = try #require(try await store.group(scope: scope, name: "g"))
        #expect(got.retentionDays == 30 && got.kmsKeyId == "arn:aws:kms:eu-west-1:111111111111:key/1")
        #expect(try await store.groups(scope: scope).first?.retentionDays == 30)
        try await store.setRetention(groupID: g.id, days: nil)
        try await store.setKmsKey(groupID: g.id, keyId: nil)
        got = try #require(try await store.group(scope: scope, name: "g"))
        #expect(got.retentionDays == nil && got.kmsKeyId == nil)
    }

    @Test("deleting a group deletes its streams and events; false when missing", arguments: BackendFactory.all)
    func deleteGroup(_ factory: BackendFactory) async throws {
        let store = try make(factory).logs
        let (g, s) = try await groupAndStream(store)
        let (_, kept) = try await groupAndStream(store, group: "kept")
        _ = try await store.append(streamID: s.id, events: [(t0, "gone")], ingestionTime: t0)
        _ = try await store.append(streamID: kept.id, events: [(t0, "kept")], ingestionTime: t0)
        #expect(try await store.deleteGroup(scope: scope, name: "g"))
        #expect(try await store.deleteGroup(scope: scope, name: "g") == false)
        #expect(try await store.group(scope: scope, name: "g") == nil)
        #expect(try await store.streams(groupID: g.id).isEmpty)
        #expect(try await store.stream(groupID: g.id, name: "s") == nil)
        #expect(try await read(store, [s.id]).isEmpty)
        #expect(try await read(store, [s.id, kept.id]).map(\.message) == ["kept"])
        // A group made again under the name starts empty.
        let (_, again) = try await groupAndStream(store)
        #expect(try await read(store, [again.id]).isEmpty)
        #expect(try await store.stream(groupID: again.groupID, name: "s")?.storedBytes == 0)
    }

    @Test("deleting a stream deletes its events only; false when missing", arguments: BackendFactory.all)
    func deleteStream(_ factory: BackendFactory) async throws {
        let store = try make(factory).logs
        let (g, s) = try await groupAndStream(store)
        let (_, other) = try await groupAndStream(store, stream: "other")
        _ = try await store.append(streamID: s.id, events: [(t0, "gone")], ingestionTime: t0)
        _ = try await store.append(streamID: other.id, events: [(t0, "kept")], ingestionTime: t0)
        #expect(try await store.deleteStream(groupID: g.id, name: "s"))
        #expect(try await store.deleteStream(groupID: g.id, name: "s") == false)
        #expect(try await store.stream(groupID: g.id, name: "s") == nil)
        #expect(try await store.streams(groupID: g.id).map(\.name) == ["other"])
        #expect(try await read(store, [s.id, other.id]).map(\.message) == ["kept"])
        #expect(try await store.group(scope: scope, name: "g")?.storedBytes == 4)
        let again = try await groupAndStream(store).1
        #expect(try await read(store, [again.id]).isEmpty)
    }

    @Test("the ids of deleted groups and streams are not given to new ones", arguments: BackendFactory.all)
    func idsNotReused(_ factory: BackendFactory) async throws {
        let store = try make(factory).logs
        let (g, s) = try await groupAndStream(store)
        #expect(try await store.deleteGroup(scope: scope, name: "g"))
        let (g2, s2) = try await groupAndStream(store, group: "new", stream: "new")
        #expect(g2.id != g.id, "a new group got the id of a deleted one")
        #expect(s2.id != s.id, "a new stream got the id of a deleted one")
        let (_, s3) = try await groupAndStream(store, group: "new", stream: "newer")
        #expect(try await store.deleteStream(groupID: g2.id, name: "newer"))
        let (_, s4) = try await groupAndStream(store, group: "new", stream: "newest")
        #expect(s4.id != s3.id, "a new stream got the id of a deleted one")
    }
}
