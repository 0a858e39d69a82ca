import Foundation
import Storage
import Testing
import TrailwatchCore

/// The `MetricStore` contract (Storage/Metrics/MetricSeries.swift), run against every backend.
@Suite("MetricStore conformance")
struct MetricStoreKit {
    let scope = ResourceScope(accountId: "111111111111", region: "eu-west-1")
    /// A UTC midnight.
    let t0: Int64 = 1_790_000_000 - 1_790_000_000 % 86400
    static let day: Int64 = 86400

    func clock(at t: Int64) -> ManualClock { ManualClock(Date(timeIntervalSince1970: Double(t))) }

    func key(_ host: String, metric: String = "Load", namespace: String = "App", unit: String = "None", scope: ResourceScope? = nil) -> SeriesKey {
        SeriesKey(scope: scope ?? self.scope,
                  metric: MetricIdentity(namespace: namespace, metricName: metric, dimensions: [MetricDimension(name: "Host", value: host)]),
                  unit: unit)
    }

    func sample(_ key: SeriesKey, _ t: Int64, _ v: Double, high: Bool = false) -> MetricSample {
        MetricSample(key: key, timestamp: t, highResolution: high, cell: MetricCell(value: v))
    }

    func id(_ store: any MetricStore, _ key: SeriesKey) async throws -> UInt32 {
        let all = try await store.series(in: key.scope, namespace: key.metric.namespace, metricName: key.metric.metricName)
        return try #require(all.first { $0.key == key }, "series \(key) not listed").id
    }

    @Test("append is answered on return: series lists it, cells merge samples into minute buckets", arguments: BackendFactory.all)
    func appendThenRead(_ factory: BackendFactory) async throws {
        let store = try factory.make(clock(at: t0 + 600)).metrics
        let a = key("a")
        try await store.append([sample(a, t0 + 1, 1), sample(a, t0 + 59, 3), sample(a, t0 + 60, 5)])
        let series = try await store.series(in: scope, namespace: "App", metricName: "Load")
        #expect(series.map(\.key) == [a])
        let cells = try await store.cells([series[0].id], start: t0, end: t0 + 3600, resolution: 60)
        #expect(cells.count == 1)
        let c = cells[0]
        #expect(c.buckets == [t0, t0 + 60])
        #expect(c.counts == [2, 1] && c.sums == [4, 5] && c.mins == [1, 5] && c.maxs == [3, 5])
    }

    @Test("cells answer start <= bucket < end, ascending", arguments: BackendFactory.all)
    func cellBounds(_ factory: BackendFactory) async throws {
        let store = try factory.make(clock(at: t0 + 3600)).metrics
        let a = key("a")
        // Appended out of order: answers are still ascending.
        try await store.append([sample(a, t0 + 180, 4), sample(a, t0, 1), sample(a, t0 + 120, 3), sample(a, t0 + 60, 2)])
        let id = try await id(store, a)
        func buckets(_ start: Int64, _ end: Int64) async throws -> [Int64] {
            try await store.cells([id], start: start, end: end, resolution: 60)[0].buckets
        }
        #expect(try await buckets(t0, t0 + 3600) == [t0, t0 + 60, t0 + 120, t0 + 180])
        #expect(try await buckets(t0 + 60, t0 + 180) == [t0 + 60, t0 + 120])
        #expect(try await buckets(t0 + 61, t0 + 181) == [t0 + 120, t0 + 180])
        #expect(try await buckets(t0 + 60, t0 + 60).isEmpty)
        #expect(try await buckets(t0 + 180, t0 + 60).isEmpty)
        #expect(try await store.cells([id], start: t0 + 60, end: t0 + 180, resolution: 60)[0].sums == [2, 3])
    }

    @Test("a sub-minute read of a high-resolution series answers its 1-second cells only, never its minute cells",
          arguments: BackendFactory.all)
    func highResolutionGap(_ factory: BackendFactory) async throws {
        let store = try factory.make(clock(at: t0 + 120)).metrics
        let high = key("high"), standard = key("standard")
        try await store.append([sample(high, t0 + 80, 21.5, high: true), sample(standard, t0 + 80, 7)])
        let ids = [try await id(store, high), try await id(store, standard)]
        // [t0 + 60, t0 + 70) holds no sample of either, but it starts the minute that holds both.
        let cells = try await store.cells(ids, start: t0 + 60, end: t0 + 70, resolution: 10)
        #expect(cells[0].buckets.isEmpty)
        // A standard-resolution series answers its minute cells instead.
        #expect(cells[1].buckets == [t0 + 60])
        #expect(try await store.cells([ids[0]], start: t0 + 70, end: t0 + 90, resolution: 10)[0].buckets == [t0 + 80])
    }

