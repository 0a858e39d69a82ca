import AWSWire
import Foundation
import NIOHTTP1
import TrailwatchCore

/// W1: PutMetricData with 1,000 datums per request over 10,000 series (Host=h0..h9999),
/// values a one-decimal random walk per series, bodies gzipped as botocore sends them
/// (requestcompression: gzip). Bodies are built before the run (a pool of distinct ones) so
/// the client's CPU goes to signing and sending, as an SDK's would.
enum MetricWorkloads {
    static let seriesCount = 10_000
    static let datumsPerRequest = 1000

    enum Encoding: String { case json, query, cbor }

    /// The datums of request `i`: hosts [i·1000, i·1000+1000) mod 10,000, at `timestamp`.
    static func datums(request i: Int, values: inout [Double], timestamp: Int64, rng: inout SplitMix) -> [(host: Int, value: Double, ts: Int64)] {
        (0..<datumsPerRequest).map { k in
            let host = (i * datumsPerRequest + k) % seriesCount
            values[host] = ((values[host] + Double(Int(rng.next() % 21) - 10) / 10) * 10).rounded() / 10
            return (host, values[host], timestamp)
        }
    }

    static func body(_ datums: [(host: Int, value: Double, ts: Int64)], namespace: String, encoding: Encoding) -> [UInt8] {
        switch encoding {
        case .json:
            var w = JSONWriter(reserving: datums.count * 110)
            w.beginObject()
            w.key("Namespace"); w.string(namespace); w.comma()
            w.key("MetricData"); w.beginArray()
            for (i, d) in datums.enumerated() {
                if i > 0 { w.comma() }
                w.beginObject()
                w.key("MetricName"); w.string("cpu"); w.comma()
                w.key("Dimensions"); w.beginArray(); w.beginObject()
                w.key("Name"); w.string("Host"); w.comma(); w.key("Value"); w.string("h\(d.host)")
                w.endObject(); w.endArray(); w.comma()
                w.key("Timestamp"); w.int(d.ts); w.comma()
                w.key("Value"); w.double(d.value); w.comma()
                w.key("Unit"); w.string("Percent")
                w.endObject()
            }
            w.endArray(); w.endObject()
            return w.bytes
        case .query:
            var s = "Action=PutMetricData&Version=2010-08-01&Namespace=\(PercentEncoding.encode(namespace))"
            for (i, d) in datums.enumerated() {
                let p = "MetricData.member.\(i + 1)"
                s += "&\(p).MetricName=cpu&\(p).Dimensions.member.1.Name=Host&\(p).Dimensions.member.1.Value=h\(d.host)"
                s += "&\(p).Timestamp=\(PercentEncoding.encode(Timestamps.iso8601(Date(timeIntervalSince1970: Double(d.ts)))))"
                s += "&\(p).Value=\(d.value)&\(p).Unit=Percent"
            }
            return Array(s.utf8)
        case .cbor:
            var w = CBORWriter(reserving: datums.count * 80)
            w.beginMap(count: 2)
            w.string("Namespace"); w.string(namespace)
            w.string("MetricData"); w.beginArray(count: datums.count)
            for d in datums {
                w.beginMap(count: 5)
                w.string("MetricName"); w.string("cpu")
                w.string("Dimensions"); w.beginArray(count: 1); w.beginMap(count: 2)
                w.string("Name"); w.string("Host"); w.string("Value"); w.string("h\(d.host)")
                w.string("Timestamp"); w.timestamp(Date(timeIntervalSince1970: Double(d.ts)))
                w.string("Value"); w.double(d.value)
                w.string("Unit"); w.string("Percent")
            }
            return w.bytes
        }
    }

    /// A W1 workload on `encoding`: `pool` distinct gzipped bodies, signed per request.
    static func putMetricData(_ target: Target, encoding: Encoding, pool: Int = 40, timestamp: (Int) -> Int64) -> Workload {
        var values = [Double](repeating: 50, count: seriesCount)
        var rng = SplitMix(seed: 1)
        let bodies: [[UInt8]] = (0..<pool).map { i in
            Gzip.deflate(body(datums(request: i, values: &values, timestamp: timestamp(i), rng: &rng), namespace: "Bench/W1", encoding: encoding), level: 6)
        }
        return Workload(name: "W1-put-metric-data-\(encoding.rawValue)", setup: [], next: { n in
            let body = bodies[n % bodies.count]
            switch encoding {
            case .json:
                return target.json(service: "monitoring", target: "GraniteServiceVersion20100801.PutMetricData", version: "1.0",
                                   body: body, extra: [("Content-Encoding", "gzip"), ("x-amzn-query-mode", "true")])
            case .query:
                let headers = [("host", target.hostHeader), ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"), ("Content-Encoding", "gzip")]
                let signed = target.signer("monitoring").sign(SigV4Request(method: "POST", rawPath: "/", rawQuery: "", headers: headers), body: body, date: Date())
                return PreparedRequest(method: .POST, uri: "/", headers: signed.headers, body: body)
            case .cbor:
                let path = "/service/GraniteServiceVersion20100801/operation/PutMetricData"
                let headers = [("host", target.hostHeader), ("Content-Type", "application/cbor"), ("smithy-protocol", "rpc-v2-cbor"), ("Content-Encoding", "gzip")]
                let signed = target.signer("monitoring").sign(SigV4Request(method: "POST", rawPath: path, rawQuery: "", headers: headers), body: body, date: Date())
                return PreparedRequest(method: .POST, uri: path, headers: signed.headers, body: body)
            }
        }, datapointsPerRequest: datumsPerRequest)
    }
}

/// A deterministic generator.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
