public import Foundation
public import Storage
import Synchronization
public import TrailwatchCore

/// Trains anomaly models on a metric statistic's history when a band is asked for, with the
/// configuration of the metric's anomaly detector (or the default: UTC, nothing excluded),
/// and keeps them for an hour of training time: a model is trained on the history up to a
/// whole hour (`trainedAt`), so every band and alarm round within that hour reuses it.
public final class AnomalyBands: Sendable {
    let store: any MetricStore
    let resources: (any ResourceStore)?

    /// At most two weeks of history, and at most this many periods of it (two weeks at 60 s).
    static let maxTrainingPoints: Int64 = 20_160
    static let cacheLimit = 2_000

    private struct Key: Hashable {
        var scope: ResourceScope
        var metric: MetricIdentity?
        /// A metric math expression's text, for a band over one.
        var expression: String?
        var stat: String
        var period: Int64
        var trainedAt: Int64
    }

    private let cache = Mutex<[Key: AnomalyModel]>([:])

    init(store: any MetricStore, resources: (any ResourceStore)?) {
        self.store = store
        self.resources = resources
    }

    /// The hour a band over [start, end) is trained up to: before the window when it is a
    /// day or shorter (the band is then a forecast the window's own data cannot bend), its
    /// end otherwise.
    static func trainingEnd(start: Int64, end: Int64) -> Int64 {
        let at = end - start <= 86_400 ? start : end
        return at - ((at % 3600) + 3600) % 3600
    }

    /// The model of `source` at `period`, trained on the history before `trainedAt`; nil
    /// while there is too little history for a band.
    public func model(_ source: TimeSeries.Source, scope: ResourceScope, period: Int64, trainedAt: Int64) async throws -> AnomalyModel? {
        let key = Key(scope: scope, metric: source.metric, expression: nil, stat: source.stat, period: period, trainedAt: trainedAt)
        if let known = cache.withLock({ $0[key] }) { return known }
        // (A model is kept; "too little history" is not: the next datapoints may change it.)
        guard let stat = Statistic(source.stat) else { return nil }
        var detector: AnomalyDetectorRecord?
        if let resources {
            let name = AnomalyDetectorRecord.key(namespace: source.metric.namespace, metricName: source.metric.metricName,
                                                 dimensions: source.metric.dimensions, stat: source.stat)
            detector = try await resources.get(kind: AnomalyDetectorRecord.kind, scope: scope, name: name).map(AnomalyDetectorRecord.init)
        }
        let span = min(14 * 86_400, Self.maxTrainingPoints * period)
        let start = trainedAt - span
        let read = try await MetricSeriesReader(store: store, scope: scope)
            .read(source.metric, stat: stat, period: period, unit: nil, start: start, end: trainedAt)
        let points = zip(read.series.timestamps, read.series.values).map { (timestamp: $0, value: $1) }
        let model = AnomalyModel.train(points: points, period: period, trainedAt: trainedAt,
                                       timeZone: detector?.timeZone ?? TimeZone(identifier: "UTC")!,
                                       exclusions: detector?.modelExclusions ?? [])
        guard let model else { return nil }
        keep(model, key)
        return model
    }

    /// The model of a metric math expression at `period`, trained on `history(start, end)`:
    /// the expression evaluated over the two weeks before `trainedAt` (UTC, nothing excluded).
    func model(expression: String, scope: ResourceScope, period: Int64, trainedAt: Int64,
               history: (Int64, Int64) async throws -> TimeSeries?) async throws -> AnomalyModel? {
        let key = Key(scope: scope, metric: nil, expression: expression, stat: "", period: period, trainedAt: trainedAt)
        if let known = cache.withLock({ $0[key] }) { return known }
        let span = min(14 * 86_400, Self.maxTrainingPoints * period)
        guard let series = try await history(trainedAt - span, trainedAt) else { return nil }
        let points = zip(series.timestamps, series.values).map { (timestamp: $0, value: $1) }
        guard let model = AnomalyModel.train(points: points, period: period, trainedAt: trainedAt,
                                             timeZone: TimeZone(identifier: "UTC")!, exclusions: []) else { return nil }
        keep(model, key)
        return model
    }

    private func keep(_ model: AnomalyModel, _ key: Key) {
        cache.withLock { all in
            if all.count >= Self.cacheLimit {
                // Drop the models trained longest ago.
                let cutoff = all.keys.map(\.trainedAt).sorted()[all.count / 2]
                all = all.filter { $0.key.trainedAt > cutoff }
            }
            all[key] = model
        }
    }
}
