#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import ServiceLifecycle
import CloudTrail
import StorageSQLite
import TrailwatchCore

/// Background storage work on a schedule: metric checkpoints every 30 seconds, or sooner when
/// the head grows large (sealing closed hours and deleting the checkpointed log), and
/// compaction, rollups and retention every other checkpoint. A last checkpoint runs at
/// shutdown.
struct MaintenanceService: Service {
    let metrics: SQLiteMetricStore
    let logs: SQLiteLogStore
    let trailEvents: SQLiteTrailEventStore
    let clock: any WallClock
    let logger: Logger
    var checkpointEvery: Duration = .seconds(30)

    func run() async throws {
        var ticks = 0
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            // Woken early by SIGTERM/SIGINT (the final checkpoint below then runs at once), and
            // checking each second whether the head asks for an early checkpoint.
            let started = ContinuousClock.now
            while ContinuousClock.now - started < checkpointEvery, !metrics.wantsCheckpoint {
                _ = try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
                if Task.isCancelled || Task.isShuttingDownGracefully { break }
            }
            if Task.isCancelled || Task.isShuttingDownGracefully { break }
            do {
                let started = ContinuousClock.now
                let sealed = try await metrics.checkpoint()
                ticks += 1
                var reworked = 0
                if ticks % 2 == 0 { reworked = try await metrics.maintain() }
                if sealed > 0 { releaseFreedMemory() }
                // Log events settled for a minute go into compressed blocks; retention runs
                // by the server's clock.
                let nowMillis = Int64(clock.now().timeIntervalSince1970 * 1000)
                let blocks = try await logs.seal(settledBefore: nowMillis - 60_000)
                let expired = try await logs.expire(now: nowMillis)
                // Event history keeps 90 days.
                try await trailEvents.expire(before: nowMillis - EventHistoryService.retentionMillis)
                if blocks > 0 || expired > 0 {
                    logger.debug("log store maintenance", metadata: ["blocks": .stringConvertible(blocks), "expired": .stringConvertible(expired)])
                }
                logger.debug("metric store maintenance", metadata: [
                    "sealedWindows": .stringConvertible(sealed), "chunksReworked": .stringConvertible(reworked),
                    "duration": .string("\(ContinuousClock.now - started)")])
            } catch {
                logger.error("metric store maintenance failed", metadata: ["error": .string("\(error)")])
            }
        }
        do {
            try await metrics.checkpoint()
        } catch {
            logger.error("final metric checkpoint failed", metadata: ["error": .string("\(error)")])
        }
    }
}

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

/// Writes recorded API calls to the event store every second; flushes at shutdown.
struct RecorderService: Service {
    let recorder: TrailRecorder

    func run() async throws {
        await cancelWhenGracefulShutdown { await recorder.run() }
        try? await recorder.flush()
    }
}

/// Delivers logging trails' files on the delivery interval; once more at shutdown.
struct DeliveryService: Service {
    let delivery: TrailDelivery
    let every: Double
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            _ = try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(every)) }
            do {
                try await delivery.deliver()
            } catch {
                logger.error("trail delivery failed", metadata: ["error": .string("\(error)")])
            }
        }
    }
}
