import Foundation
import GRDB
import Storage
@testable import StorageEngine
@testable import StorageSQLite
import Testing
import TrailwatchCore

@Suite("Metric store")
struct MetricStoreTests {
    let scope = ResourceScope(accountId: "111111111111", region: "eu-west-1")
    let t0: Int64 = 1_790_000_000 - 1_790_000_000 % 86400  // a UTC midnight

    func key(_ host: String, unit: String = "None") -> SeriesKey {
        SeriesKey(scope: scope, metric: MetricIdentity(namespace: "App", metricName: "Load", dimensions: [MetricDimension(name: "Host", value: host)]), unit: unit)
    }

    func sample(_ host: String, _ t: Int64, _ v: Double, high: Bool = false) -> MetricSample {
        MetricSample(key: key(host), timestamp: t, highResolution: high, cell: MetricCell(value: v))
    }

    @Test("samples merge into minute cells and are answered from the head")
    func headCells() async throws {
        let clock = ManualClock(Date(timeIntervalSince1970: Double(t0 + 600)))
        let store = try SQLiteMetricStore(try SQLiteDatabase(location: .memory), clock: clock)
        try await store.append([sample("a", t0 + 1, 1), sample("a", t0 + 59, 3), sample("a", t0 + 60, 5), sample("b", t0, 7)])
        let series = try await store.series(in: scope, namespace: "App", metricName: nil)
        #expect(series.count == 2)
        let a = try #require(series.first { $0.key == key("a") })
        let cells = try await store.cells([a.id], start: t0, end: t0 + 3600, resolution: 60)[0]
        #expect(cells.buckets == [t0, t0 + 60])
        #expect(cells.counts[0] == 2 && cells.sums[0] == 4 && cells.mins[0] == 1 && cells.maxs[0] == 3)
    }

    @Test("high-resolution samples keep 1-second cells and feed minute cells")
    func highResolution() async throws {
        let clock = ManualClock(Date(timeIntervalSince1970: Double(t0 + 600)))
        let store = try SQLiteMetricStore(try SQLiteDatabase(location: .memory), clock: clock)
        try await store.append([sample("h", t0 + 5, 1, high: true), sample("h", t0 + 6, 2, high: true)])
        let id = try await store.series(in: scope, namespace: nil, metricName: nil)[0].id
        #expect(try await store.cells([id], start: t0, end: t0 + 60, resolution: 1)[0].buckets == [t0 + 5, t0 + 6])
        #expect(try await store.cells([id], start: t0, end: t0 + 60, resolution: 60)[0].counts == [2])
    }

    @Test("a checkpoint seals closed hours into chunks; answers do not change")
    func checkpoint() async throws {
        let clock = ManualClock(Date(timeIntervalSince1970: Double(t0 + 600)))
        let db = try SQLiteDatabase(location: .memory)
        let store = try SQLiteMetricStore(db, clock: clock)
        var samples: [MetricSample] = []
        for m in 0..<120 { samples.append(sample("a", t0 + Int64(m) * 60, Double(m) / 10)) }
        clock.set(Date(timeIntervalSince1970: Double(t0 + 7200 + 600)))
        try await store.append(samples)
        let id = try await store.series(in: scope, namespace: nil, metricName: nil)[0].id
        let before = try await store.cells([id], start: t0, end: t0 + 7200, resolution: 60)[0]
        #expect(before.count == 120)
        #expect(try await store.checkpoint() == 2)
        let after = try await store.cells([id], start: t0, end: t0 + 7200, resolution: 60)[0]
        #expect(after == before)
        let chunks = try await db.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM metric_chunks") }
        #expect(chunks == 2)
    }

    @Test("a restart restores the head from the snapshot and the log")
    func restart() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tw-\(UUID().uuidString)")
        let url = dir.appendingPathComponent("db.sqlite")
        let clock = ManualClock(Date(timeIntervalSince1970: Double(t0 + 1800)))
        do {
            let store = try SQLiteMetricStore(try SQLiteDatabase(location: .file(url)), clock: clock)
            try await store.append([sample("a", t0 + 60, 1)])
            try await store.checkpoint()  // the cell stays open: in the snapshot
            try await store.append([sample("a", t0 + 60, 2), sample("b", t0 + 120, 3)])  // in the log
        }
        let reopened = try SQLiteMetricStore(try SQLiteDatabase(location: .file(url)), clock: clock)
        let series = try await reopened.series(in: scope, namespace: nil, metricName: nil).sorted { $0.id < $1.id }
        #expect(series.map(\.key) == [key("a"), key("b")])
        let a = try await reopened.cells([series[0].id], start: t0, end: t0 + 3600, resolution: 60)[0]
        #expect(a.count == 1 && a.counts[0] == 2 && a.sums[0] == 3)
    }

    @Test("maintenance compacts closed days, rolls up past 15 days and expires past 455")
    func maintenance() async throws {
        let clock = ManualClock(Date(timeIntervalSince1970: Double(t0 + 86400 + 3600)))
        let db = try SQLiteDatabase(location: .memory)
        let store = try SQLiteMetricStore(db, clock: clock)
        // One datum a minute over the first day, appended "now" (a backfill).
        clock.set(Date(timeIntervalSince1970: Double(t0 + 86400 + 600)))
        for h in 0..<24 {
            try await store.append((0..<60).map { m in sample("a", t0 + Int64(h * 3600 + m * 60), Double(h * 60 + m)) })
        }
        try await store.checkpoint()
        #expect(try await db.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM metric_chunks WHERE resolution = 60") } == 24)
        try await store.maintain()
        #expect(try await db.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM metric_chunks WHERE resolution = 60") } == 1)
        let id = try await store.series(in: scope, namespace: nil, metricName: nil)[0].id
        #expect(try await store.cells([id], start: t0, end: t0 + 86400, resolution: 60)[0].count == 1440)

        // 16 days later the minute cells are 5-minute cells, with the same totals.
        clock.set(Date(timeIntervalSince1970: Double(t0 + 17 * 86400)))
        try await store.maintain()
        #expect(try await db.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM metric_chunks WHERE resolution = 60") } == 0)
        let coarse = try await store.cells([id], start: t0, end: t0 + 86400, resolution: 300)[0]
        #expect(coarse.count == 288)
        #expect(coarse.sums.reduce(0, +) == Double((0..<1440).reduce(0, +)))

        // 64 days: hourly cells. 456 days: gone.
        clock.set(Date(timeIntervalSince1970: Double(t0 + 64 * 86400)))
        try await store.maintain()
        #expect(try await store.cells([id], start: t0, end: t0 + 86400, resolution: 3600)[0].count == 24)
        clock.set(Date(timeIntervalSince1970: Double(t0 + 457 * 86400)))
        try await store.maintain()
        #expect(try await store.cells([id], start: t0, end: t0 + 86400, resolution: 3600)[0].isEmpty)
        #expect(try await db.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM metric_chunks") } == 0)
    }

    @Test("reset forgets every series and cell")
    func reset() async throws {
        let store = try SQLiteMetricStore(try SQLiteDatabase(location: .memory), clock: ManualClock(Date(timeIntervalSince1970: Double(t0))))
        try await store.append([sample("a", t0, 1)])
        try await store.reset()
        #expect(try await store.series(in: scope, namespace: nil, metricName: nil).isEmpty)
    }
}

