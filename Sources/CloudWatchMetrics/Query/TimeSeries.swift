public import Storage

/// A labelled series of (timestamp, value) points, ascending by timestamp, spaced at
/// `period`: what GetMetricData queries and metric math expressions produce.
public struct TimeSeries: Sendable, Equatable {
    public var label: String
    public var timestamps: [Int64]
    public var values: [Double]
    /// The spacing of points (seconds).
    public var period: Int64
    /// What a metric series measures, for automatic labels; nil for computed series.
    public var source: Source?
    /// A Metrics Insights group's GROUP BY keys and their values; nil for other series.
    public var attributes: [String: String]?

    /// The parts an automatic label is built from.
    public struct Source: Sendable, Equatable {
        public var metric: MetricIdentity
        public var stat: String
        public var period: Int64
    }

    public init(label: String, timestamps: [Int64] = [], values: [Double] = [], period: Int64, source: Source? = nil) {
        self.label = label
        self.timestamps = timestamps
        self.values = values
        self.period = period
        self.source = source
    }

    public var isEmpty: Bool { timestamps.isEmpty }
    public var count: Int { timestamps.count }

    /// The same series with new values at the same timestamps.
    func with(values: [Double]) -> TimeSeries {
        var s = self
        s.values = values
        return s
    }
}
