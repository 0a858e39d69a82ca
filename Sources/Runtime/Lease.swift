/// Who may run a singleton job now (DESIGN.md "Runtime"). A node holds a lease for a while and
/// renews it each time it runs the job; when a node stops renewing, another takes the lease over
/// once it lapses.
///
/// Contract, for every implementation that several nodes may share (checked by `LeaseKit` in
/// StorageConformanceTests against every backend's lease; `LocalLease` is for one node):
/// - `acquire` is true for at most one holder of a name at any instant: while holder A's lease
///   is unexpired, B's `acquire` is false; of concurrent acquires of a free lease, exactly one
///   is true. A's own `acquire` renews it, to now + `seconds` (so it may also shorten it).
/// - Time is the backend's clock: a lease taken or renewed at t for s seconds is held while
///   now < t + s and lapses at t + s exactly.
/// - After `release`, or once the lease has lapsed, any holder may acquire it, the last holder
///   included; a lapsed lease that someone else took is refused to the old holder.
/// - `release` by a holder that does not hold the lease changes nothing; releasing a lease
///   nobody holds is not an error. Leases of different names are independent.
/// - The answer is durable: a holder that was told true keeps the lease across a restart of
///   the store until it expires, and a second node sharing the store sees it held from the
///   moment `acquire` returned.
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
