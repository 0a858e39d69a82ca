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
/// Contract (checked by the conformance suite):
/// - `append` returns after the samples are durable; a sample of a series at time t merges
///   into the cell of its bucket at every resolution the series keeps (1-second cells only
///   for high-resolution samples).
/// - `cells` answers, per requested series, the cells with `start <= bucket < end`, in
///   ascending bucket order, each cell the merge of everything stored for that bucket, at the
///   finest resolution still kept for that time that is no finer than `resolution`.
/// - Cells past their resolution's retention, by the store's clock, are not answered and are
///   eventually deleted.
/// - `series` lists the series of a scope; those with no sample for two weeks are dropped.
/// - Safe to call from any task.
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
