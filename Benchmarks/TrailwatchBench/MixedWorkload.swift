import Foundation

/// The mixed workload of issue [6]: many connections, mostly writes — PutMetricData (10
/// datums), PutLogEvents (100 events), PutDashboard — with GetMetricStatistics and
/// FilterLogEvents reads among them, paced at a fixed rate. Read latency is reported apart from
/// write latency: reads must not queue behind writes.
///
/// Per 40 requests: 16 PutMetricData, 12 PutLogEvents, 6 PutDashboard, 3 GetMetricStatistics
/// (an hour of one series at 60 s), 3 FilterLogEvents (the last minute of the group, a JSON
/// pattern matching one line in ten, at most 50 events).
enum MixedWorkload {
    static let group = "bench-mixed"
    static let streams = 50

    static func setup(_ target: Target) -> [PreparedRequest] {
        [LogWorkloads.call(target, "CreateLogGroup", #"{"logGroupName":"\#(group)-\#(runID)"}"#)]
            + (0..<streams).map { LogWorkloads.call(target, "CreateLogStream", #"{"logGroupName":"\#(group)-\#(runID)","logStreamName":"s\#($0)"}"#) }
    }

    /// Distinguishes runs on one server (the group is new each run).
    nonisolated(unsafe) static var runID = String(UUID().uuidString.prefix(8))

    static func next(_ target: Target) -> @Sendable (Int) -> PreparedRequest {
        let groupName = "\(group)-\(runID)"
        return { n in
            let now = Int64(Date().timeIntervalSince1970)
            switch n % 40 {
            case 0..<16:
                let datums = (0..<10).map { #"{"MetricName":"lat","Dimensions":[{"Name":"Host","Value":"h\#(($0 + n) % 200)"}],"Value":\#(n % 97),"Unit":"Milliseconds"}"# }
                let body = Array(#"{"Namespace":"Bench/Mixed","MetricData":[\#(datums.joined(separator: ","))]}"#.utf8)
                return kind("write", target.json(service: "monitoring", target: "GraniteServiceVersion20100801.PutMetricData", version: "1.0",
                                                 body: body, extra: [("x-amzn-query-mode", "true")]))
            case 16..<28:
                // Events of now, as an application sends them (100 lines over 10 ms).
                var rng = SplitMix(seed: UInt64(n))
                let body = LogWorkloads.body(group: groupName, stream: "s\(n % streams)", events: 100,
                                             startMillis: Int64(Date().timeIntervalSince1970 * 1000) - 10, rng: &rng)
                return kind("write", target.json(service: "logs", target: "Logs_20140328.PutLogEvents", version: "1.1", body: body))
            case 28..<34:
                let body = Array(#"{"DashboardName":"mixed-\#(n % 100)","DashboardBody":"{\"widgets\":[]}"}"#.utf8)
                return kind("write", target.json(service: "monitoring", target: "GraniteServiceVersion20100801.PutDashboard", version: "1.0",
                                                 body: body, extra: [("x-amzn-query-mode", "true")]))
            case 34..<37:
                let body = Array(#"{"Namespace":"Bench/Mixed","MetricName":"lat","Dimensions":[{"Name":"Host","Value":"h\#(n % 200)"}],"StartTime":\#(now - 3600),"EndTime":\#(now + 60),"Period":60,"Statistics":["Average","Maximum"],"Unit":"Milliseconds"}"#.utf8)
                return kind("GetMetricStatistics", target.json(service: "monitoring", target: "GraniteServiceVersion20100801.GetMetricStatistics",
                                                               version: "1.0", body: body, extra: [("x-amzn-query-mode", "true")]))
            default:
                let body = #"{"logGroupName":"\#(groupName)","startTime":\#((now - 60) * 1000),"filterPattern":"{ $.status = 500 }","limit":50}"#
                return kind("FilterLogEvents", LogWorkloads.call(target, "FilterLogEvents", body))
            }
        }
    }

    static func kind(_ k: String, _ r: PreparedRequest) -> PreparedRequest {
        var r = r
        r.kind = k
        return r
    }
}
