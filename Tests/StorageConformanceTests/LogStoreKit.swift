import Foundation
import Storage
import Synchronization
import Testing
import TrailwatchCore

/// The `LogStore` contract (Storage/Logs/LogStore.swift), run against every backend.
@Suite("LogStore conformance")
struct LogStoreKit {
    let scope = ResourceScope(accountId: "111111111111", region: "eu-west-1")
    /// Epoch milliseconds.
    let t0: Int64 = 1_790_000_000_000
    static let day: Int64 = 86_400_000

    func make(_ factory: BackendFactory) throws -> any StorageBackend {
        try factory.make(ManualClock(Date(timeIntervalSince1970: Double(t0) / 1000)))
    }

    /// Creates (if needed) the group and the stream; answers both as stored.
    func groupAndStream(_ store: any LogStore, group: String = "g", stream: String = "s",
                        scope: ResourceScope? = nil) async throws -> (LogGroupRecord, LogStreamRecord) {
        let scope = scope ?? self.scope
        if try await store.group(scope: scope, name: group) == nil {
            #expect(try await store.createGroup(LogGroupRecord(scope: scope, name: group, createdAt: t0)))
        }
        let g = try #require(try await store.group(scope: scope, name: group))
        #expect(try await store.createStream(LogStreamRecord(groupID: g.id, name: stream, createdAt: t0)))
        let s = try #require(try await store.stream(groupID: g.id, name: stream))
        return (g, s)
    }

    func read(_ store: any LogStore, _ streams: [Int64], start: Int64? = nil, end: Int64? = nil, after: LogPosition? = nil,
              forward: Bool = true, limit: Int = 1000, now: Int64? = nil,
              filter: (@Sendable (LogEventRecord) -> Bool)? = nil) async throws -> [LogEventRecord] {
        try await store.events(LogEventQuery(streamIDs: streams, start: start, end: end, after: after, forward: forward, limit: limit),
                               now: now ?? t0, filter: filter)
    }

    // MARK: Events

    @Test("append answers the stored records: seq unique across the store, increasing in arrival order", arguments: BackendFactory.all)
    func appendRecords(_ factory: BackendFactory) async throws {
        let store = try make(factory).logs
        let (_, s) = try await groupAndStream(store)
        let (_, s2) = try await groupAndStream(store, group: "g2")
        let first = try await store.append(streamID: s.id, events: [(t0 + 5, "x"), (t0 + 1, "y"), (t0 + 5, "z")], ingestionTime: t0 + 10)
        #expect(first.map(\.message) == ["x", "y", "z"])
        #expect(first.map(\.timestamp) == [t0 + 5, t0 + 1, t0 + 5])
        #expect(first.allSatisfy { $0.streamID == s.id && $0.ingestionTime == t0 + 10 })
        #expect(zip(first, first.dropFirst()).allSatisfy { $0.seq < $1.seq })
        let second = try await store.append(streamID: s2.id, events: [(t0, "w")], ingestionTime: t0 + 11)
        #expect(second.count == 1 && second[0].seq > first.last!.seq)
        #expect(try await store.append(streamID: s.id, events: [], ingestionTime: t0).isEmpty)
        // What is read back is what append answered.
        #expect(try await read(store, [s.id]) == [first[1], first[0], first[2]])
    }

    @Test("append updates the stream's first/last event, last ingestion and stored bytes; the group sums its streams", arguments: BackendFactory.all)
    func streamFigures(_ factory: BackendFactory) async throws {
        let store = try make(factory).logs
        let (g, s) = try await groupAndStream(store)
        let (_, s2) = try await groupAndStream(store, stream: "s2")
        _ = try await store.append(streamID: s.id, events: [(t0 + 2, "bb"), (t0 + 5, "ccc")], ingestionTime: t0 + 10)
        _ = try await store.append(streamID: s.id, events: [(t0 + 1, "é")], ingestionTime: t0 + 11)
        _ = try await store.append(streamID: s2.id, events: [(t0, "1234")], ingestionTime: t0 + 12)
        let got = try #require(try await store.stream(groupID: g.id, name: "s"))
        #expect(got.firstEventTimestamp == t0 + 1 && got.lastEventTimestamp == t0 + 5 && got.lastIngestionTime == t0 + 11)
        #expect(got.storedBytes == 7)  // UTF-8 bytes of the messages
        #expect(try await store.streams(groupID: g.id).map(\.storedBytes) == [7, 4])
        #expect(try await store.group(scope: scope, name: "g")?.storedBytes == 11)
        #expect(try await store.groups(scope: scope).first?.storedBytes == 11)
    }

