public import TrailwatchCore

/// One dimension of a metric.
public struct MetricDimension: Hashable, Sendable, Comparable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    public static func < (a: MetricDimension, b: MetricDimension) -> Bool {
        a.name == b.name ? a.value < b.value : a.name < b.name
    }
}

/// A metric as CloudWatch identifies it: namespace, name and the set of dimensions
/// (kept sorted by name, so order on the wire does not matter).
public struct MetricIdentity: Hashable, Sendable {
    public var namespace: String
    public var metricName: String
    public var dimensions: [MetricDimension]

    public init(namespace: String, metricName: String, dimensions: [MetricDimension]) {
        self.namespace = namespace
        self.metricName = metricName
        self.dimensions = dimensions.count > 1 ? dimensions.sorted() : dimensions
    }
}

/// A stored time series: a metric in an account and region, with one unit (CloudWatch keeps
/// the unit of every datapoint; queries may filter by it).
public struct SeriesKey: Hashable, Sendable {
    public var scope: ResourceScope
    public var metric: MetricIdentity
    /// A CloudWatch `StandardUnit` name; `None` when the datum gave none.
    public var unit: String

    public init(scope: ResourceScope, metric: MetricIdentity, unit: String) {
        self.scope = scope
        self.metric = metric
        self.unit = unit
    }
}

/// A series the store knows, with when it last received data.
public struct SeriesInfo: Sendable, Equatable {
    public var id: UInt32
    public var key: SeriesKey
    /// Epoch seconds of the newest sample's timestamp, and when it was received.
    public var lastTimestamp: Int64
    public var lastReceived: Int64

    public init(id: UInt32, key: SeriesKey, lastTimestamp: Int64, lastReceived: Int64) {
        self.id = id
        self.key = key
        self.lastTimestamp = lastTimestamp
        self.lastReceived = lastReceived
    }
}

/// One datum ready to store: a series, a timestamp, the samples' aggregate, and whether the
/// metric is high resolution (1-second cells as well as 1-minute ones).
public struct MetricSample: Sendable, Equatable {
    public var key: SeriesKey
    /// Epoch seconds (sub-second precision is below every cell's resolution).
    public var timestamp: Int64
    public var highResolution: Bool
    public var cell: MetricCell

    public init(key: SeriesKey, timestamp: Int64, highResolution: Bool, cell: MetricCell) {
        self.key = key
        self.timestamp = timestamp
        self.highResolution = highResolution
        self.cell = cell
    }
}

/// Cell resolutions and how long each is kept (AWS's retention schedule).
public enum MetricResolution: Int, Sendable, CaseIterable, Comparable {
    case oneSecond = 1
    case oneMinute = 60
    case fiveMinutes = 300
    case oneHour = 3600

    /// How long cells of this resolution are kept, in seconds.
    public var retention: Int64 {
        switch self {
        case .oneSecond: return 3 * 3600
        case .oneMinute: return 15 * 86400
        case .fiveMinutes: return 63 * 86400
        case .oneHour: return 455 * 86400
        }
    }

    public static func < (a: MetricResolution, b: MetricResolution) -> Bool { a.rawValue < b.rawValue }
}

/// Durable storage of metric cells.
///
/// Contract, for every implementation (checked by `MetricStoreKit` in StorageConformanceTests):
/// - `append` returns after the samples are durable, and from then on every sample of the
///   batch is answered: `series` lists its series and `cells` includes it. A sample of a
///   series at time t merges into the minute cell of bucket `floor(t / 60) * 60` (and, when
///   high resolution, into the 1-second cell of bucket t). Merging is exact for count, sum,
///   min and max; distributions merge, and a cell's distribution is unknown once any part of
///   it was (a statistic set of differing samples).
/// - Series are identified by `SeriesKey`: scope, namespace, metric name, the dimensions as a
///   set, and unit (the same metric in another unit is another series). Series ids are
///   assigned by the backend: unique across every scope, stable for the life of the series
///   (until `reset`), and the same on every node sharing the backend.
/// - `series` answers every series of exactly that scope the store holds, filtered exactly by
///   namespace and metric name when given, in no set order: `lastTimestamp` is the newest
///   sample's time, `lastReceived` the store clock's time (epoch seconds) of the latest append
///   to it. Series are not dropped for age: callers filter on `lastReceived` (ListMetrics'
///   two weeks).
/// - `cells` answers one `CellColumns` per requested id, in request order (an unknown id
///   answers no cells): the cells with `start <= bucket < end`, in ascending bucket order,
///   each the merge of everything stored for that bucket.
///   - `resolution < 60` reads 1-second cells, which are kept 3 hours: a range wholly older
///     answers nothing; a standard-resolution series (one with no 1-second cells still
///     kept) answers its minute cells instead, while a high-resolution one answers only its
///     1-second cells (none, when the range holds none).
///   - `resolution >= 60` reads the finest tier still kept for that age that is no coarser
///     than `resolution`: minute cells for 15 days, 5-minute cells for 63, hourly for 455.
///   - Retention is by the store's clock: a cell past its tier's retention is not answered,
///     whether or not maintenance has yet rolled it up or deleted it. Maintenance
///     (checkpoints, compaction, rollups) changes no other answer.
/// - Safe to call from any task concurrently. A second node sharing the backend sees a sample
///   once the `append` that wrote it returned; in-memory heads and indexes (the SQLite
///   backend's) are a backend matter.
public protocol MetricStore: Sendable {
    /// Stores a batch; durable on return.
    func append(_ batch: MetricBatch) async throws
    func series(in scope: ResourceScope, namespace: String?, metricName: String?) async throws -> [SeriesInfo]
    func cells(_ series: [UInt32], start: Int64, end: Int64, resolution: Int) async throws -> [CellColumns]
}

extension MetricStore {
    /// Stores samples of any scopes and namespaces (one batch each).
    public func append(_ samples: [MetricSample]) async throws {
        for batch in MetricBatch.batches(samples) { try await append(batch) }
    }
}
