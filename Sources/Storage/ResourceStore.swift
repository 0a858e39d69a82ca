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
/// Contract, for every implementation (checked by the conformance suite):
/// - A call that returns normally has committed: the change survives a crash.
/// - `list` orders by name, byte-wise ascending; `after` is exclusive; `prefix` matches the
///   start of the name, case-sensitively.
/// - Each call is atomic: `delete(..., allOrNothing: true)` with a missing name deletes nothing.
/// - Implementations are safe to call from any task concurrently.
public protocol ResourceStore: Sendable {
    /// The resource, or nil.
    func get(kind: String, scope: ResourceScope, name: String) async throws -> ResourceRecord?

    /// Stores `record`, replacing any resource of the same key (keeping its `createdAt`).
    /// With `ifAbsent`, an existing resource is left alone and the call returns false.
    @discardableResult
    func put(_ record: ResourceRecord, ifAbsent: Bool) async throws -> Bool

    /// Deletes the named resources. With `allOrNothing`, nothing is deleted when any is missing.
    func delete(kind: String, scope: ResourceScope, names: [String], allOrNothing: Bool) async throws -> ResourceDeletion

    /// Up to `limit` resources whose names start with `prefix` and sort after `after`.
    func list(kind: String, scope: ResourceScope, prefix: String?, after: String?, limit: Int) async throws -> [ResourceRecord]

    /// Every resource of `kind` in every scope (background work such as trail delivery).
    func all(kind: String) async throws -> [ResourceRecord]
}

/// Tags on resources, keyed by ARN.
///
/// Contract: `setTags` merges (a key already present is overwritten); both writes are atomic
/// and durable on return; `tags` returns keys in ascending order.
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
