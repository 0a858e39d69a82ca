public import GRDB
import Dispatch
import Synchronization

/// Runs writes in shared transactions: every write submitted while a commit is in flight
/// joins the next one, so N concurrent requests cost one fsync, not N.
///
/// ```
/// write() ─► pending ─┐   drain loop (one at a time, on its own queue)
/// write() ─► pending ─┼─► BEGIN IMMEDIATE
/// write() ─► pending ─┘     SAVEPOINT job1 … RELEASE   (a failing job rolls back alone)
///                           SAVEPOINT job2 … RELEASE
///                         COMMIT (fsync) ─► resume every job's caller
/// ```
/// A caller is resumed only after the commit that holds its write returned: an answer sent
/// after `write` returns is durable. A job that throws is rolled back to its savepoint and
/// its caller gets the error; the others still commit. If the commit itself fails, every job
/// of the batch fails.
public final class GroupCommitWriter: Sendable {
    private struct Job: Sendable {
        let run: @Sendable (Database) throws -> Void
        let finish: @Sendable ((any Error)?) -> Void
    }

    private struct State {
        var pending: [Job] = []
        var draining = false
    }

    private let writer: any DatabaseWriter
    private let state = Mutex(State())
    private let queue = DispatchQueue(label: "trailwatch.group-commit")
    /// The largest number of jobs one transaction takes (bounds commit latency).
    private let maxBatch: Int

    public init(writer: any DatabaseWriter, maxBatch: Int = 4096) {
        self.writer = writer
        self.maxBatch = maxBatch
    }

    /// Runs `work` inside a shared transaction and returns its result after the commit.
    public func write<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let box = ResultBox<T>()
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let job = Job(
                run: { db in box.set(try work(db)) },
                finish: { error in
                    if let error { continuation.resume(throwing: error) } else { continuation.resume(returning: box.take()) }
                })
            let start = state.withLock { s -> Bool in
                s.pending.append(job)
                if s.draining { return false }
                s.draining = true
                return true
            }
            if start { queue.async { self.drain() } }
        }
    }

    private func drain() {
        while true {
            let batch = state.withLock { s -> [Job] in
                if s.pending.isEmpty {
                    s.draining = false
                    return []
                }
                let n = min(s.pending.count, maxBatch)
                let b = Array(s.pending.prefix(n))
                s.pending.removeFirst(n)
                return b
            }
            if batch.isEmpty { return }
            commit(batch)
        }
    }

    private func commit(_ batch: [Job]) {
        var outcomes = [(any Error)?](repeating: nil, count: batch.count)
        do {
            try writer.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    if batch.count == 1 {
                        // No savepoint needed: a failure rolls the whole transaction back.
                        do { try batch[0].run(db) } catch { outcomes[0] = error; return .rollback }
                        return .commit
                    }
                    for (i, job) in batch.enumerated() {
                        do {
                            try db.inSavepoint {
                                try job.run(db)
                                return .commit
                            }
                        } catch {
                            outcomes[i] = error
                        }
                    }
                    return .commit
                }
            }
        } catch {
            for job in batch { job.finish(error) }
            return
        }
        for (i, job) in batch.enumerated() { job.finish(outcomes[i]) }
    }
}

/// Carries a job's result from the writer queue to its caller.
private final class ResultBox<T>: @unchecked Sendable {
    // Written once on the writer queue before `finish`, read once after; the continuation
    // resume orders the two.
    private var value: T?
    func set(_ v: T) { value = v }
    func take() -> T { value! }
}