    @Test("cells answer one column set per requested series, in request order; an unknown id answers none", arguments: BackendFactory.all)
    func cellsPerSeries(_ factory: BackendFactory) async throws {
        let store = try factory.make(clock(at: t0 + 600)).metrics
        try await store.append([sample(key("a"), t0, 1), sample(key("b"), t0, 2), sample(key("b"), t0 + 60, 3)])
        let a = try await id(store, key("a")), b = try await id(store, key("b"))
        let unknown = max(a, b) + 1000
        let cells = try await store.cells([b, unknown, a], start: t0, end: t0 + 3600, resolution: 60)
        #expect(cells.count == 3)
        #expect(cells[0].sums == [2, 3])
        #expect(cells[1].isEmpty)
        #expect(cells[2].sums == [1])
        #expect(try await store.cells([], start: t0, end: t0 + 3600, resolution: 60).isEmpty)
    }

    @Test("series are per scope, filter by namespace and name, and differ by unit and dimensions", arguments: BackendFactory.all)
    func seriesIdentity(_ factory: BackendFactory) async throws {
        let store = try factory.make(clock(at: t0 + 600)).metrics
        let otherAccount = ResourceScope(accountId: "222222222222", region: scope.region)
        let otherRegion = ResourceScope(accountId: scope.accountId, region: "us-east-1")
        let keys = [key("a"), key("a", unit: "Count"), key("b"), key("a", metric: "Other"), key("a", namespace: "Other"),
                    key("a", scope: otherAccount), key("a", scope: otherRegion)]
        try await store.append(keys.map { sample($0, t0, 1) })
        let mine = try await store.series(in: scope, namespace: nil, metricName: nil)
        #expect(Set(mine.map(\.key)) == Set(keys.prefix(5)))
        #expect(mine.count == 5)
        #expect(Set(try await store.series(in: scope, namespace: "App", metricName: nil).map(\.key)) == Set(keys.prefix(4)))
        #expect(Set(try await store.series(in: scope, namespace: "App", metricName: "Load").map(\.key)) == Set(keys.prefix(3)))
        #expect(Set(try await store.series(in: scope, namespace: nil, metricName: "Other").map(\.key)) == [keys[3]])
        #expect(try await store.series(in: otherAccount, namespace: nil, metricName: nil).map(\.key) == [keys[5]])
        #expect(try await store.series(in: otherRegion, namespace: nil, metricName: nil).map(\.key) == [keys[6]])
        #expect(try await store.series(in: ResourceScope(accountId: "333333333333", region: scope.region), namespace: nil, metricName: nil).isEmpty)
        // Every series has its own id.
        var ids = Set(mine.map(\.id))
        for s in [otherAccount, otherRegion] { ids.formUnion(try await store.series(in: s, namespace: nil, metricName: nil).map(\.id)) }
        #expect(ids.count == keys.count)
    }

    @Test("a series keeps its id; dimension order does not make a new one", arguments: BackendFactory.all)
    func stableIDs(_ factory: BackendFactory) async throws {
        let store = try factory.make(clock(at: t0 + 600)).metrics
        let dims = [MetricDimension(name: "Host", value: "a"), MetricDimension(name: "AZ", value: "x")]
        let k1 = SeriesKey(scope: scope, metric: MetricIdentity(namespace: "App", metricName: "Load", dimensions: dims), unit: "None")
        let k2 = SeriesKey(scope: scope, metric: MetricIdentity(namespace: "App", metricName: "Load", dimensions: dims.reversed()), unit: "None")
        try await store.append([sample(k1, t0, 1)])
        let first = try await id(store, k1)
        try await store.append([sample(k2, t0 + 60, 2)])
        try await store.append([sample(k1, t0 + 120, 3)])
        let all = try await store.series(in: scope, namespace: nil, metricName: nil)
        #expect(all.map(\.id) == [first])
        #expect(try await store.cells([first], start: t0, end: t0 + 3600, resolution: 60)[0].sums == [1, 2, 3])
    }

