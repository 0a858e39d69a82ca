import AWSShapes
import Foundation
import LogsInsights
import Storage
import Synchronization
import TrailwatchCore

/// What a query's shards share while they scan.
final class LogsScanState: Sendable {
    /// When the rows so far were last published, and the wait before the next time: first
    /// after the first batch, then at most once a second (longer when computing them is slow).
    let published = Mutex((last: ContinuousClock.now - .seconds(2), interval: Duration.seconds(1)))
    /// Whether the scan stopped early (stopped or timed out).
    let stopped = Mutex(false)
}

/// One shard's run, behind a lock: its scan feeds it while partial answers read it. Its
/// counts are copied out after each batch, so the statistics are read without waiting for a
/// shard that is in the middle of one (that wait was a W4 hot spot).
final class LogsShardRun: Sendable {
    let run: Mutex<InsightsRun>
    let scanned = Atomic(0), matched = Atomic(0), bytes = Atomic(0)
    init(_ run: InsightsRun) { self.run = Mutex(run) }

    func consume(_ batch: [LogEventRecord], _ record: (LogEventRecord) -> LogRecord) throws {
        let counts = try run.withLock { run in
            for e in batch { try run.consume(record(e)) }
            return (run.recordsScanned, run.recordsMatched, run.bytesScanned)
        }
        scanned.store(counts.0, ordering: .relaxed)
        matched.store(counts.1, ordering: .relaxed)
        bytes.store(counts.2, ordering: .relaxed)
    }
}

/// A running query: its groups scanned one after another, each in one shard per core.
extension LogsService {
    /// Scans the groups' events in [start, end) in batches, publishing statistics as it goes.
    func run(_ id: String, _ run: InsightsRun, groups: [LogGroupRecord], start: Int64, end: Int64) async {
        let registry = queries
        // A query stopped before its task began stays Cancelled.
        registry.update(id) { q in if q.status == "Scheduled" { q.status = "Running" } }
        do {
            let began = nowMillis
            // One run per core, each scanning its shard of the blocks; merged at the end (and
            // for each partial answer).
            let shards = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
            let runs = [run] + (1..<shards).map { _ in run.sibling() }
            let locks = runs.map(LogsShardRun.init)
            let merged: @Sendable () -> InsightsRun = {
                let all = run.sibling()
                for l in locks { l.run.withLock { all.absorb($0) } }
                return all
            }
            let state = LogsScanState()
            for group in groups {
                let streams = try await store.streams(groupID: group.id)
                let names = Dictionary(uniqueKeysWithValues: streams.map { ($0.id, $0.name) })
                let log = "\(group.scope.accountId):\(group.name)"
                let now = nowMillis
                try await withThrowingTaskGroup(of: Void.self) { tasks in
                    for shard in 0..<shards {
                        tasks.addTask {
                            // Every block of the shard once, in no order: the run sorts what needs order.
                            let skipped = try await self.store.scan(streamIDs: streams.map(\.id), start: start, end: end, now: now,
                                                                    shard: shard, of: shards, containing: run.requiredTerms) { batch in
                                if state.stopped.withLock({ $0 }) { return false }
                                if registry.get(id)?.cancelled ?? true {
                                    state.stopped.withLock { $0 = true }
                                    return false
                                }
                                if self.nowMillis - began > LogsQueryRegistry.timeoutMillis {
                                    registry.update(id) { q in if !q.cancelled { q.status = "Timeout"; q.finishTime = self.nowMillis } }
                                    state.stopped.withLock { $0 = true }
                                    return false
                                }
                                try locks[shard].consume(batch) { e in
                                    LogRecord(timestamp: e.timestamp, message: e.message, logStream: names[e.streamID] ?? "",
                                              log: log, ingestionTime: e.ingestionTime, group: group.id, stream: e.streamID, seq: e.seq)
                                }
                                let due = state.published.withLock { p -> Bool in
                                    guard p.last.duration(to: .now) > p.interval else { return false }
                                    p.last = .now
                                    return true
                                }
                                var partial: [[CloudWatchLogs.ResultField]]?
                                if due {
                                    let began = ContinuousClock.now
                                    partial = try Self.fields(merged().results())
                                    // Answering the rows so far merges every shard's groups or kept rows:
                                    // at most a fifth of the query's time goes to it.
                                    let took = began.duration(to: .now)
                                    state.published.withLock { p in p.interval = max(.seconds(1), took * 5); p.last = .now }
                                }
                                var scanned = 0, matched = 0, bytes = 0
                                for l in locks {
                                    scanned += l.scanned.load(ordering: .relaxed)
                                    matched += l.matched.load(ordering: .relaxed)
                                    bytes += l.bytes.load(ordering: .relaxed)
                                }
                                registry.update(id) { q in
                                    q.recordsScanned = scanned; q.recordsMatched = matched; q.bytesScanned = bytes
                                    if let partial { q.results = partial }
                                }
                                return true
                            }
                            registry.update(id) { q in q.recordsSkipped += skipped.events; q.bytesSkipped += skipped.bytes }
                        }
                    }
                    try await tasks.waitForAll()
                }
                if state.stopped.withLock({ $0 }) { return }
                registry.update(id) { $0.logGroupsScanned += 1 }
            }
            let rows = try Self.fields(merged().results())
            registry.update(id) { q in
                guard !q.cancelled else { return }
                q.results = rows
                q.status = "Complete"
                q.finishTime = self.nowMillis
            }
        } catch {
            registry.update(id) { q in if !q.cancelled { q.status = "Failed"; q.finishTime = self.nowMillis } }
        }
    }
}
