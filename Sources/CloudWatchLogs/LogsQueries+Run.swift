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
    /// With `diff`, the compared period first, into sibling runs of its own.
    func run(_ id: String, _ run: InsightsRun, groups: [LogGroupRecord], start: Int64, end: Int64) async {
        let registry = queries
        // A query stopped before its task began stays Cancelled.
        registry.update(id) { q in if q.status == "Scheduled" { q.status = "Running" } }
        do {
            // One run per core, each scanning its shard of the blocks; merged at the end (and
            // for each partial answer).
            let shards = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
            let current = ([run] + (1..<shards).map { _ in run.sibling() }).map(LogsShardRun.init)
            let previous = run.comparison == nil ? [] : (0..<shards).map { _ in LogsShardRun(run.sibling()) }
            let merge: @Sendable ([LogsShardRun]) -> InsightsRun = { locks in
                let all = run.sibling()
                for l in locks { l.run.withLock { all.absorb($0) } }
                return all
            }
            let answer: @Sendable () throws -> [[CloudWatchLogs.ResultField]] = {
                try Self.fields(merge(current).results(previous: previous.isEmpty ? nil : merge(previous)))
            }
            let scan = LogsScan(id: id, registry: registry, began: nowMillis, counted: current + previous, answer: answer)
            // filterIndex: only groups indexed on its field, only events since it was indexed.
            var sinces: [Int64: Int64] = [:]
            var scanned = groups
            if let field = run.indexedField {
                scanned = []
                for g in groups {
                    guard let since = try await indexedSince(field, g) else { continue }
                    sinces[g.id] = since
                    scanned.append(g)
                }
            }
            if let period = run.comparison {
                let before = period.shifted(start: start, end: end)
                guard try await self.scan(scan, previous, groups: scanned, since: sinces, start: before.start, end: before.end) else { return }
            }
            guard try await self.scan(scan, current, groups: scanned, since: sinces, start: start, end: end, counting: true) else { return }
            let rows = try answer()
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

    /// Scans each group's events in [start, end) into `locks`, one shard each; false when the
    /// query stopped (cancelled or timed out). `counting`: the groups count as scanned.
    func scan(_ scan: LogsScan, _ locks: [LogsShardRun], groups: [LogGroupRecord], since: [Int64: Int64],
              start: Int64, end: Int64, counting: Bool = false) async throws -> Bool {
        let registry = scan.registry, id = scan.id
        let terms = locks[0].run.withLock { $0.requiredTerms }
        for group in groups {
            let streams = try await store.streams(groupID: group.id)
            let names = Dictionary(uniqueKeysWithValues: streams.map { ($0.id, $0.name) })
            let log = "\(group.scope.accountId):\(group.name)"
            let now = nowMillis
            let indexedSince = since[group.id]
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                for shard in locks.indices {
                    tasks.addTask {
                        // Every block of the shard once, in no order: the run sorts what needs order.
                        let skipped = try await self.store.scan(streamIDs: streams.map(\.id), start: start, end: end, now: now,
                                                                shard: shard, of: locks.count, containing: terms) { batch in
                            guard scan.goingOn(self.nowMillis) else { return false }
                            var events = batch
                            if let indexedSince { events.removeAll { $0.ingestionTime < indexedSince } }
                            try locks[shard].consume(events) { e in
                                LogRecord(timestamp: e.timestamp, message: e.message, logStream: names[e.streamID] ?? "",
                                          log: log, ingestionTime: e.ingestionTime, group: group.id, stream: e.streamID, seq: e.seq)
                            }
                            try scan.publish()
                            return true
                        }
                        registry.update(id) { q in q.recordsSkipped += skipped.events; q.bytesSkipped += skipped.bytes }
                    }
                }
                try await tasks.waitForAll()
            }
            if scan.state.stopped.withLock({ $0 }) { return false }
            if counting { registry.update(id) { $0.logGroupsScanned += 1 } }
        }
        return true
    }
}

/// One query's scan: whether it goes on, and its statistics and rows so far published.
struct LogsScan: Sendable {
    let id: String
    let registry: LogsQueryRegistry
    let began: Int64
    /// Every shard run, whose counts the statistics add up.
    let counted: [LogsShardRun]
    let answer: @Sendable () throws -> [[CloudWatchLogs.ResultField]]
    let state = LogsScanState()

    /// Whether the scan goes on at `now`: not once the query is stopped or has run too long.
    func goingOn(_ now: Int64) -> Bool {
        if state.stopped.withLock({ $0 }) { return false }
        if registry.get(id)?.cancelled ?? true {
            state.stopped.withLock { $0 = true }
            return false
        }
        if now - began > LogsQueryRegistry.timeoutMillis {
            registry.update(id) { q in if !q.cancelled { q.status = "Timeout"; q.finishTime = now } }
            state.stopped.withLock { $0 = true }
            return false
        }
        return true
    }

    /// Publishes the statistics, and the rows so far when they are due.
    func publish() throws {
        let due = state.published.withLock { p -> Bool in
            guard p.last.duration(to: .now) > p.interval else { return false }
            p.last = .now
            return true
        }
        var partial: [[CloudWatchLogs.ResultField]]?
        if due {
            let began = ContinuousClock.now
            partial = try answer()
            // Answering the rows so far merges every shard's groups or kept rows:
            // at most a fifth of the query's time goes to it.
            let took = began.duration(to: .now)
            state.published.withLock { p in p.interval = max(.seconds(1), took * 5); p.last = .now }
        }
        var scanned = 0, matched = 0, bytes = 0
        for l in counted {
            scanned += l.scanned.load(ordering: .relaxed)
            matched += l.matched.load(ordering: .relaxed)
            bytes += l.bytes.load(ordering: .relaxed)
        }
        registry.update(id) { q in
            q.recordsScanned = scanned; q.recordsMatched = matched; q.bytesScanned = bytes
            if let partial { q.results = partial }
        }
    }
}
