public import GRDB
import Dispatch
import Synchronization
import TrailwatchCore

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
        /// Runs on the writer queue after the job's transaction committed, before any later
        /// transaction starts: in-memory state follows the database in commit order.
        let afterCommit: (@Sendable () -> Void)?
        let finish: @Sendable ((any Error)?) -> Void
        /// Runs in a transaction of its own.
        let exclusive: Bool
    }

    private struct State {
        var pending: [Job] = []
        var draining = false
    }

    private let writer: any DatabaseWriter
    private let state = Mutex(State())
    /// Inserts a `DurableRecordSlot`'s record into the transaction of the first write made
    /// while the slot is current, returning its store position (set by the backend).
    /// (A class around the closure: a function value kept in a `Mutex` gains a reabstraction
    /// thunk each time `withLock` passes it `inout`, and calls through them grew slower with
    /// every request.)
    private let recordHook = Mutex<RecordHook?>(nil)

    final class RecordHook: Sendable {
        let insert: @Sendable (Database, any Sendable) throws -> Int64
        init(_ insert: @escaping @Sendable (Database, any Sendable) throws -> Int64) { self.insert = insert }
    }

    /// Sets how a slot's record is inserted (the trail event store's insert).
    public func setRecordHook(_ hook: @escaping @Sendable (Database, any Sendable) throws -> Int64) {
        let box = RecordHook(hook)
        recordHook.withLock { $0 = box }
    }
    private let queue = DispatchQueue(label: "trailwatch.group-commit")
    /// The largest number of jobs one transaction takes (bounds commit latency).
    private let maxBatch: Int

    public init(writer: any DatabaseWriter, maxBatch: Int = 4096) {
        self.writer = writer
        self.maxBatch = maxBatch
    }

    /// Runs `work` inside a shared transaction and returns its result after the commit.
    ///
    /// - Parameters:
    ///   - exclusive: run in a transaction no other job shares (checkpoints that must see
    ///     every earlier job's `afterCommit` and none of a later one).
    ///   - afterCommit: called with `work`'s result on the writer queue once the transaction
    ///     has committed and before the next one begins; not called when the job fails.
    public func write<T: Sendable>(exclusive: Bool = false, _ work: @escaping @Sendable (Database) throws -> T,
                                   afterCommit: (@Sendable (T) -> Void)? = nil) async throws -> T {
        let box = ResultBox<T>()
        // A change's audit record joins the first write the request makes (DurableRecordSlot).
        let slot = DurableRecordSlot.current
        let insertRecord = slot == nil ? nil : recordHook.withLock { $0 }?.insert
        let recordSeq = ResultBox<Int64>()
        var hook: (@Sendable () -> Void)?
        if let afterCommit {
            hook = { afterCommit(box.peek()) }
        }
        if let slot, insertRecord != nil {
            let inner = hook
            hook = {
                if let seq = recordSeq.peekIfSet() { slot.committed(seq: seq) }
                inner?()
            }
        }
        let commitHook = hook
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let job = Job(
                run: { db in
                    let result = try work(db)
                    if let slot, let insertRecord, slot.claim() {
                        do {
                            recordSeq.set(try insertRecord(db, slot.record))
                        } catch {
                            slot.release()
                            throw error
                        }
                    }
                    box.set(result)
                },
                afterCommit: commitHook,
                finish: { error in
                    if let error {
                        if recordSeq.peekIfSet() != nil { slot?.release() }
                        continuation.resume(throwing: error)
                    } else {
                        continuation.resume(returning: box.take())
                    }
                },
                exclusive: exclusive)
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
                // An exclusive job goes alone; others stop a batch before one.
                if s.pending[0].exclusive {
                    return [s.pending.removeFirst()]
                }
                var n = 0
                while n < min(s.pending.count, maxBatch), !s.pending[n].exclusive { n += 1 }
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
                    // Savepoints through cached statements: GRDB's `inSavepoint` compiles its
                    // SQL on every call, which cost more than a small job itself.
                    let savepoint = try db.cachedStatement(sql: "SAVEPOINT job")
                    let release = try db.cachedStatement(sql: "RELEASE SAVEPOINT job")
                    let rollback = try db.cachedStatement(sql: "ROLLBACK TO SAVEPOINT job")
                    for (i, job) in batch.enumerated() {
                        try savepoint.execute()
                        do {
                            try job.run(db)
                        } catch {
                            outcomes[i] = error
                            try rollback.execute()
                        }
                        try release.execute()
                    }
                    return .commit
                }
            }
        } catch {
            for job in batch { job.finish(error) }
            return
        }
        for (i, job) in batch.enumerated() where outcomes[i] == nil { job.afterCommit?() }
        for (i, job) in batch.enumerated() { job.finish(outcomes[i]) }
    }
}

/// Carries a job's result from the writer queue to its caller.
private final class ResultBox<T>: @unchecked Sendable {
    // Written once on the writer queue before `finish`, read once after; the continuation
    // resume orders the two.
    private var value: T?
    func set(_ v: T) { value = v }
    func peek() -> T { value! }
    func peekIfSet() -> T? { value }
    func take() -> T { value! }
}