@Suite("Cell block encoding")
struct CellBlockTests {
    @Test("round-trips single samples, repeated samples and full cells with sketches")
    func roundTrip() throws {
        var cells: [(bucket: Int64, cell: MetricCell)] = []
        for i in 0..<300 {
            let b = Int64(i) * 60 + (i > 200 ? 120 : 0)
            switch i % 7 {
            case 0: cells.append((b, MetricCell(values: [1.5, 2.25, 1000, -3], counts: [1, 2, 3, 4])))
            case 1: cells.append((b, MetricCell(count: 5, sum: 5 * 0.3, min: 0.3, max: 0.3, sketch: nil, distributionKnown: true)))
            case 2: cells.append((b, MetricCell(statisticSet: 10, sum: 50, min: 1, max: 9)))
            default: cells.append((b, MetricCell(value: Double(i) * 0.1 + .pi * Double(i % 2))))
            }
        }
        let bytes = CellBlock.encode(cells, windowStart: 0, resolution: 60)
        let back = try CellBlock.decode(bytes, windowStart: 0, resolution: 60)
        #expect(back.map(\.bucket) == cells.map(\.bucket))
        #expect(back.map(\.cell) == cells.map(\.cell))
    }

    @Test("a day of a one-decimal gauge at one sample a minute takes under a byte a sample")
    func compression() throws {
        var v = 500.0
        var rng = SplitMix(seed: 42)
        let cells = (0..<1440).map { i -> (bucket: Int64, cell: MetricCell) in
            v = ((v + Double(Int(rng.next() % 21) - 10) / 10) * 10).rounded() / 10
            return (Int64(i) * 60, MetricCell(value: v))
        }
        let bytes = CellBlock.encode(cells, windowStart: 0, resolution: 60)
        #expect(bytes.count < 1440)
        #expect(try CellBlock.decode(bytes, windowStart: 0, resolution: 60).map(\.cell) == cells.map(\.cell))
    }

    @Test("bit packing round-trips every width")
    func packing() throws {
        for width in 0...64 {
            let mask: UInt64 = width == 64 ? ~0 : (1 << UInt64(width)) - 1
            var rng = SplitMix(seed: UInt64(width))
            let values = (0..<300).map { _ in rng.next() & mask }
            var w = ByteWriter()
            w.pack(values[...], width: width)
            var r = ByteReader(w.bytes)
            var out: [UInt64] = []
            try r.unpack(count: values.count, width: width, into: &out)
            #expect(out == values, "width \(width)")
        }
    }
}

/// A deterministic generator for tests.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("Metric log")
struct MetricLogTests {
    func dir() -> URL { FileManager.default.temporaryDirectory.appendingPathComponent("twlog-\(UUID().uuidString)") }

    @Test("records come back in order; a torn tail is dropped")
    func tornTail() async throws {
        let d = dir()
        let log = try MetricLog(directory: d)
        _ = try log.replay()
        for i in 0..<5 { _ = try await log.append([UInt8(i), 1, 2, 3], afterCommit: { _ in }) }
        // Tear the last record.
        let file = try FileManager.default.contentsOfDirectory(atPath: d.path).first!
        let url = d.appendingPathComponent(file)
        var data = try Data(contentsOf: url)
        data.removeLast(2)
        try data.write(to: url)
        let reopened = try MetricLog(directory: d)
        let records = try reopened.replay()
        #expect(records.map(\.seq) == [1, 2, 3, 4])
        #expect(records.map { $0.body[0] } == [0, 1, 2, 3])
        let seq = try await reopened.append([9], afterCommit: { _ in })
        #expect(seq == 5)
    }

    @Test("truncate deletes only checkpointed segments")
    func truncate() async throws {
        let d = dir()
        let log = try MetricLog(directory: d)
        _ = try log.replay()
        _ = try await log.append([1], afterCommit: { _ in })
        _ = try await log.append([2], afterCommit: { _ in })
        try await log.exclusive { log.rotate() }
        _ = try await log.append([3], afterCommit: { _ in })
        log.truncate(through: 2)
        #expect(try MetricLog(directory: d).replay().map(\.seq) == [3])
    }
}
