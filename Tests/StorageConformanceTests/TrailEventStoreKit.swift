import Foundation
import Storage
import Testing
import TrailwatchCore

/// The `TrailEventStore` contract (Storage/Trail/TrailEventStore.swift), run against every
/// backend.
@Suite("TrailEventStore conformance")
struct TrailEventStoreKit {
    let account = "111111111111"
    let region = "eu-west-1"
    /// Epoch milliseconds.
    let t0: Int64 = 1_790_000_000_000

    func make(_ factory: BackendFactory) throws -> any StorageBackend {
        try factory.make(ManualClock(Date(timeIntervalSince1970: Double(t0) / 1000)))
    }

    func event(_ id: String, at time: Int64, account: String? = nil, region: String? = nil, name: String = "CreateLogGroup",
               source: String = "logs.amazonaws.com", user: String = "alice", key: String = "AKIAEXAMPLE", readOnly: Bool = false,
               management: Bool = true, resources: [(type: String, name: String)] = []) -> TrailEventRecord {
        TrailEventRecord(eventID: id, accountId: account ?? self.account, region: region ?? self.region, time: time, eventName: name,
                         eventSource: source, username: user, accessKeyId: key, readOnly: readOnly, management: management,
                         resources: resources, json: #"{"eventID":"\#(id)"}"#)
    }

    func lookup(_ store: any TrailEventStore, _ attribute: TrailLookupAttribute? = nil, start: Int64? = nil, end: Int64? = nil,
                before: TrailEventPosition? = nil, limit: Int = 1000, account: String? = nil, region: String? = nil) async throws -> [String] {
        try await store.lookup(accountId: account ?? self.account, region: region ?? self.region, attribute: attribute,
                               start: start ?? t0 - 1_000_000, end: end ?? t0 + 1_000_000, before: before, limit: limit).map(\.eventID)
    }

    // MARK: Append and delivery order

    @Test("append stores every field; the store assigns seq, increasing in append order", arguments: BackendFactory.all)
    func appendRoundTrip(_ factory: BackendFactory) async throws {
        let store = try make(factory).trailEvents
        let e = event("e1", at: t0, name: "PutObject", source: "s3.amazonaws.com", user: "bob", key: "AKIA1", readOnly: true,
                      management: false, resources: [(type: "AWS::S3::Bucket", name: "b"), (type: "AWS::S3::Object", name: "b/k with space")])
        try await store.append([e, event("e2", at: t0 - 5)])
        try await store.append([event("e3", at: t0 - 10)])
        try await store.append([])
        let got = try await store.events(accountId: account, after: 0, limit: 10)
        #expect(got.map(\.eventID) == ["e1", "e2", "e3"])
        #expect(zip(got, got.dropFirst()).allSatisfy { $0.seq < $1.seq })
        #expect(got[0].seq > 0)
        let r = got[0]
        #expect(r.accountId == account && r.region == region && r.time == t0 && r.eventName == "PutObject")
        #expect(r.eventSource == "s3.amazonaws.com" && r.username == "bob" && r.accessKeyId == "AKIA1")
        #expect(r.readOnly && !r.management && r.json == e.json)
        #expect(r.resources.map { "\($0.type)|\($0.name)" } == ["AWS::S3::Bucket|b", "AWS::S3::Object|b/k with space"])
    }

    @Test("amend replaces the event of the same seq in place; a seq no longer stored is skipped", arguments: BackendFactory.all)
    func amendInPlace(_ factory: BackendFactory) async throws {
        let store = try make(factory).trailEvents
        try await store.append([event("a", at: t0), event("b", at: t0 + 1)])
        var first = try #require(try await store.events(accountId: account, after: 0, limit: 10).first)
        first.json = #"{"eventID":"a","responseElements":{"ok":true}}"#
        first.resources = [(type: "AWS::Logs::LogGroup", name: "g")]
        var gone = first
        gone.seq = 10_000
        try await store.amend([first, gone])
        try await store.amend([])
        let after = try await store.events(accountId: account, after: 0, limit: 10)
        #expect(after.map(\.eventID) == ["a", "b"])
        #expect(after[0].seq == first.seq && after[0].json == first.json)
        #expect(try await lookup(store, .resourceName("g")) == ["a"])
    }

    @Test("events: the account's events of every region and kind with seq > after, oldest first, at most limit", arguments: BackendFactory.all)
    func deliveryOrder(_ factory: BackendFactory) async throws {
        let store = try make(factory).trailEvents
        try await store.append([event("a", at: t0 + 50), event("b", at: t0, region: "us-east-1"), event("c", at: t0 + 10, management: false),
                                event("x", at: t0, account: "222222222222"), event("d", at: t0 - 100, region: "")])
        let all = try await store.events(accountId: account, after: 0, limit: 100)
        #expect(all.map(\.eventID) == ["a", "b", "c", "d"])
        #expect(try await store.events(accountId: account, after: all[1].seq, limit: 100).map(\.eventID) == ["c", "d"])
        #expect(try await store.events(accountId: account, after: all[0].seq, limit: 1).map(\.eventID) == ["b"])
        #expect(try await store.events(accountId: account, after: all[3].seq, limit: 100).isEmpty)
        #expect(try await store.events(accountId: account, after: 0, limit: 0).isEmpty)
        #expect(try await store.events(accountId: "222222222222", after: 0, limit: 100).map(\.eventID) == ["x"])
        // Paging by the last seq visits everything once.
        var seen: [String] = []
        var after: Int64 = 0
        while true {
            let page = try await store.events(accountId: account, after: after, limit: 3)
            seen += page.map(\.eventID)
            guard let last = page.last else { break }
            after = last.seq
        }
        #expect(seen == ["a", "b", "c", "d"])
    }

    // MARK: Lookup

    @Test("lookup: management events of the account and region only, newest first", arguments: BackendFactory.all)
    func lookupScope(_ factory: BackendFactory) async throws {
        let store = try make(factory).trailEvents
        try await store.append([
            event("old", at: t0 - 10), event("new", at: t0 + 10), event("mid", at: t0),
            event("data", at: t0, management: false),
            event("region", at: t0, region: "us-east-1"), event("account", at: t0, account: "222222222222"),
        ])
        #expect(try await lookup(store) == ["new", "mid", "old"])
        #expect(try await lookup(store, region: "us-east-1") == ["region"])
        #expect(try await lookup(store, account: "222222222222") == ["account"])
        #expect(try await lookup(store, limit: 2) == ["new", "mid"])
        #expect(try await lookup(store, limit: 0).isEmpty)
    }

    @Test("lookup: events of equal time come newest-stored first", arguments: BackendFactory.all)
    func lookupEqualTimes(_ factory: BackendFactory) async throws {
        let store = try make(factory).trailEvents
        try await store.append([event("1", at: t0), event("2", at: t0)])
        try await store.append([event("3", at: t0)])
        #expect(try await lookup(store) == ["3", "2", "1"])
    }

    @Test("lookup: time is within [start, end], both inclusive", arguments: BackendFactory.all)
    func lookupTimeBounds(_ factory: BackendFactory) async throws {
        let store = try make(factory).trailEvents
        try await store.append((0..<5).map { event("e\($0)", at: t0 + Int64($0)) })
        #expect(try await lookup(store, start: t0 + 1, end: t0 + 3) == ["e3", "e2", "e1"])
        #expect(try await lookup(store, start: t0 + 2, end: t0 + 2) == ["e2"])
        #expect(try await lookup(store, start: t0 + 5, end: t0 + 9).isEmpty)
        #expect(try await lookup(store, start: t0 + 3, end: t0 + 1).isEmpty)
    }

    @Test("lookup: before is exclusive, in (time, seq) order", arguments: BackendFactory.all)
    func lookupBefore(_ factory: BackendFactory) async throws {
        let store = try make(factory).trailEvents
        try await store.append((0..<5).map { event("e\($0)", at: t0 + Int64($0)) })
        try await store.append([event("e2'", at: t0 + 2)])
        let all = try await store.lookup(accountId: account, region: region, attribute: nil, start: t0, end: t0 + 10, before: nil, limit: 10)
        #expect(all.map(\.eventID) == ["e4", "e3", "e2'", "e2", "e1", "e0"])
        func position(_ i: Int) -> TrailEventPosition { TrailEventPosition(time: all[i].time, seq: all[i].seq) }
        #expect(try await lookup(store, before: position(1)) == ["e2'", "e2", "e1", "e0"])
        #expect(try await lookup(store, before: position(2)) == ["e2", "e1", "e0"])
        #expect(try await lookup(store, before: position(1), limit: 1) == ["e2'"])
        #expect(try await lookup(store, before: position(5)).isEmpty)
        // A position need not be a stored event's.
        #expect(try await lookup(store, before: TrailEventPosition(time: t0 + 3, seq: .max)) == ["e3", "e2'", "e2", "e1", "e0"])
        #expect(try await lookup(store, before: TrailEventPosition(time: t0 + 3, seq: 0)) == ["e2'", "e2", "e1", "e0"])
        // With a time range too.
        #expect(try await lookup(store, start: t0 + 1, end: t0 + 3, before: position(2)) == ["e2", "e1"])
    }

    @Test("lookup: paging after the last answered event visits every event once, in order, even when events were stored out of time order",
          arguments: BackendFactory.all)
    func lookupPagingOutOfOrder(_ factory: BackendFactory) async throws {
        let store = try make(factory).trailEvents
        // What the recorder does: a change is written at once, read-only calls up to a second later.
        try await store.append([event("write@5", at: t0 + 5)])
        try await store.append([event("read@1", at: t0 + 1, readOnly: true), event("read@7", at: t0 + 7, readOnly: true)])
        try await store.append([event("write@3", at: t0 + 3), event("write@9", at: t0 + 9)])
        try await store.append([event("read@4", at: t0 + 4, readOnly: true), event("read@2", at: t0 + 2, readOnly: true)])
        let whole = try await lookup(store)
        #expect(whole == ["write@9", "read@7", "write@5", "read@4", "write@3", "read@2", "read@1"])
        for pageSize in [1, 2, 3] {
            var seen: [String] = []
            var before: TrailEventPosition?
            for _ in 0..<20 {
                let page = try await store.lookup(accountId: account, region: region, attribute: nil, start: t0 - 1_000_000,
                                                  end: t0 + 1_000_000, before: before, limit: pageSize)
                seen += page.map(\.eventID)
                guard page.count == pageSize, let last = page.last else { break }
                before = TrailEventPosition(time: last.time, seq: last.seq)
            }
            #expect(seen == whole, "pages of \(pageSize)")
        }
    }

    @Test("lookup attributes match whole values exactly", arguments: BackendFactory.all)
    func lookupAttributes(_ factory: BackendFactory) async throws {
        let store = try make(factory).trailEvents
        try await store.append([
            event("1", at: t0 + 1, name: "CreateTrail", source: "cloudtrail.amazonaws.com", user: "alice", key: "AKIA1", readOnly: false,
                  resources: [(type: "AWS::CloudTrail::Trail", name: "main")]),
            event("2", at: t0 + 2, name: "DescribeTrails", source: "cloudtrail.amazonaws.com", user: "bob", key: "AKIA2", readOnly: true,
                  resources: [(type: "AWS::CloudTrail::Trail", name: "main-2"), (type: "AWS::S3::Bucket", name: "logs_%")]),
            event("3", at: t0 + 3, name: "CreateLogGroup", source: "logs.amazonaws.com", user: "alice2", key: "AKIA12", readOnly: false,
                  resources: [(type: "AWS::Logs::LogGroup", name: "/app/main")]),
        ])
        #expect(try await lookup(store, .eventName("CreateTrail")) == ["1"])
        #expect(try await lookup(store, .eventName("Create")).isEmpty)
        #expect(try await lookup(store, .eventName("createtrail")).isEmpty)
        #expect(try await lookup(store, .eventSource("cloudtrail.amazonaws.com")) == ["2", "1"])
        #expect(try await lookup(store, .username("alice")) == ["1"])
        #expect(try await lookup(store, .accessKeyId("AKIA1")) == ["1"])
        #expect(try await lookup(store, .readOnly(true)) == ["2"])
        #expect(try await lookup(store, .readOnly(false)) == ["3", "1"])
        #expect(try await lookup(store, .resourceType("AWS::CloudTrail::Trail")) == ["2", "1"])
        #expect(try await lookup(store, .resourceType("AWS::S3::Bucket")) == ["2"])
        #expect(try await lookup(store, .resourceType("AWS::S3")).isEmpty)
        #expect(try await lookup(store, .resourceName("main")) == ["1"])
        #expect(try await lookup(store, .resourceName("logs_%")) == ["2"])
        #expect(try await lookup(store, .resourceName("logs__")).isEmpty)
        #expect(try await lookup(store, .resourceName("logs%")).isEmpty)
        #expect(try await lookup(store, .resourceName("/app/main")) == ["3"])
        #expect(try await lookup(store, .resourceName("AWS::Logs::LogGroup")).isEmpty)
        #expect(try await lookup(store, .resourceType("main")).isEmpty)
        #expect(try await lookup(store, .eventName("CreateTrail"), start: t0 + 2, end: t0 + 3).isEmpty)
    }

    @Test("lookup attributes are case-sensitive, resource types and names included", arguments: BackendFactory.all)
    func lookupCaseSensitive(_ factory: BackendFactory) async throws {
        let store = try make(factory).trailEvents
        try await store.append([event("1", at: t0, user: "Alice", resources: [(type: "AWS::S3::Bucket", name: "MyBucket")])])
        #expect(try await lookup(store, .username("alice")).isEmpty)
        #expect(try await lookup(store, .resourceName("MyBucket")) == ["1"])
        #expect(try await lookup(store, .resourceName("mybucket")).isEmpty, "resource names matched case-insensitively")
        #expect(try await lookup(store, .resourceType("aws::s3::bucket")).isEmpty, "resource types matched case-insensitively")
    }

    @Test("lookup by event id: with its time it is found only inside [start, end]; without, anywhere in the range", arguments: BackendFactory.all)
    func lookupEventID(_ factory: BackendFactory) async throws {
        let store = try make(factory).trailEvents
        try await store.append([event("id-1", at: t0 + 1), event("id-2", at: t0 + 2), event("id-1", at: t0 + 3, account: "222222222222")])
        #expect(try await lookup(store, .eventId("id-1", time: nil)) == ["id-1"])
        #expect(try await lookup(store, .eventId("id-1", time: t0 + 1)) == ["id-1"])
        #expect(try await lookup(store, .eventId("id-1", time: t0 + 1), start: t0 + 1, end: t0 + 1) == ["id-1"])
        #expect(try await lookup(store, .eventId("id-1", time: t0 + 1), start: t0 + 2).isEmpty)
        #expect(try await lookup(store, .eventId("id-1", time: nil), start: t0 + 2).isEmpty)
        #expect(try await lookup(store, .eventId("id-3", time: nil)).isEmpty)
    }

    // MARK: Expiry

    @Test("expire deletes events with time < before (exclusive) from lookup and delivery; answers how many", arguments: BackendFactory.all)
    func expire(_ factory: BackendFactory) async throws {
        let store = try make(factory).trailEvents
        try await store.append([event("old", at: t0 - 1), event("edge", at: t0), event("new", at: t0 + 1),
                                event("other", at: t0 - 5, account: "222222222222", region: "us-east-1", management: false)])
        #expect(try await store.expire(before: t0) == 2)
        #expect(try await store.expire(before: t0) == 0)
        #expect(try await lookup(store) == ["new", "edge"])
        #expect(try await store.events(accountId: account, after: 0, limit: 10).map(\.eventID) == ["edge", "new"])
        #expect(try await store.events(accountId: "222222222222", after: 0, limit: 10).isEmpty)
        // Seqs keep increasing past what expired.
        let last = try #require(try await store.events(accountId: account, after: 0, limit: 10).last).seq
        try await store.append([event("later", at: t0 + 2)])
        let later = try await store.events(accountId: account, after: last, limit: 10)
        #expect(later.map(\.eventID) == ["later"])
        // ...even when every event expired: a seq is never given again.
        #expect(try await store.expire(before: t0 + 100) == 3)
        try await store.append([event("fresh", at: t0 + 200)])
        let fresh = try await store.events(accountId: account, after: 0, limit: 10)
        #expect(fresh.map(\.eventID) == ["fresh"] && fresh[0].seq > later[0].seq)
    }

    @Test("concurrent appends: every event stored once with a distinct seq", arguments: BackendFactory.all)
    func concurrentAppends(_ factory: BackendFactory) async throws {
        let store = try make(factory).trailEvents
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<50 {
                group.addTask { try await store.append([event("c\(i)", at: t0 + Int64(i)), event("d\(i)", at: t0 + Int64(i))]) }
            }
            try await group.waitForAll()
        }
        let all = try await store.events(accountId: account, after: 0, limit: 1000)
        #expect(all.count == 100)
        #expect(Set(all.map(\.seq)).count == 100)
        #expect(Set(all.map(\.eventID)).count == 100)
    }

    @Test("reset wipes recorded events", arguments: BackendFactory.all)
    func reset(_ factory: BackendFactory) async throws {
        let backend = try make(factory)
        try await backend.trailEvents.append([event("e", at: t0)])
        try await backend.reset()
        #expect(try await backend.trailEvents.events(accountId: account, after: 0, limit: 10).isEmpty)
        #expect(try await lookup(backend.trailEvents).isEmpty)
    }
}
