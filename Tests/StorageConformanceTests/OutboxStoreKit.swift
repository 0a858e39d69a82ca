import Foundation
import Storage
import Testing
import TrailwatchCore

/// The `OutboxStore` contract (Storage/Outbox/OutboxStore.swift), run against every backend.
@Suite("OutboxStore conformance")
struct OutboxStoreKit {
    /// Epoch milliseconds.
    let t0: Int64 = 1_790_000_000_000

    func make(_ factory: BackendFactory) throws -> any StorageBackend {
        try factory.make(ManualClock(Date(timeIntervalSince1970: Double(t0) / 1000)))
    }

    func item(_ payload: String, kind: String = "sns.http", at notBefore: Int64? = nil, attempts: Int = 0) -> OutboxItem {
        OutboxItem(kind: kind, payload: Array(payload.utf8), attempts: attempts, notBefore: notBefore ?? t0)
    }

    func payloads(_ items: [OutboxItem]) -> [String] { items.map { String(decoding: $0.payload, as: UTF8.self) } }

    @Test("enqueue answers one id per item, increasing within a call and across calls", arguments: BackendFactory.all)
    func ids(_ factory: BackendFactory) async throws {
        let outbox = try make(factory).outbox
        let first = try await outbox.enqueue([item("a"), item("b"), item("c")])
        #expect(first.count == 3)
        #expect(first == first.sorted() && Set(first).count == 3)
        let second = try await outbox.enqueue([item("d", kind: "other")])
        #expect(second.count == 1 && second[0] > first.last!)
        #expect(try await outbox.enqueue([]).isEmpty)
        // Completing the newest does not free its id.
        try await outbox.complete(second[0])
        let third = try await outbox.enqueue([item("e")])
        #expect(third[0] > second[0])
    }

    @Test("due answers the stored item: id, kind, payload, attempts, notBefore", arguments: BackendFactory.all)
    func roundTrip(_ factory: BackendFactory) async throws {
        let outbox = try make(factory).outbox
        let payload: [UInt8] = [0, 255, 1, 254] + Array("{\"x\":1}".utf8)
        let ids = try await outbox.enqueue([OutboxItem(kind: "sns.http", payload: payload, attempts: 2, notBefore: t0 - 5)])
        let due = try await outbox.due(kind: "sns.http", now: t0, limit: 10)
        #expect(due == [OutboxItem(id: ids[0], kind: "sns.http", payload: payload, attempts: 2, notBefore: t0 - 5)])
    }

    @Test("due: only the kind asked, notBefore <= now inclusive", arguments: BackendFactory.all)
    func dueBounds(_ factory: BackendFactory) async throws {
        let outbox = try make(factory).outbox
        try await outbox.enqueue([item("past", at: t0 - 1), item("now", at: t0), item("future", at: t0 + 1),
                                  item("other", kind: "sns.sqs", at: t0 - 1)])
        #expect(payloads(try await outbox.due(kind: "sns.http", now: t0, limit: 10)) == ["past", "now"])
        #expect(payloads(try await outbox.due(kind: "sns.http", now: t0 - 2, limit: 10)).isEmpty)
        #expect(payloads(try await outbox.due(kind: "sns.http", now: t0 + 1, limit: 10)) == ["past", "now", "future"])
        #expect(payloads(try await outbox.due(kind: "sns.sqs", now: t0, limit: 10)) == ["other"])
        #expect(try await outbox.due(kind: "sns", now: t0 + 10, limit: 10).isEmpty)
    }

    @Test("due orders by notBefore, then id; at most limit; limit 0 answers nothing", arguments: BackendFactory.all)
    func dueOrder(_ factory: BackendFactory) async throws {
        let outbox = try make(factory).outbox
        try await outbox.enqueue([item("c", at: t0 - 10), item("a", at: t0 - 30), item("d", at: t0 - 10)])
        try await outbox.enqueue([item("b", at: t0 - 20), item("e", at: t0 - 10), item("z", at: t0 - 40)])
        #expect(payloads(try await outbox.due(kind: "sns.http", now: t0, limit: 10)) == ["z", "a", "b", "c", "d", "e"])
        #expect(payloads(try await outbox.due(kind: "sns.http", now: t0, limit: 2)) == ["z", "a"])
        #expect(try await outbox.due(kind: "sns.http", now: t0, limit: 0).isEmpty)
    }

