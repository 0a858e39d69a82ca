public import Foundation
public import TrailwatchCore

/// One stored resource: a dashboard, a trail, a topic... kept as an opaque document.
///
/// Resources are keyed by (kind, account, region, name). Global services (IAM, S3 bucket
/// names) use the region `""`.
public struct ResourceRecord: Sendable, Equatable {
    public var kind: String
    public var scope: ResourceScope
    public var name: String
    /// The service's own encoding of the resource (JSON by convention).
    public var body: [UInt8]
    public var createdAt: Date
    public var updatedAt: Date

    public init(kind: String, scope: ResourceScope, name: String, body: [UInt8], createdAt: Date, updatedAt: Date) {
        self.kind = kind
        self.scope = scope
        self.name = name
        self.body = body
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// What `ResourceStore.delete` did.
public struct ResourceDeletion: Sendable, Equatable {
    /// Names that existed and were deleted.
    public var deleted: [String]
    /// Names that did not exist.
    public var missing: [String]

    public init(deleted: [String], missing: [String]) {
        self.deleted = deleted
        self.missing = missing
    }
}

/// Durable storage of named resources.
///
/// Contract, for every implementation (checked by `ResourceStoreKit` in
/// StorageConformanceTests):
/// - Durability: a call that returns normally has committed; the change survives a crash.
/// - Keys are (kind, account, region, name), compared exactly (case-sensitively). Kinds,
///   accounts and regions never see each other's resources; the global region `""` is a region
///   like any other.
/// - `put` replaces the body and `updatedAt` of an existing resource and keeps its stored
///   `createdAt`; it answers true. With `ifAbsent` it is an atomic create: an existing resource
///   is left exactly as it was and the call answers false; of concurrent creators of one key,
///   exactly one is answered true.
/// - `put(_ records:)` stores several resources (any kinds and scopes) in one commit: after a
///   crash either all are there or none is. Each is replaced as `put(_:ifAbsent: false)` does.
/// - `delete` answers the names it deleted and the names that did not exist (a missing name is
///   not an error). Each call is atomic: with `allOrNothing`, a missing name means nothing is
///   deleted (`deleted` is empty, `missing` lists the missing names).
/// - `list` orders by name, byte-wise (UTF-8) ascending; `prefix` matches the start of the name
///   byte-wise, case-sensitively (nil or `""` matches every name); `after` is exclusive and need
///   not be a stored name; at most `limit` records (0 answers none). Paging with `after` = the
///   last name answered visits every name once.
/// - `all` answers every resource of the kind in every scope, in no set order.
/// - Implementations are safe to call from any task concurrently.
/// - A second node sharing the backend sees a write once the call returned on the first node.
///   Caches in front of the table are a backend matter: the embedded SQLite backend answers
///   reads from an in-memory mirror, exact only because its database has one writer; a
///   backend several nodes share must not answer from a cache that misses another node's
///   writes.
public protocol ResourceStore: Sendable {
    /// The resource, or nil.
    func get(kind: String, scope: ResourceScope, name: String) async throws -> ResourceRecord?

    /// Stores `record`, replacing any resource of the same key (keeping its `createdAt`).
    /// With `ifAbsent`, an existing resource is left alone and the call returns false.
    @discardableResult
    func put(_ record: ResourceRecord, ifAbsent: Bool) async throws -> Bool

    /// Stores every record in one atomic commit, each replacing any resource of its key
    /// (keeping its `createdAt`): a resource and the items that must go with it (an alarm's
    /// new state and its history item) are never half-written.
    func put(_ records: [ResourceRecord]) async throws

    /// Stores every record and enqueues every outbox item in one atomic commit (an alarm's
    /// new state, its history items, and the notifications its actions owe): after a crash
    /// either all of it is there, or none. The outbox items then behave as `OutboxStore`'s
    /// (ids, `due`, `complete`) on the backend's outbox.
    func put(_ records: [ResourceRecord], enqueueing items: [OutboxItem]) async throws

    /// Deletes the named resources. With `allOrNothing`, nothing is deleted when any is missing.
    func delete(kind: String, scope: ResourceScope, names: [String], allOrNothing: Bool) async throws -> ResourceDeletion

    /// Up to `limit` resources whose names start with `prefix` and sort after `after`.
    func list(kind: String, scope: ResourceScope, prefix: String?, after: String?, limit: Int) async throws -> [ResourceRecord]

    /// Every resource of `kind` in every scope (background work such as trail delivery).
    func all(kind: String) async throws -> [ResourceRecord]
}

/// Tags on resources, keyed by ARN.
///
/// Contract, for every implementation (checked by `ResourceStoreKit`):
/// - ARNs and keys are compared exactly (case-sensitively); each ARN's tags are its own.
/// - `setTags` merges: a key already present is overwritten, other keys are kept; an empty
///   list changes nothing.
/// - `removeTags` removes the keys named (keys not present are ignored); `removeAllTags`
///   drops every tag of the ARN. Neither is an error on an ARN without tags.
/// - `tags` answers keys byte-wise ascending (empty for an unknown ARN).
/// - Every write is atomic and durable when it returns, and a second node sharing the backend
///   sees it from then on.
public protocol TagStore: Sendable {
    func tags(arn: String) async throws -> [(key: String, value: String)]
    func setTags(arn: String, _ tags: [(key: String, value: String)]) async throws
    func removeTags(arn: String, keys: [String]) async throws
    /// Drops every tag of `arn` (when its resource is deleted).
    func removeAllTags(arn: String) async throws
}

/// Wipes all state (test-suite resets).
public protocol StateReset: Sendable {
    func reset() async throws
}

/// Resets several stores in turn.
public struct CompositeReset: StateReset {
    let parts: [any StateReset]

    public init(_ parts: [any StateReset]) { self.parts = parts }

    public func reset() async throws {
        for p in parts { try await p.reset() }
    }
}

/// Storage housekeeping an operator (or a benchmark) can run on demand, and figures about it.
public protocol StoreMaintenance: Sendable {
    /// Runs every pending checkpoint, compaction, rollup and expiry now.
    func runMaintenance() async throws
    /// Figures about storage: bytes on disk and counts, by name.
    func storageStats() async throws -> [String: Int64]
}

/// Runs several stores' maintenance in turn and merges their figures.
public struct CompositeMaintenance: StoreMaintenance {
    let parts: [any StoreMaintenance]

    public init(_ parts: [any StoreMaintenance]) { self.parts = parts }

    public func runMaintenance() async throws {
        for p in parts { try await p.runMaintenance() }
    }

    public func storageStats() async throws -> [String: Int64] {
        var out: [String: Int64] = [:]
        for p in parts { out.merge(try await p.storageStats()) { $1 } }
        return out
    }
}

extension ResourceStore {
    /// Every resource of `kind` in `scope`, by name, read a page of 1,000 at a time.
    public func everything(kind: String, scope: ResourceScope) async throws -> [ResourceRecord] {
        var out: [ResourceRecord] = []
        var after: String?
        while true {
            let page = try await list(kind: kind, scope: scope, prefix: nil, after: after, limit: 1000)
            out += page
            guard page.count == 1000, let last = page.last else { return out }
            after = last.name
        }
    }
}
