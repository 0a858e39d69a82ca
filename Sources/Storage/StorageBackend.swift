public import Runtime

/// Where all state lives: every store, the backend's own upkeep and its lease (DESIGN.md
/// "Runtime"). The executable picks one (embedded SQLite today; PostgreSQL in [11]) and
/// everything above it sees only these protocols.
///
/// A second node may share a backend: each store's doc says what it may see of another
/// node's writes. Nothing above the backend may assume it is the only writer.
public protocol StorageBackend: StateReset {
    var resources: any ResourceStore { get }
    var tags: any TagStore { get }
    var metrics: any MetricStore { get }
    var logs: any LogStore { get }
    var objects: any ObjectStore { get }
    var trailEvents: any TrailEventStore { get }
    var outbox: any OutboxStore { get }
    var lease: any Lease { get }
    /// The backend's own background work (sealing, checkpoints, compaction).
    var jobs: [Job] { get }
    /// Wipes every store (tests and `--enable-reset`).
    func reset() async throws
    /// Runs the backend's upkeep now and reports its sizes (operator endpoints).
    var maintenance: any StoreMaintenance { get }
}
