public import AWSShapes
import AWSWire
public import Foundation
public import Storage
public import TrailwatchCore

/// A stored anomaly detector (resource kind `cloudwatch:anomaly-detector`): which metric
/// statistic (or metric math) it models, and the training configuration. The model itself is
/// not stored: it is trained from the metric's history when a band is asked for
/// (`AnomalyBands`), so it always reflects the data as it is now.
public struct AnomalyDetectorRecord: Codable, Sendable, Equatable {
    public static let kind = "cloudwatch:anomaly-detector"

    public struct Dimension: Codable, Sendable, Equatable {
        public var name: String
        public var value: String
    }

    public struct Exclusion: Codable, Sendable, Equatable {
        /// Epoch seconds.
        public var start: Double
        public var end: Double
    }

    // A single-metric detector.
    public var namespace: String?
    public var metricName: String?
    public var dimensions: [Dimension]
    public var stat: String?
    /// A metric math detector's queries, as their JSON.
    public var metricMathJSON: String?
    public var exclusions: [Exclusion]
    public var metricTimezone: String?
    public var periodicSpikes: Bool?

    public var isMetricMath: Bool { metricMathJSON != nil }

    /// The resource name: the detector's identity, so one metric statistic has one detector.
    public var key: String {
        if let metricMathJSON { return "M|" + metricMathJSON }
        let dims = dimensions.sorted { ($0.name, $0.value) < ($1.name, $1.value) }.map { "\($0.name)=\($0.value)" }.joined(separator: ",")
        return "S|\(namespace ?? "")|\(metricName ?? "")|\(stat ?? "")|\(dims)"
    }

    /// The single-metric detector of a metric statistic (the identity a band is looked up by).
    public static func key(namespace: String, metricName: String, dimensions: [MetricDimension], stat: String) -> String {
        AnomalyDetectorRecord(namespace: namespace, metricName: metricName,
                              dimensions: dimensions.map { Dimension(name: $0.name, value: $0.value) }, stat: stat,
                              metricMathJSON: nil, exclusions: [], metricTimezone: nil, periodicSpikes: nil).key
    }

    var metricDataQueries: [CloudWatch.MetricDataQuery]? {
        guard let metricMathJSON, let node = try? JSONReader.parse(Array(metricMathJSON.utf8)) else { return nil }
        return try? [CloudWatch.MetricDataQuery](wire: node)
    }

    /// The training exclusions as the model takes them.
    public var modelExclusions: [AnomalyExclusion] {
        exclusions.map { AnomalyExclusion(start: Int64($0.start.rounded(.down)), end: Int64($0.end.rounded(.up))) }
    }

    /// The zone days and weeks begin in for the model (UTC unless MetricTimezone names one).
    public var timeZone: TimeZone { metricTimezone.flatMap(TimeZone.init(identifier:)) ?? TimeZone(identifier: "UTC")! }

    func resource(scope: ResourceScope, at now: Date) throws -> ResourceRecord {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return ResourceRecord(kind: Self.kind, scope: scope, name: key, body: Array(try encoder.encode(self)), createdAt: now, updatedAt: now)
    }

    init(namespace: String?, metricName: String?, dimensions: [Dimension], stat: String?, metricMathJSON: String?,
         exclusions: [Exclusion], metricTimezone: String?, periodicSpikes: Bool?) {
        self.namespace = namespace; self.metricName = metricName; self.dimensions = dimensions; self.stat = stat
        self.metricMathJSON = metricMathJSON; self.exclusions = exclusions; self.metricTimezone = metricTimezone
        self.periodicSpikes = periodicSpikes
    }

    public init(_ resource: ResourceRecord) throws {
        self = try JSONDecoder().decode(Self.self, from: Data(resource.body))
    }

    /// The detector as DescribeAnomalyDetectors shows it.
    func shape(state: String) -> CloudWatch.AnomalyDetector {
        let dims = dimensions.map { CloudWatch.Dimension(name: $0.name, value: $0.value) }
        let configuration = CloudWatch.AnomalyDetectorConfiguration(
            excludedTimeRanges: exclusions.map { CloudWatch.RangeShape(startTime: Date(timeIntervalSince1970: $0.start), endTime: Date(timeIntervalSince1970: $0.end)) },
            metricTimezone: metricTimezone)
        if let queries = metricDataQueries {
            return CloudWatch.AnomalyDetector(configuration: configuration, stateValue: state,
                                              metricCharacteristics: periodicSpikes.map { CloudWatch.MetricCharacteristics(periodicSpikes: $0) },
                                              metricMathAnomalyDetector: CloudWatch.MetricMathAnomalyDetector(metricDataQueries: queries))
        }
        return CloudWatch.AnomalyDetector(
            namespace: namespace, metricName: metricName, dimensions: dims, stat: stat, configuration: configuration, stateValue: state,
            metricCharacteristics: periodicSpikes.map { CloudWatch.MetricCharacteristics(periodicSpikes: $0) },
            singleMetricAnomalyDetector: CloudWatch.SingleMetricAnomalyDetector(namespace: namespace, metricName: metricName,
                                                                                dimensions: dims, stat: stat))
    }
}
