#if canImport(Glibc)
import Glibc
#endif
public import Foundation
public import Logging
public import Runtime
public import Storage
import StorageEngine
public import TrailwatchCore

/// The embedded backend: every store on one SQLite database (a file in WAL mode, or memory),
/// the metric engine's sample log beside it, and the upkeep they need as jobs.
public final class SQLiteBackend: StorageBackend {
    public let database: SQLiteDatabase
    public let resourceStore: SQLiteResourceStore
    public let metricStore: SQLiteMetricStore
    public let logStore: SQLiteLogStore
    public let objectStore: SQLiteObjectStore
    public let trailEventStore: SQLiteTrailEventStore
    public let outboxStore: SQLiteOutboxStore
    public let lease: any Lease
    let clock: any WallClock
    let logger: Logger

    /// Opens (creating if needed) the database at `location`.
    public init(location: SQLiteDatabase.Location, clock: any WallClock, logger: Logger = Logger(label: "trailwatch.sqlite")) throws {
        database = try SQLiteDatabase(location: location)
        resourceStore = try SQLiteResourceStore(database)
        metricStore = try SQLiteMetricStore(database, clock: clock)
        logStore = try SQLiteLogStore(database, clock: clock, metrics: metricStore)
        objectStore = SQLiteObjectStore(database)
        trailEventStore = SQLiteTrailEventStore(database)
        outboxStore = SQLiteOutboxStore(database)
        lease = SQLiteLease(database, clock: clock)
        // A management change's CloudTrail record commits with the change (DurableRecordSlot).
        database.writer.setRecordHook { db, record in
            guard let event = record as? TrailEventRecord else { throw NotATrailEvent() }
            return try SQLiteTrailEventStore.insert(db, event)
        }
        self.clock = clock
        self.logger = logger
    }

    public var resources: any ResourceStore { resourceStore }
    public var tags: any TagStore { resourceStore }
    public var metrics: any MetricStore { metricStore }
    public var logs: any LogStore { logStore }
    public var objects: any ObjectStore { objectStore }
    public var trailEvents: any TrailEventStore { trailEventStore }
    public var outbox: any OutboxStore { outboxStore }
    public var maintenance: any StoreMaintenance { CompositeMaintenance([logStore, metricStore]) }

    public func reset() async throws {
        try await CompositeReset([metricStore, logStore, resourceStore]).reset()
    }

    /// Metric checkpoints every 30 s (sooner when the head grows large; a last one at
    /// shutdown) on every node, since each has its own head; compaction, rollups and chunk
    /// expiry every minute, and sealing of settled log events every 30 s, on one node.
    public var jobs: [Job] {
        let metrics = metricStore, logs = logStore, clock = clock
        return [
            Job("metrics.checkpoint", every: 30, wakeup: metrics.checkpointWakeup, singleton: false,
                atShutdown: { try await metrics.checkpoint() }) {
                if try await metrics.checkpoint() > 0 { releaseFreedMemory() }
            },
            Job("metrics.compaction", every: 60) { _ = try await metrics.maintain() },
            // Log events settled for a minute go into compressed blocks.
            Job("logs.seal", every: 30) {
                _ = try await logs.seal(settledBefore: Int64(clock.now().timeIntervalSince1970 * 1000) - 60_000)
            },
        ]
    }
}

/// A `DurableRecordSlot` carried something other than a CloudTrail record (a programming error).
struct NotATrailEvent: Error {}

/// A checkpoint frees the sealed cells, but glibc keeps freed heap in its per-thread arenas
/// unless asked: after a backfill that would leave gigabytes resident. `malloc_trim` is a GNU
/// extension the Glibc module does not export, so it is looked up at run time.
func releaseFreedMemory() {
    #if canImport(Glibc)
    typealias Trim = @convention(c) (Int) -> Int32
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return }
    _ = unsafeBitCast(symbol, to: Trim.self)(0)
    #endif
}