    @Test("due does not claim: items stay until completed", arguments: BackendFactory.all)
    func dueDoesNotClaim(_ factory: BackendFactory) async throws {
        let outbox = try make(factory).outbox
        try await outbox.enqueue([item("a"), item("b")])
        let first = try await outbox.due(kind: "sns.http", now: t0, limit: 10)
        #expect(try await outbox.due(kind: "sns.http", now: t0, limit: 10) == first)
        #expect(first.count == 2)
    }

    @Test("complete removes the item and is idempotent; completing a missing id is not an error", arguments: BackendFactory.all)
    func complete(_ factory: BackendFactory) async throws {
        let outbox = try make(factory).outbox
        let ids = try await outbox.enqueue([item("a"), item("b"), item("c", kind: "other")])
        try await outbox.complete(ids[0])
        try await outbox.complete(ids[0])
        #expect(payloads(try await outbox.due(kind: "sns.http", now: t0, limit: 10)) == ["b"])
        #expect(payloads(try await outbox.due(kind: "other", now: t0, limit: 10)) == ["c"])
        try await outbox.complete(ids.max()! + 1000)
        try await outbox.complete(-1)
        #expect(try await outbox.due(kind: "sns.http", now: t0, limit: 10).count == 1)
    }

    @Test("retry records the attempts and moves notBefore; on a missing id it does nothing", arguments: BackendFactory.all)
    func retry(_ factory: BackendFactory) async throws {
        let outbox = try make(factory).outbox
        let ids = try await outbox.enqueue([item("a"), item("b")])
        try await outbox.retry(ids[0], attempts: 1, notBefore: t0 + 1000)
        #expect(payloads(try await outbox.due(kind: "sns.http", now: t0, limit: 10)) == ["b"])
        #expect(payloads(try await outbox.due(kind: "sns.http", now: t0 + 999, limit: 10)) == ["b"])
        let later = try await outbox.due(kind: "sns.http", now: t0 + 1000, limit: 10)
        // Now ordered by the new notBefore: after b.
        #expect(payloads(later) == ["b", "a"])
        #expect(later[1] == OutboxItem(id: ids[0], kind: "sns.http", payload: Array("a".utf8), attempts: 1, notBefore: t0 + 1000))
        // Retrying again replaces both (notBefore may move back as well as forward).
        try await outbox.retry(ids[0], attempts: 2, notBefore: t0 - 50)
        let again = try await outbox.due(kind: "sns.http", now: t0, limit: 10)
        #expect(payloads(again) == ["a", "b"] && again[0].attempts == 2 && again[0].notBefore == t0 - 50)
        // A missing id: nothing happens, nothing is created.
        try await outbox.retry(ids.max()! + 1000, attempts: 3, notBefore: t0)
        try await outbox.complete(ids[1])
        try await outbox.retry(ids[1], attempts: 3, notBefore: t0)
        #expect(payloads(try await outbox.due(kind: "sns.http", now: t0 + 10_000, limit: 10)) == ["a"])
    }

    @Test("concurrent enqueues: every item stored once, ids distinct", arguments: BackendFactory.all)
    func concurrentEnqueue(_ factory: BackendFactory) async throws {
        let outbox = try make(factory).outbox
        let ids = try await withThrowingTaskGroup(of: [Int64].self, returning: [Int64].self) { group in
            for i in 0..<50 { group.addTask { try await outbox.enqueue([item("\(i)a"), item("\(i)b")]) } }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(Set(ids).count == 100)
        let due = try await outbox.due(kind: "sns.http", now: t0, limit: 1000)
        #expect(Set(due.map(\.id)) == Set(ids))
        #expect(due.map(\.id) == due.map(\.id).sorted())
    }

    @Test("reset wipes the outbox", arguments: BackendFactory.all)
    func reset(_ factory: BackendFactory) async throws {
        let backend = try make(factory)
        try await backend.outbox.enqueue([item("a")])
        try await backend.reset()
        #expect(try await backend.outbox.due(kind: "sns.http", now: t0 + 1_000_000, limit: 10).isEmpty)
    }
}
