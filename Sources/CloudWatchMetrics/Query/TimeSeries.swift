/// A labelled series of (timestamp, value) points, ascending by timestamp: what
/// GetMetricData queries and metric math expressions produce.
public struct TimeSeries: Sendable, Equatable {
    public var label: String
    public var timestamps: [Int64]
    public var values: [Double]

    public init(label: String, timestamps: [Int64] = [], values: [Double] = []) {
        self.label = label
        self.timestamps = timestamps
        self.values = values
    }

    public var isEmpty: Bool { timestamps.isEmpty }
    public var count: Int { timestamps.count }
}
