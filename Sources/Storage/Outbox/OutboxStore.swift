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
/// Contract, for every implementation:
/// - `enqueue` is durable when it returns, all of its items or none; ids increase.
/// - `due` answers items of `kind` with `notBefore <= now` (inclusive), by `notBefore`, then
///   id; at most `limit`. It does not claim them: one delivery job (a singleton, holding the
///   lease) reads each kind, so two nodes never deliver the same item at once.
/// - `complete` removes the item; completing a missing item is not an error (idempotent).
/// - `retry` records an attempt and the next time to try; on a missing item it does nothing.
/// - A second node sharing the store sees an item from the moment `enqueue` returned.
public protocol OutboxStore: Sendable {
    @discardableResult
    func enqueue(_ items: [OutboxItem]) async throws -> [Int64]
    func due(kind: String, now: Int64, limit: Int) async throws -> [OutboxItem]
    func complete(_ id: Int64) async throws
    func retry(_ id: Int64, attempts: Int, notBefore: Int64) async throws
}
