import Storage
import TrailwatchCore

/// The embedded metric format: a JSON log event whose `_aws.CloudWatchMetrics` directives
/// name metrics (and dimension sets) whose values are members of the event itself.
///
///     {"_aws": {"Timestamp": 1700000000000, "CloudWatchMetrics": [{"Namespace": "App",
///       "Dimensions": [["Service"]], "Metrics": [{"Name": "Latency", "Unit": "Milliseconds"}]}]},
///      "Service": "api", "Latency": 12}
enum EmbeddedMetricFormat {
    /// AWS's limits of the format: 100 metric definitions a directive, 30 dimension keys a set,
    /// 100 values a metric. Past them the extra parts are ignored, so one log event makes at
    /// most directives × sets × metrics × values samples, not billions.
    static let maxMetrics = 100
    static let maxDimensions = 30
    static let maxValues = 100
    static let maxDimensionSets = 30
    static let maxDirectives = 10

    static func samples(_ records: [(timestamp: Int64, message: String)], scope: ResourceScope) -> [MetricSample] {
        var out: [MetricSample] = []
        for r in records {
            // Cheap test before parsing: most events are not EMF.
            guard r.message.utf8.first == UInt8(ascii: "{"), r.message.containsBytes("CloudWatchMetrics"),
                  case .map(let root)? = try? JSONReader.parse(Array(r.message.utf8)),
                  case .map(let aws)? = root["_aws"], case .list(let directives)? = aws["CloudWatchMetrics"] else { continue }
            let millis = aws["Timestamp"]?.doubleValue.map { Int64(saturating: $0) } ?? r.timestamp
            // CloudWatch takes metrics up to two weeks old and two hours ahead, as PutMetricData.
            guard millis >= r.timestamp - 14 * 86_400_000, millis <= r.timestamp + 7_200_000 else { continue }
            for case .map(let directive) in directives.prefix(Self.maxDirectives) {
                guard let namespace = directive["Namespace"]?.stringValue, !namespace.isEmpty,
                      case .list(let metrics)? = directive["Metrics"] else { continue }
                var dimensionSets: [[String]] = []
                if case .list(let sets)? = directive["Dimensions"] {
                    for case .list(let set) in sets.prefix(Self.maxDimensionSets) where set.count <= Self.maxDimensions {
                        dimensionSets.append(set.compactMap(\.stringValue))
                    }
                }
                if dimensionSets.isEmpty { dimensionSets = [[]] }
                for case .map(let metric) in metrics.prefix(Self.maxMetrics) {
                    guard let name = metric["Name"]?.stringValue, let raw = root[name] else { continue }
                    let values: [Double]
                    switch raw {
                    case .list(let l): values = l.prefix(Self.maxValues).compactMap(\.doubleValue)
                    default: values = raw.doubleValue.map { [$0] } ?? []
                    }
                    let unit = metric["Unit"]?.stringValue ?? "None"
                    let high = metric["StorageResolution"]?.doubleValue == 1
                    for set in dimensionSets {
                        let dims = set.compactMap { d in root[d]?.scalarText.map { MetricDimension(name: d, value: $0) } }
                        guard dims.count == set.count else { continue }
                        let key = SeriesKey(scope: scope, metric: MetricIdentity(namespace: namespace, metricName: name, dimensions: dims), unit: unit)
                        for v in values where v.isFinite {
                            out.append(MetricSample(key: key, timestamp: millis / 1000, highResolution: high, cell: MetricCell(value: v)))
                        }
                    }
                }
            }
        }
        return out
    }
}
