import AWSWire
import Foundation
import NIOHTTP1
import TrailwatchCore

/// Multi-step benchmarks: load data, then measure something about it.
enum Scenarios {
    /// W5 (and the data W3 reads): one datum a minute for a day over 10,000 series
    /// (Host=hN, Group=g<N/1000>), a one-decimal random walk each. 14,400 requests of 1,000.
    static func loadDay(_ target: Target, generator: LoadGenerator, namespace: String, connections: Int) async throws -> (datapoints: Int, result: LoadResult) {
        let dayStart = benchDay()
        var values = [Double](repeating: 50, count: 10_000)
        var rng = SplitMix(seed: 5)
        // Request r carries minute r/10, hosts (r%10)*1000 ..< +1000.
        var bodies: [[UInt8]] = []
        bodies.reserveCapacity(14_400)
        for r in 0..<14_400 {
            let minute = Int64(r / 10)
            var w = JSONWriter(reserving: 130_000)
            w.beginObject()
            w.key("Namespace"); w.string(namespace); w.comma()
            w.key("MetricData"); w.beginArray()
            for k in 0..<1000 {
                let host = (r % 10) * 1000 + k
                values[host] = ((values[host] + Double(Int(rng.next() % 21) - 10) / 10) * 10).rounded() / 10
                if k > 0 { w.comma() }
                w.beginObject()
                w.key("MetricName"); w.string("cpu"); w.comma()
                w.key("Dimensions"); w.beginArray()
                w.beginObject(); w.key("Name"); w.string("Host"); w.comma(); w.key("Value"); w.string("h\(host)"); w.endObject(); w.comma()
                w.beginObject(); w.key("Name"); w.string("Group"); w.comma(); w.key("Value"); w.string("g\(host / 1000)"); w.endObject()
                w.endArray(); w.comma()
                w.key("Timestamp"); w.int(dayStart + minute * 60); w.comma()
                w.key("Value"); w.double(values[host]); w.comma()
                w.key("Unit"); w.string("Percent")
                w.endObject()
            }
            w.endArray(); w.endObject()
            bodies.append(Gzip.deflate(w.bytes, level: 6))
        }
        let shared = bodies
        let result = try await generator.run(connections: connections, duration: 600, maxRequests: shared.count) { n in
            target.json(service: "monitoring", target: "GraniteServiceVersion20100801.PutMetricData", version: "1.0",
                        body: shared[n], extra: [("Content-Encoding", "gzip"), ("x-amzn-query-mode", "true")])
        }
        return (14_400_000, result)
    }

    /// The UTC day W5 loads and W3 reads: the day before yesterday, whole and closed, so it
    /// lands in one chunk per series as an aged day of data does.
    static func benchDay() -> Int64 {
        (Int64(Date().timeIntervalSince1970) / 86400 - 2) * 86400
    }

    /// A plain HTTP call with the generator (admin endpoints).
    /// The operator token scripts/bench gives the server (stats and maintenance need it).
    static func operatorHeaders() -> [(String, String)] {
        ProcessInfo.processInfo.environment["TRAILWATCH_OPERATOR_TOKEN"].map { [("x-trailwatch-operator-token", $0)] } ?? []
    }

    static func call(_ generator: LoadGenerator, _ target: Target, method: HTTPMethod, path: String) async throws -> LoadResult {
        try await generator.run(connections: 1, duration: 3600, maxRequests: 1) { _ in
            PreparedRequest(method: method, uri: path, headers: [("host", target.hostHeader)] + operatorHeaders(), body: [])
        }
    }

    /// W3: GetMetricData over the loaded day for the 1,000 series of Group=g0.
    static func queries(_ target: Target, namespace: String) -> [(name: String, body: [UInt8])] {
        let start = benchDay()
        let end = start + 86400
        func body(_ expression: String) -> [UInt8] {
            var w = JSONWriter()
            w.beginObject()
            w.key("StartTime"); w.int(start); w.comma()
            w.key("EndTime"); w.int(end); w.comma()
            w.key("MetricDataQueries"); w.beginArray(); w.beginObject()
            w.key("Id"); w.string("q"); w.comma()
            w.key("Expression"); w.string(expression); w.comma()
            w.key("Period"); w.int(60)
            w.endObject(); w.endArray()
            w.endObject()
            return w.bytes
        }
        let search = "{\(namespace),Group,Host} Group=g0"
        return [
            ("sum-of-avg-60s", body("SUM(SEARCH('\(search)', 'Average', 60))")),
            ("avg-300s", body("AVG(SEARCH('\(search)', 'Average', 300))")),
            ("p99-3600s", body("SEARCH('\(search)', 'p99', 3600)")),
        ]
    }
}
