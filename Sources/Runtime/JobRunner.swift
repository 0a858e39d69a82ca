public import Logging
public import ServiceLifecycle
import Foundation
public import TrailwatchCore

/// Runs every job on its schedule until graceful shutdown, then each job's `atShutdown` in
/// order. The executable runs one of these beside the HTTP server in a `ServiceGroup`.
///
/// ```
/// per job:  [sleep every s (aligned: to the next multiple of every s), or until woken] ─► (singleton? acquire lease) ─► run ─► repeat
/// shutdown: cancel the loops ─► atShutdown of each job, in the order given
/// ```
public struct JobRunner: Service {
    public let jobs: [Job]
    let clock: any WallClock
    let lease: any Lease
    /// This node's name as a lease holder.
    let node: String
    let logger: Logger
    /// Where each run's duration goes.
    public let statistics: JobStatistics

    public init(jobs: [Job], clock: any WallClock, lease: any Lease, node: String, logger: Logger,
                statistics: JobStatistics = JobStatistics()) {
        var seen = Set<String>()
        for job in jobs { precondition(seen.insert(job.name).inserted, "two jobs named \(job.name)") }
        self.jobs = jobs
        self.clock = clock
        self.lease = lease
        self.node = node
        self.logger = logger
        self.statistics = statistics
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for job in jobs { group.addTask { await loop(job) } }
            }
        }
        for job in jobs {
            guard let last = job.atShutdown else { continue }
            do {
                try await last()
            } catch {
                logger.error("job failed at shutdown", metadata: ["job": .string(job.name), "error": .string("\(error)")])
            }
        }
    }

    func loop(_ job: Job) async {
        if job.runsAtStart { await runOnce(job) }
        while !Task.isCancelled {
            do {
                try await clock.sleep(until: Self.nextRun(job, after: clock.now()), or: job.wakeup)
            } catch {
                return
            }
            if Task.isCancelled { return }
            await runOnce(job)
        }
    }

    /// When `job` runs next if nothing wakes it: `every` seconds from now, or for an aligned
    /// job the next multiple of `every` after now.
    static func nextRun(_ job: Job, after now: Date) -> Date {
        guard job.aligned, job.every > 0 else { return now.addingTimeInterval(job.every) }
        return Date(timeIntervalSince1970: ((now.timeIntervalSince1970 / job.every).rounded(.down) + 1) * job.every)
    }

    /// Runs `job` once if this node may (its lease, for a singleton); false when it did not run.
    @discardableResult
    public func runOnce(_ job: Job) async -> Bool {
        if job.singleton {
            do {
                // Held for three periods: a node that stops renewing loses it soon after.
                guard try await lease.acquire(job.name, holder: node, seconds: max(30, job.every * 3)) else { return false }
            } catch {
                logger.error("lease check failed", metadata: ["job": .string(job.name), "error": .string("\(error)")])
                return false
            }
        }
        job.wakeup?.consume()
        let started = ContinuousClock.now
        do {
            try await job.run()
        } catch is CancellationError {
        } catch {
            logger.error("job failed", metadata: ["job": .string(job.name), "error": .string("\(error)")])
        }
        let took = ContinuousClock.now - started
        statistics.record(job.name, micros: took.components.seconds * 1_000_000 + took.components.attoseconds / 1_000_000_000_000)
        return true
    }
}