    @Test("concurrent appends of new series get distinct ids, each answering its own samples", arguments: BackendFactory.all)
    func concurrentNewSeries(_ factory: BackendFactory) async throws {
        let store = try factory.make(clock(at: t0 + 600)).metrics
        let keys = (0..<50).map { key("h\($0)") }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (i, k) in keys.enumerated() {
                group.addTask { try await store.append([sample(k, t0, Double(i))]) }
            }
            try await group.waitForAll()
        }
        let all = try await store.series(in: scope, namespace: nil, metricName: nil)
        #expect(all.count == keys.count)
        #expect(Set(all.map(\.id)).count == keys.count)
        let cells = try await store.cells(all.map(\.id), start: t0, end: t0 + 60, resolution: 60)
        for (info, c) in zip(all, cells) {
            let i = try #require(keys.firstIndex(of: info.key))
            #expect(c.sums == [Double(i)])
        }
    }

    @Test("lastTimestamp is the newest sample's time; lastReceived is the store clock's time of the last append", arguments: BackendFactory.all)
    func lastTimes(_ factory: BackendFactory) async throws {
        let clock = clock(at: t0 + 600)
        let store = try factory.make(clock).metrics
        let a = key("a")
        try await store.append([sample(a, t0 + 300, 1), sample(a, t0 + 100, 1)])
        var info = try #require(try await store.series(in: scope, namespace: nil, metricName: nil).first)
        #expect(info.lastTimestamp == t0 + 300)
        #expect(info.lastReceived == t0 + 600)
        clock.advance(by: 60)
        try await store.append([sample(a, t0 + 200, 1)])
        info = try #require(try await store.series(in: scope, namespace: nil, metricName: nil).first)
        #expect(info.lastTimestamp == t0 + 300)
        #expect(info.lastReceived == t0 + 660)
    }

    @Test("statistic sets, value lists and single values merge exactly into one cell", arguments: BackendFactory.all)
    func mergeCells(_ factory: BackendFactory) async throws {
        let store = try factory.make(clock(at: t0 + 600)).metrics
        let a = key("a")
        try await store.append([
            MetricSample(key: a, timestamp: t0 + 1, highResolution: false, cell: MetricCell(statisticSet: 3, sum: 6, min: 1, max: 3)),
            MetricSample(key: a, timestamp: t0 + 2, highResolution: false, cell: MetricCell(values: [4, 5], counts: [1, 2])),
            sample(a, t0 + 3, 10),
        ])
        let c = try await store.cells([try await id(store, a)], start: t0, end: t0 + 60, resolution: 60)[0]
        #expect(c.buckets == [t0])
        #expect(c.counts == [7] && c.sums == [30] && c.mins == [1] && c.maxs == [10])
        // A statistic set of differing samples leaves the distribution unknown.
        #expect(c.cell(0).distributionKnown == false)
    }

    @Test("high-resolution samples keep 1-second cells and feed minute cells; a standard series answers minute cells at 1 s", arguments: BackendFactory.all)
    func highResolution(_ factory: BackendFactory) async throws {
        let store = try factory.make(clock(at: t0 + 600)).metrics
        let h = key("h"), s = key("s")
        try await store.append([sample(h, t0 + 5, 1, high: true), sample(h, t0 + 6, 2, high: true), sample(h, t0 + 6, 4, high: true),
                                sample(s, t0 + 5, 7), sample(s, t0 + 6, 8)])
        let hid = try await id(store, h), sid = try await id(store, s)
        let fine = try await store.cells([hid], start: t0, end: t0 + 60, resolution: 1)[0]
        #expect(fine.buckets == [t0 + 5, t0 + 6])
        #expect(fine.counts == [1, 2] && fine.sums == [1, 6])
        #expect(try await store.cells([hid], start: t0 + 6, end: t0 + 7, resolution: 1)[0].buckets == [t0 + 6])
        #expect(try await store.cells([hid], start: t0, end: t0 + 60, resolution: 60)[0].counts == [3])
        let standard = try await store.cells([sid], start: t0, end: t0 + 60, resolution: 1)[0]
        #expect(standard.buckets == [t0])
        #expect(standard.counts == [2] && standard.sums == [15])
    }

    @Test("1-second cells are not answered once 3 hours old by the store's clock", arguments: BackendFactory.all)
    func secondRetention(_ factory: BackendFactory) async throws {
        let clock = clock(at: t0 + 600)
        let store = try factory.make(clock).metrics
        let h = key("h")
        try await store.append([sample(h, t0 + 5, 1, high: true)])
        let hid = try await id(store, h)
        #expect(try await store.cells([hid], start: t0, end: t0 + 60, resolution: 1)[0].buckets == [t0 + 5])
        clock.set(Date(timeIntervalSince1970: Double(t0 + 3 * 3600 + 60)))
        let old = try await store.cells([hid], start: t0, end: t0 + 60, resolution: 1)[0]
        #expect(!old.buckets.contains(t0 + 5))
        // The minute cells, kept 15 days, still answer.
        #expect(try await store.cells([hid], start: t0, end: t0 + 60, resolution: 60)[0].counts == [1])
    }

    @Test("past 15 days, minute cells are not answered and 5-minute cells are, whether maintenance ran or not", arguments: BackendFactory.all)
    func minuteRetention(_ factory: BackendFactory) async throws {
        let clock = clock(at: t0 + 600)
        let backend = try factory.make(clock)
        let store = backend.metrics
        let a = key("a")
        try await store.append([sample(a, t0 + 60, 2), sample(a, t0 + 120, 4)])
        let aid = try await id(store, a)
        clock.set(Date(timeIntervalSince1970: Double(t0 + 16 * Self.day)))
        for phase in ["before maintenance", "after maintenance"] {
            if phase == "after maintenance" { try await backend.maintenance.runMaintenance() }
            let minute = try await store.cells([aid], start: t0, end: t0 + 3600, resolution: 60)[0]
            #expect(minute.isEmpty, "\(phase): minute cells of 16-day-old data answered: \(minute.buckets)")
            let five = try await store.cells([aid], start: t0, end: t0 + 3600, resolution: 300)[0]
            #expect(five.counts.reduce(0, +) == 2 && five.sums.reduce(0, +) == 6, "\(phase)")
            #expect(five.buckets.allSatisfy { $0 >= t0 && $0 < t0 + 3600 }, "\(phase)")
        }
    }

    @Test("maintenance (checkpoints, compaction) does not change any answer", arguments: BackendFactory.all)
    func maintenanceKeepsAnswers(_ factory: BackendFactory) async throws {
        let clock = clock(at: t0 + 3 * 3600)
        let backend = try factory.make(clock)
        let store = backend.metrics
        let a = key("a"), h = key("h")
        var samples: [MetricSample] = []
        for m in 0..<150 { samples.append(sample(a, t0 + Int64(m) * 60 + 7, Double(m % 13))) }
        for s in 0..<300 { samples.append(sample(h, t0 + 2 * 3600 + Int64(s) * 3, Double(s % 7), high: true)) }
        try await store.append(samples)
        let ids = [try await id(store, a), try await id(store, h)]
        let minute = try await store.cells(ids, start: t0, end: t0 + 3 * 3600, resolution: 60)
        let second = try await store.cells(ids, start: t0 + 2 * 3600, end: t0 + 3 * 3600, resolution: 1)
        #expect(minute[0].count == 150)
        #expect(second[1].count == 300)
        try await backend.maintenance.runMaintenance()
        #expect(try await store.cells(ids, start: t0, end: t0 + 3 * 3600, resolution: 60) == minute)
        #expect(try await store.cells(ids, start: t0 + 2 * 3600, end: t0 + 3 * 3600, resolution: 1) == second)
        // Samples arriving after maintenance merge with what it moved.
        try await store.append([sample(a, t0 + 7, 100)])
        let merged = try await store.cells([ids[0]], start: t0, end: t0 + 60, resolution: 60)[0]
        #expect(merged.counts == [2] && merged.sums == [100] && merged.maxs == [100])
    }

    @Test("reset forgets every series and cell", arguments: BackendFactory.all)
    func reset(_ factory: BackendFactory) async throws {
        let backend = try factory.make(clock(at: t0 + 600))
        try await backend.metrics.append([sample(key("a"), t0, 1)])
        let old = try await id(backend.metrics, key("a"))
        try await backend.reset()
        #expect(try await backend.metrics.series(in: scope, namespace: nil, metricName: nil).isEmpty)
        #expect(try await backend.metrics.cells([old], start: t0, end: t0 + 60, resolution: 60)[0].isEmpty)
        try await backend.metrics.append([sample(key("b"), t0, 2)])
        let b = try await id(backend.metrics, key("b"))
        #expect(try await backend.metrics.cells([b], start: t0, end: t0 + 60, resolution: 60)[0].sums == [2])
    }
}
