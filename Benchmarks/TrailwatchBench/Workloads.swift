import AWSWire
import Foundation
import NIOHTTP1

/// The reference workloads (../shared/BENCHMARKS.md) and the small calls issue [1] measures.
///
/// Each workload has an optional setup (run once, not timed) and a request factory called
/// per request, signing like an SDK.
struct Workload: Sendable {
    let name: String
    let setup: [PreparedRequest]
    let next: @Sendable (Int) -> PreparedRequest
    /// Datapoints (or events) each request carries, for throughput figures; 0 for plain calls.
    var datapointsPerRequest: Int = 0
}

struct Target: Sendable {
    var name: String
    var host: String
    var port: Int
    var accessKey: String
    var secretKey: String
    var region: String

    var hostHeader: String { "\(host):\(port)" }

    func signer(_ service: String) -> SigV4Signer {
        SigV4Signer(accessKeyId: accessKey, secretAccessKey: secretKey, region: region, service: service)
    }

    /// A signed awsJson request.
    func json(service: String, target: String, version: String, body: [UInt8], extra: [(String, String)] = []) -> PreparedRequest {
        let headers = [("host", hostHeader), ("Content-Type", "application/x-amz-json-\(version)"), ("X-Amz-Target", target)] + extra
        let signed = signer(service).sign(SigV4Request(method: "POST", rawPath: "/", rawQuery: "", headers: headers), body: body, date: Date())
        return PreparedRequest(method: .POST, uri: "/", headers: signed.headers, body: body)
    }
}

enum Workloads {
    static let names = ["health", "get-dashboard", "w1-json", "w1-query", "w1-cbor", "w2", "logs-100", "put-dashboard", "describe-log-groups"]

    static func make(_ name: String, target: Target) throws -> Workload {
        switch name {
        case "health":
            let req = PreparedRequest(method: .GET, uri: "/_trailwatch/health", headers: [("host", target.hostHeader)], body: [])
            return Workload(name: name, setup: [], next: { _ in req })
        case "get-dashboard":
            let body = Array(#"{"DashboardName":"bench","DashboardBody":"{\"widgets\":[{\"type\":\"text\",\"x\":0,\"y\":0,\"width\":6,\"height\":3,\"properties\":{\"markdown\":\"bench\"}}]}"}"#.utf8)
            let put = target.json(service: "monitoring", target: "GraniteServiceVersion20100801.PutDashboard", version: "1.0",
                                  body: body, extra: [("x-amzn-query-mode", "true")])
            let getBody = Array(#"{"DashboardName":"bench"}"#.utf8)
            return Workload(name: name, setup: [put], next: { _ in
                target.json(service: "monitoring", target: "GraniteServiceVersion20100801.GetDashboard", version: "1.0",
                            body: getBody, extra: [("x-amzn-query-mode", "true")])
            })
        case "put-dashboard":
            // A management write: same dashboard, rewritten.
            let body = Array(#"{"DashboardName":"bench-put","DashboardBody":"{\"widgets\":[]}"}"#.utf8)
            return Workload(name: name, setup: [], next: { _ in
                target.json(service: "monitoring", target: "GraniteServiceVersion20100801.PutDashboard", version: "1.0",
                            body: body, extra: [("x-amzn-query-mode", "true")])
            })
        case "describe-log-groups":
            // A group of its own per run (W6 runs the workload again on the same server).
            let create = LogWorkloads.call(target, "CreateLogGroup", #"{"logGroupName":"bench-describe-\#(UUID().uuidString.prefix(8))"}"#)
            return Workload(name: name, setup: [create], next: { _ in
                LogWorkloads.call(target, "DescribeLogGroups", #"{"logGroupNamePrefix":"bench-"}"#)
            })
        case "w1-json", "w1-query", "w1-cbor":
            let encoding = MetricWorkloads.Encoding(rawValue: String(name.dropFirst(3)))!
            let now = Int64(Date().timeIntervalSince1970)
            return MetricWorkloads.putMetricData(target, encoding: encoding, timestamp: { _ in now })
        case "w2":
            return LogWorkloads.putLogEvents(target, group: "bench-w2-\(UUID().uuidString.prefix(8))", events: 4500)
        case "logs-100":
            return LogWorkloads.putLogEvents(target, group: "bench-logs100-\(UUID().uuidString.prefix(8))", events: 100)
        default:
            throw BenchError("unknown workload \(name); known: \(names.joined(separator: ", "))")
        }
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