    @Test("events are in position order: by timestamp, then arrival; backward reverses it", arguments: BackendFactory.all)
    func order(_ factory: BackendFactory) async throws {
        let store = try make(factory).logs
        let (_, s) = try await groupAndStream(store)
        _ = try await store.append(streamID: s.id, events: [(t0 + 2, "b"), (t0 + 2, "c"), (t0 + 5, "e")], ingestionTime: t0 + 10)
        _ = try await store.append(streamID: s.id, events: [(t0 + 1, "a"), (t0 + 2, "d")], ingestionTime: t0 + 11)
        #expect(try await read(store, [s.id]).map(\.message) == ["a", "b", "c", "d", "e"])
        #expect(try await read(store, [s.id], forward: false).map(\.message) == ["e", "d", "c", "b", "a"])
        #expect(try await read(store, [s.id], limit: 2).map(\.message) == ["a", "b"])
        #expect(try await read(store, [s.id], forward: false, limit: 2).map(\.message) == ["e", "d"])
        #expect(try await read(store, [s.id], limit: 0).isEmpty)
        #expect(try await read(store, []).isEmpty)
    }

    @Test("events of several streams merge in position order", arguments: BackendFactory.all)
    func mergeStreams(_ factory: BackendFactory) async throws {
        let store = try make(factory).logs
        let (_, s1) = try await groupAndStream(store, stream: "1")
        let (_, s2) = try await groupAndStream(store, stream: "2")
        _ = try await store.append(streamID: s1.id, events: [(t0 + 1, "1a"), (t0 + 3, "1c")], ingestionTime: t0)
        _ = try await store.append(streamID: s2.id, events: [(t0 + 2, "2b"), (t0 + 3, "2c"), (t0 + 4, "2d")], ingestionTime: t0)
        _ = try await store.append(streamID: s1.id, events: [(t0 + 3, "1c'")], ingestionTime: t0)
        #expect(try await read(store, [s1.id, s2.id]).map(\.message) == ["1a", "2b", "1c", "2c", "1c'", "2d"])
        #expect(try await read(store, [s2.id, s1.id], forward: false, limit: 3).map(\.message) == ["2d", "1c'", "2c"])
        #expect(try await read(store, [s2.id]).map(\.message) == ["2b", "2c", "2d"])
    }

    @Test("start is inclusive and end exclusive", arguments: BackendFactory.all)
    func timeBounds(_ factory: BackendFactory) async throws {
        let store = try make(factory).logs
        let (_, s) = try await groupAndStream(store)
        _ = try await store.append(streamID: s.id, events: (0..<6).map { (t0 + Int64($0), "\($0)") }, ingestionTime: t0)
        #expect(try await read(store, [s.id], start: t0 + 2, end: t0 + 5).map(\.message) == ["2", "3", "4"])
        #expect(try await read(store, [s.id], start: t0 + 2, end: t0 + 5, forward: false).map(\.message) == ["4", "3", "2"])
        #expect(try await read(store, [s.id], start: t0 + 4).map(\.message) == ["4", "5"])
        #expect(try await read(store, [s.id], end: t0 + 1).map(\.message) == ["0"])
        #expect(try await read(store, [s.id], start: t0 + 3, end: t0 + 3).isEmpty)
    }

