import Logging
import ServiceLifecycle
import StorageSQLite

/// Background storage work on a schedule: metric checkpoints every 30 seconds (sealing closed
/// hours and truncating the WAL) and compaction, rollups and retention every minute. A last
/// checkpoint runs at shutdown.
struct MaintenanceService: Service {
    let metrics: SQLiteMetricStore
    let logger: Logger
    var checkpointEvery: Duration = .seconds(30)

    func run() async throws {
        var ticks = 0
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            // Woken early by SIGTERM/SIGINT: the final checkpoint below runs at once.
            _ = try? await cancelWhenGracefulShutdown { try await Task.sleep(for: checkpointEvery) }
            if Task.isCancelled || Task.isShuttingDownGracefully { break }
            do {
                let started = ContinuousClock.now
                let sealed = try await metrics.checkpoint()
                ticks += 1
                var reworked = 0
                if ticks % 2 == 0 { reworked = try await metrics.maintain() }
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
