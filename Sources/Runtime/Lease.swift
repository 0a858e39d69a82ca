/// Who may run a singleton job now (DESIGN.md "Runtime"). A node holds a lease for a while and
/// renews it each time it runs the job; when a node stops renewing, another takes the lease over
/// once it lapses.
///
/// Contract, for every implementation:
/// - `acquire` is true for at most one holder of a name at any instant: while holder A's lease
///   is unexpired, B's `acquire` is false; A's own `acquire` renews it (to now + `seconds`).
/// - After `release`, or once the lease's time has passed, any holder may acquire it.
/// - `release` by a holder that does not hold the lease changes nothing.
/// - The answer is durable: a holder that was told true keeps the lease across a restart of
///   the store until it expires.
public protocol Lease: Sendable {
    /// Takes or renews the lease `name` for `holder` for `seconds`; true when `holder` holds it.
    func acquire(_ name: String, holder: String, seconds: Double) async throws -> Bool
    /// Gives the lease up if `holder` holds it.
    func release(_ name: String, holder: String) async throws
}

/// One node: every lease is always held.
public struct LocalLease: Lease {
    public init() {}
    public func acquire(_ name: String, holder: String, seconds: Double) async throws -> Bool { true }
    public func release(_ name: String, holder: String) async throws {}
}