    @Test("after resumes strictly after (forward) or before (backward) a position; pages visit every event once", arguments: BackendFactory.all)
    func paging(_ factory: BackendFactory) async throws {
        let store = try make(factory).logs
        let (_, s1) = try await groupAndStream(store, stream: "1")
        let (_, s2) = try await groupAndStream(store, stream: "2")
        for i in 0..<5 {
            _ = try await store.append(streamID: i % 2 == 0 ? s1.id : s2.id,
                                       events: (0..<7).map { (t0 + Int64(($0 * 3 + i) % 10), "\(i)-\($0)") }, ingestionTime: t0)
        }
        let all = try await read(store, [s1.id, s2.id])
        #expect(all.count == 35)
        #expect(try await read(store, [s1.id, s2.id], after: all[9].position, limit: 3) == Array(all[10..<13]))
        #expect(try await read(store, [s1.id, s2.id], after: all[9].position, forward: false, limit: 3) == [all[8], all[7], all[6]])
        #expect(try await read(store, [s1.id, s2.id], after: all.last!.position).isEmpty)
        #expect(try await read(store, [s1.id, s2.id], after: all[0].position, forward: false).isEmpty)
        for forward in [true, false] {
            var seen: [LogEventRecord] = []
            var after: LogPosition?
            while true {
                let page = try await read(store, [s1.id, s2.id], after: after, forward: forward, limit: 4)
                seen += page
                guard let last = page.last else { break }
                after = last.position
            }
            #expect(seen == (forward ? all : all.reversed()), "forward: \(forward)")
        }
        // Within a time range.
        let pivot = try #require(all.first { $0.timestamp == t0 + 4 }).position
        let ranged = try await read(store, [s1.id, s2.id], start: t0 + 3, end: t0 + 6, after: pivot)
        #expect(ranged == all.filter { $0.timestamp >= t0 + 3 && $0.timestamp < t0 + 6 && pivot < $0.position })
        let rangedBack = try await read(store, [s1.id, s2.id], start: t0 + 3, end: t0 + 6, after: pivot, forward: false)
        #expect(rangedBack == all.reversed().filter { $0.timestamp >= t0 + 3 && $0.timestamp < t0 + 6 && $0.position < pivot })
    }

    @Test("the filter applies before the limit", arguments: BackendFactory.all)
    func filterBeforeLimit(_ factory: BackendFactory) async throws {
        let store = try make(factory).logs
        let (_, s) = try await groupAndStream(store)
        _ = try await store.append(streamID: s.id, events: (0..<100).map { (t0 + Int64($0), $0 % 10 == 9 ? "ERROR \($0)" : "ok \($0)") }, ingestionTime: t0)
        let errors = try await read(store, [s.id], limit: 3) { $0.message.hasPrefix("ERROR") }
        #expect(errors.map(\.message) == ["ERROR 9", "ERROR 19", "ERROR 29"])
        let last = try await read(store, [s.id], forward: false, limit: 2) { $0.message.hasPrefix("ERROR") }
        #expect(last.map(\.message) == ["ERROR 99", "ERROR 89"])
    }

    @Test("retention: events older than now - days are never answered, and expire deletes exactly them", arguments: BackendFactory.all)
    func retention(_ factory: BackendFactory) async throws {
        let store = try make(factory).logs
        let (g, s) = try await groupAndStream(store)
        let (_, free) = try await groupAndStream(store, group: "no-retention")
        let now = t0 + 10 * Self.day
        let cutoff = now - 2 * Self.day
        _ = try await store.append(streamID: s.id, events: [(cutoff - 1, "old"), (cutoff, "edge"), (cutoff + 1, "new")], ingestionTime: t0)
        _ = try await store.append(streamID: free.id, events: [(t0, "ancient")], ingestionTime: t0)
        // No retention: nothing expires.
        #expect(try await store.expire(now: now) == 0)
        try await store.setRetention(groupID: g.id, days: 2)
        #expect(try await read(store, [s.id], now: now).map(\.message) == ["edge", "new"])
        #expect(try await read(store, [s.id], forward: false, now: now).map(\.message) == ["new", "edge"])
        #expect(try await read(store, [s.id], start: cutoff - 10, now: now).map(\.message) == ["edge", "new"])
        // Another group's streams in the same read keep their own (absent) retention.
        #expect(try await read(store, [s.id, free.id], now: now).map(\.message) == ["ancient", "edge", "new"])
        // Reads at an earlier `now` still see the event: retention is by the given time.
        #expect(try await read(store, [s.id], now: t0).map(\.message) == ["old", "edge", "new"])
        #expect(try await store.expire(now: now) == 1)
        #expect(try await store.expire(now: now) == 0)
        #expect(try await read(store, [s.id, free.id], now: t0).map(\.message) == ["ancient", "edge", "new"])
        let stream = try #require(try await store.stream(groupID: g.id, name: "s"))
        #expect(stream.storedBytes == 7)
        #expect(stream.firstEventTimestamp == cutoff)
    }

