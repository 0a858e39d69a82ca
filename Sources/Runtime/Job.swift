import Foundation
public import TrailwatchCore
import Synchronization

/// Background work: everything that happens without a request (DESIGN.md "Runtime").
///
/// A job runs on its schedule until the server stops. A singleton job runs only on the node
/// holding its lease (on one node: always). A job that throws is logged and runs again on its
/// next tick; work it owes must be durable (an export task's status, an outbox row) so that a
/// crash or an error only delays it.
public struct Job: Sendable {
    public let name: String
    /// Seconds between the end of one run and the start of the next; for an `aligned` job,
    /// the period whose multiples of clock time start its runs.
    public let every: Double
    /// Runs at the clock's multiples of `every` (an alarm round at :00, :10, :20 …), so the
    /// time a run takes does not push the next one later.
    public let aligned: Bool
    /// Wakes the job before `every` has passed (new work was queued).
    public let wakeup: Wakeup?
    /// Runs on one node of a cluster at a time, holding the lease named after the job.
    public let singleton: Bool
    public let run: @Sendable () async throws -> Void
    /// Runs once when the server stops (a last checkpoint, a last flush).
    public let atShutdown: (@Sendable () async throws -> Void)?
    /// Runs as soon as the server starts (work left over from before a restart), not only
    /// after the first period.
    public let runsAtStart: Bool

    public init(_ name: String, every: Double, aligned: Bool = false, wakeup: Wakeup? = nil, singleton: Bool = true,
                runsAtStart: Bool = false, atShutdown: (@Sendable () async throws -> Void)? = nil,
                run: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.aligned = aligned
        self.runsAtStart = runsAtStart
        self.every = every
        self.wakeup = wakeup
        self.singleton = singleton
        self.run = run
        self.atShutdown = atShutdown
    }
}

/// A signal that makes a sleeping job run now. Signals while the job runs are kept: the job
/// runs again right after (one pending signal, however many were sent).
public final class Wakeup: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    public init() {}

    /// Wakes the job (or makes its next wait return at once).
    public func signal() {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if let w = s.waiter {
                s.waiter = nil
                return w
            }
            s.pending = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns at the next signal, or at once when one is pending. One waiter at a time.
    func wait() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s -> Bool in
                    if s.pending || Task.isCancelled {
                        s.pending = false
                        return true
                    }
                    s.waiter = c
                    return false
                }
                if now { c.resume() }
            }
        } onCancel: {
            let w = state.withLock { s -> CheckedContinuation<Void, Never>? in
                defer { s.waiter = nil }
                return s.waiter
            }
            w?.resume()
        }
    }

    /// Clears a pending signal (the job is about to run and will see the work anyway).
    func consume() { state.withLock { $0.pending = false } }
}

extension WallClock {
    /// Sleeps until `deadline` or until `wakeup` signals, whichever is first.
    func sleep(until deadline: Date, or wakeup: Wakeup?) async throws {
        guard let wakeup else { return try await sleep(until: deadline) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.sleep(until: deadline) }
            group.addTask { await wakeup.wait() }
            _ = try await group.next()
            group.cancelAll()
        }
    }
}

/// A lock an async task can wait for without blocking a thread: one holder at a time, the
/// others resumed in arrival order.
public final class AsyncLock: Sendable {
    private struct State {
        var held = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    public init() {}

    /// Runs `body` holding the lock.
    public func withLock<T: Sendable>(_ body: () async throws -> T) async rethrows -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if !s.held {
                    s.held = true
                    return true
                }
                s.waiters.append(c)
                return false
            }
            if now { c.resume() }
        }
    }

    private func release() {
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if s.waiters.isEmpty {
                s.held = false
                return nil
            }
            return s.waiters.removeFirst()
        }
        next?.resume()
    }
}
