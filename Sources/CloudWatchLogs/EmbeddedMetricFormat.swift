import Storage
import TrailwatchCore

/// The embedded metric format: a JSON log event whose `_aws.CloudWatchMetrics` directives
/// name metrics (and dimension sets) whose values are members of the event itself.
///
///     {"_aws": {"Timestamp": 1700000000000, "CloudWatchMetrics": [{"Namespace": "App",
///       "Dimensions": [["Service"]], "Metrics": [{"Name": "Latency", "Unit": "Milliseconds"}]}]},
///      "Service": "api", "Latency": 12}
enum EmbeddedMetricFormat {
    static func samples(_ records: [LogEventRecord], scope: ResourceScope) -> [MetricSample] {
        var out: [MetricSample] = []
        for r in records {
            // Cheap test before parsing: most events are not EMF.
            guard r.message.utf8.first == UInt8(ascii: "{"), r.message.containsBytes("CloudWatchMetrics"),
                  case .map(let root)? = try? JSONReader.parse(Array(r.message.utf8)),
                  case .map(let aws)? = root["_aws"], case .list(let directives)? = aws["CloudWatchMetrics"] else { continue }
            let millis = aws["Timestamp"]?.doubleValue.map { Int64($0) } ?? r.timestamp
            for case .map(let directive) in directives {
                guard let namespace = directive["Namespace"]?.stringValue, !namespace.isEmpty,
                      case .list(let metrics)? = directive["Metrics"] else { continue }
                var dimensionSets: [[String]] = []
                if case .list(let sets)? = directive["Dimensions"] {
                    for case .list(let set) in sets { dimensionSets.append(set.compactMap(\.stringValue)) }
                }
                if dimensionSets.isEmpty { dimensionSets = [[]] }
                for case .map(let metric) in metrics {
                    guard let name = metric["Name"]?.stringValue, let raw = root[name] else { continue }
                    let values: [Double]
                    switch raw {
                    case .list(let l): values = l.compactMap(\.doubleValue)
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