    /// Every event a scan visits (batches in no particular order, nor their events).
    func scanned(_ store: any LogStore, _ streams: [Int64], start: Int64? = nil, end: Int64? = nil, now: Int64? = nil,
                 shard: Int = 0, of shards: Int = 1, stopAfter: Int = .max) async throws -> [LogEventRecord] {
        let seen = Mutex<[LogEventRecord]>([])
        let batches = Mutex(0)
        try await store.scan(streamIDs: streams, start: start, end: end, now: now ?? t0, shard: shard, of: shards, containing: []) { batch in
            seen.withLock { $0 += batch }
            return batches.withLock { $0 += 1; return $0 < stopAfter }
        }
        return seen.withLock { $0 }
    }

    @Test("scan visits every event of the range once, in batches, with retention; false stops it", arguments: BackendFactory.all)
    func scan(_ factory: BackendFactory) async throws {
        let backend = try make(factory)
        let store = backend.logs
        let (g, s1) = try await groupAndStream(store, stream: "1")
        let (_, s2) = try await groupAndStream(store, stream: "2")
        for i in 0..<6 {
            _ = try await store.append(streamID: i % 2 == 0 ? s1.id : s2.id,
                                       events: (0..<50).map { (t0 + Int64(($0 * 3 + i) % 100), "\(i)-\($0)") }, ingestionTime: t0)
        }
        let all = try await read(store, [s1.id, s2.id], limit: 1000)
        func sorted(_ e: [LogEventRecord]) -> [LogEventRecord] { e.sorted { $0.position < $1.position } }
        #expect(sorted(try await scanned(store, [s1.id, s2.id])) == all)
        #expect(sorted(try await scanned(store, [s1.id, s2.id], start: t0 + 10, end: t0 + 20)) == all.filter { $0.timestamp >= t0 + 10 && $0.timestamp < t0 + 20 })
        #expect(sorted(try await scanned(store, [s2.id])) == all.filter { $0.streamID == s2.id })
        #expect(try await scanned(store, []).isEmpty)
        #expect(try await scanned(store, [s1.id, s2.id], start: t0 + 5, end: t0 + 5).isEmpty)
        // Stopping after the first batch visits that batch only.
        let first = try await scanned(store, [s1.id, s2.id], stopAfter: 1)
        #expect(!first.isEmpty && first.count < all.count)
        // Shards are disjoint and together visit everything.
        var union: [LogEventRecord] = []
        for shard in 0..<3 { union += try await scanned(store, [s1.id, s2.id], shard: shard, of: 3) }
        #expect(sorted(union) == all)
        // Sealing changes nothing; retention is by `now`.
        try await backend.maintenance.runMaintenance()
        #expect(sorted(try await scanned(store, [s1.id, s2.id])) == all)
        try await store.setRetention(groupID: g.id, days: 1)
        let now = t0 + Self.day + 50
        #expect(sorted(try await scanned(store, [s1.id, s2.id], now: now)) == all.filter { $0.timestamp >= t0 + 50 })
    }

    @Test("a scan for terms may skip blocks, never an event that contains them", arguments: BackendFactory.all)
    func scanTerms(_ factory: BackendFactory) async throws {
        let backend = try make(factory)
        let store = backend.logs
        let (_, s) = try await groupAndStream(store)
        for chunk in 0..<6 {
            _ = try await store.append(streamID: s.id, events: (0..<300).map { (t0 + Int64(chunk * 300 + $0), "chunk \(chunk) line \($0)" + (chunk == 4 && $0 == 7 ? " needle-xyz" : "")) },
                                       ingestionTime: t0)
        }
        try await backend.maintenance.runMaintenance()
        for terms in [["needle-xyz"], ["chunk 2"], ["zz"], ["absent-term"], ["chunk", "needle"]] {
            let seen = Mutex<[LogEventRecord]>([])
            let skipped = try await store.scan(streamIDs: [s.id], start: nil, end: nil, now: t0, shard: 0, of: 1,
                                               containing: terms.map { Array($0.utf8) }) { batch in
                seen.withLock { $0 += batch }
                return true
            }
            let visited = seen.withLock { $0 }
            let wanted = try await read(store, [s.id], limit: 5000).filter { e in terms.allSatisfy { e.message.contains($0) } }
            #expect(Set(wanted.map(\.seq)).isSubset(of: visited.map(\.seq)), "\(terms)")
            #expect(Int64(visited.count) + skipped.events == 1800, "\(terms)")
        }
    }

