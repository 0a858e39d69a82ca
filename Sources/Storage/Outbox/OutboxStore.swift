/// One piece of owed work: a message to deliver, kept until delivered or given up.
public struct OutboxItem: Sendable, Equatable {
    /// Assigned by the store; larger is newer.
    public var id: Int64
    /// What delivers it, e.g. `sns.http`.
    public var kind: String
    public var payload: [UInt8]
    /// Delivery attempts made so far.
    public var attempts: Int
    /// Not to be tried before this instant (epoch ms).
    public var notBefore: Int64

    public init(id: Int64 = 0, kind: String, payload: [UInt8], attempts: Int = 0, notBefore: Int64) {
        self.id = id
        self.kind = kind
        self.payload = payload
        self.attempts = attempts
        self.notBefore = notBefore
    }
}

/// Durable work queues (DESIGN.md "Runtime"): what a request owes someone else — an SNS
/// delivery, later an alarm action — is written here before the request is answered, and a
/// job delivers it with retries, across restarts.
///
/// Contract, for every implementation (checked by `OutboxStoreKit` in StorageConformanceTests):
/// - `enqueue` is durable when it returns, all of its items or none, and answers one id per
///   item, in order; ids increase within a call and across calls and are never given again
///   (not even after the newest item is completed). An empty list answers no ids.
/// - `due` answers items of exactly `kind` with `notBefore <= now` (inclusive), by
///   `notBefore`, then id; at most `limit` (`limit <= 0` answers none); each item as stored
///   (id, kind, payload bytes, attempts, notBefore). It does not claim them: items stay due
///   until completed or retried. One delivery job (a singleton, holding the lease) reads each
///   kind, so two nodes never deliver the same item at once.
/// - `complete` removes the item; completing a missing or already completed item is not an
///   error (idempotent).
/// - `retry` replaces the item's attempts and notBefore (which may move back as well as
///   forward); on a missing item it does nothing and creates nothing.
/// - A second node sharing the store sees an item from the moment `enqueue` returned, and a
///   completion or retry from the moment that call returned.
public protocol OutboxStore: Sendable {
    @discardableResult
    func enqueue(_ items: [OutboxItem]) async throws -> [Int64]
    func due(kind: String, now: Int64, limit: Int) async throws -> [OutboxItem]
    func complete(_ id: Int64) async throws
    func retry(_ id: Int64, attempts: Int, notBefore: Int64) async throws
}