    @Test("maintenance does not change what events answer", arguments: BackendFactory.all)
    func maintenanceKeepsAnswers(_ factory: BackendFactory) async throws {
        let backend = try make(factory)
        let store = backend.logs
        let (_, s) = try await groupAndStream(store)
        for chunk in 0..<4 {
            _ = try await store.append(streamID: s.id, events: (0..<500).map { (t0 - 1000 + Int64(($0 * 7 + chunk) % 900), "m\(chunk)-\($0)") },
                                       ingestionTime: t0 - 1000)
        }
        let before = try await read(store, [s.id], limit: 5000)
        let backward = try await read(store, [s.id], forward: false, limit: 100)
        try await backend.maintenance.runMaintenance()
        #expect(try await read(store, [s.id], limit: 5000) == before)
        #expect(try await read(store, [s.id], forward: false, limit: 100) == backward)
        let late = try await store.append(streamID: s.id, events: [(t0 - 1000, "late")], ingestionTime: t0)
        let first = try await read(store, [s.id], end: t0 - 999)
        #expect(first.last == late[0])
    }

    @Test("a reader never sees part of an append", arguments: BackendFactory.all)
    func appendIsAtomic(_ factory: BackendFactory) async throws {
        let store = try make(factory).logs
        let (_, s) = try await groupAndStream(store)
        let batch = 50, batches = 20
        let counts = try await withThrowingTaskGroup(of: [Int].self, returning: [Int].self) { group in
            group.addTask {
                for b in 0..<batches {
                    _ = try await store.append(streamID: s.id, events: (0..<batch).map { (t0 + Int64($0), "b\(b)-\($0)") }, ingestionTime: t0)
                }
                return []
            }
            for _ in 0..<3 {
                group.addTask {
                    var seen: [Int] = []
                    for _ in 0..<40 {
                        seen.append(try await store.events(LogEventQuery(streamIDs: [s.id], limit: 100_000), now: t0, filter: nil).count)
                        await Task.yield()
                    }
                    return seen
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(counts.allSatisfy { $0 % batch == 0 }, "partial appends seen: \(counts.filter { $0 % batch != 0 })")
        #expect(try await read(store, [s.id], limit: 100_000).count == batch * batches)
    }

    @Test("concurrent appends: every event stored once, seqs unique", arguments: BackendFactory.all)
    func concurrentAppends(_ factory: BackendFactory) async throws {
        let store = try make(factory).logs
        let (_, s1) = try await groupAndStream(store, stream: "1")
        let (_, s2) = try await groupAndStream(store, stream: "2")
        let answered = try await withThrowingTaskGroup(of: [LogEventRecord].self, returning: [LogEventRecord].self) { group in
            for i in 0..<40 {
                group.addTask {
                    try await store.append(streamID: i % 2 == 0 ? s1.id : s2.id, events: [(t0, "\(i)a"), (t0, "\(i)b")], ingestionTime: t0)
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(Set(answered.map(\.seq)).count == 80)
        let read = try await read(store, [s1.id, s2.id])
        #expect(read.count == 80)
        #expect(Set(read.map(\.seq)) == Set(answered.map(\.seq)))
        // Equal timestamps: arrival order, so each append's events stay in their order.
        for i in 0..<40 {
            let a = try #require(read.firstIndex { $0.message == "\(i)a" }), b = try #require(read.firstIndex { $0.message == "\(i)b" })
            #expect(a < b)
        }
    }

    // MARK: Derived metric samples

    @Test("derived metric samples are in the metric store when append returns", arguments: BackendFactory.all)
    func derivedSamples(_ factory: BackendFactory) async throws {
        let backend = try make(factory)
        let (_, s) = try await groupAndStream(backend.logs)
        let seconds = t0 / 1000
        let minute = seconds - seconds % 60
        let errors = SeriesKey(scope: scope, metric: MetricIdentity(namespace: "LogMetrics", metricName: "Errors", dimensions: []), unit: "Count")
        let latency = SeriesKey(scope: scope, metric: MetricIdentity(namespace: "EMF", metricName: "Latency",
                                                                     dimensions: [MetricDimension(name: "Service", value: "api")]), unit: "Milliseconds")
        let derived = [
            MetricSample(key: errors, timestamp: seconds, highResolution: false, cell: MetricCell(value: 1)),
            MetricSample(key: errors, timestamp: seconds + 1, highResolution: false, cell: MetricCell(value: 2)),
            MetricSample(key: latency, timestamp: seconds, highResolution: true, cell: MetricCell(value: 120)),
        ]
        let records = try await backend.logs.append(streamID: s.id, events: [(t0, "ERROR a"), (t0 + 1, "ERROR b")],
                                                    ingestionTime: t0, derived: derived)
        #expect(records.count == 2)
        let listed = try await backend.metrics.series(in: scope, namespace: "LogMetrics", metricName: "Errors")
        #expect(listed.map(\.key) == [errors])
        let e = try #require(listed.first)
        let cells = try await backend.metrics.cells([e.id], start: minute, end: minute + 120, resolution: 60)[0]
        #expect(cells.counts.reduce(0, +) == 2 && cells.sums.reduce(0, +) == 3)
        let l = try #require(try await backend.metrics.series(in: scope, namespace: "EMF", metricName: nil).first)
        #expect(l.key == latency)
        #expect(try await backend.metrics.cells([l.id], start: seconds, end: seconds + 1, resolution: 1)[0].sums == [120])
        // A second append's samples merge with the first's.
        _ = try await backend.logs.append(streamID: s.id, events: [(t0 + 2, "ERROR c")], ingestionTime: t0,
                                          derived: [MetricSample(key: errors, timestamp: seconds, highResolution: false, cell: MetricCell(value: 4))])
        let merged = try await backend.metrics.cells([e.id], start: minute, end: minute + 120, resolution: 60)[0]
        #expect(merged.counts.reduce(0, +) == 3 && merged.sums.reduce(0, +) == 7)
        #expect(try await backend.metrics.series(in: scope, namespace: "LogMetrics", metricName: nil).map(\.id) == [e.id])
    }

    @Test("derived samples and directly appended samples name the same series", arguments: BackendFactory.all)
    func derivedSharesSeries(_ factory: BackendFactory) async throws {
        let backend = try make(factory)
        let (_, s) = try await groupAndStream(backend.logs)
        let seconds = t0 / 1000
        let key = SeriesKey(scope: scope, metric: MetricIdentity(namespace: "LogMetrics", metricName: "Hits", dimensions: []), unit: "None")
        try await backend.metrics.append([MetricSample(key: key, timestamp: seconds, highResolution: false, cell: MetricCell(value: 1))])
        _ = try await backend.logs.append(streamID: s.id, events: [(t0, "hit")], ingestionTime: t0,
                                          derived: [MetricSample(key: key, timestamp: seconds, highResolution: false, cell: MetricCell(value: 2))])
        let listed = try await backend.metrics.series(in: scope, namespace: "LogMetrics", metricName: nil)
        #expect(listed.count == 1)
        let id = try #require(listed.first).id
        let cells = try await backend.metrics.cells([id], start: seconds - 60, end: seconds + 60, resolution: 60)[0]
        #expect(cells.counts.reduce(0, +) == 2 && cells.sums.reduce(0, +) == 3)
    }

    // MARK: Reset

    @Test("reset wipes groups, streams and events", arguments: BackendFactory.all)
    func reset(_ factory: BackendFactory) async throws {
        let backend = try make(factory)
        let (_, s) = try await groupAndStream(backend.logs)
        _ = try await backend.logs.append(streamID: s.id, events: [(t0, "x")], ingestionTime: t0)
        try await backend.reset()
        #expect(try await backend.logs.groups(scope: scope).isEmpty)
        #expect(try await backend.logs.group(scope: scope, name: "g") == nil)
        #expect(try await read(backend.logs, [s.id]).isEmpty)
        let (_, again) = try await groupAndStream(backend.logs)
        #expect(try await read(backend.logs, [again.id]).isEmpty)
    }
}
