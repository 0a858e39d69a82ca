import AWSWire
import Foundation
import Synchronization
import TrailwatchCore

/// W2 and W8 for logs: PutLogEvents of ≈200-byte JSON lines over 100 streams.
///
/// BENCHMARKS.md asks for 10,000 events a request, but AWS caps a request at 1,048,576 bytes
/// counting 26 bytes per event: 10,000 lines of 200 bytes are 2.26 MB. W2 therefore sends the
/// most a valid request holds, 4,500 events (≈1.0 MB); a request answers only after its commit.
enum LogWorkloads {
    static let streams = 100

    /// One ≈200-byte JSON access-log line.
    static func line(_ i: Int, _ rng: inout SplitMix) -> String {
        let r = rng.next()
        let status = [200, 200, 200, 200, 201, 204, 304, 400, 404, 500][Int(r % 10)]
        let path = ["/api/v1/items", "/api/v1/users", "/api/v1/orders", "/health", "/api/v2/search"][Int((r >> 8) % 5)]
        return #"{"ts":"2026-11-21T12:00:\#(String(format: "%02d", i % 60)).\#(String(format: "%03d", Int(r >> 16) % 1000))Z","level":"info","method":"GET","path":"\#(path)/\#(r % 9973)","status":\#(status),"ms":\#(Double(Int(r >> 24) % 5000) / 10),"ip":"10.0.\#((r >> 32) % 256).\#((r >> 40) % 256)","ua":"bench/1.0","req":"\#(String(r, radix: 16))"}"#
    }

    static func body(group: String, stream: String, events: Int, startMillis: Int64, rng: inout SplitMix) -> [UInt8] {
        var w = JSONWriter(reserving: events * 260)
        w.beginObject()
        w.key("logGroupName"); w.string(group); w.comma()
        w.key("logStreamName"); w.string(stream); w.comma()
        w.key("logEvents"); w.beginArray()
        for i in 0..<events {
            if i > 0 { w.comma() }
            w.beginObject()
            w.key("timestamp"); w.int(startMillis + Int64(i / 10)); w.comma()
            w.key("message"); w.string(line(i, &rng))
            w.endObject()
        }
        w.endArray(); w.endObject()
        return w.bytes
    }

    /// Sends `requests` PutLogEvents of 4,500 freshly generated lines each (no line repeats),
    /// over ten streams of a new group, one request at a time.
    static func loadDistinct(_ target: Target, generator: LoadGenerator, requests: Int) async throws -> LoadResult {
        let group = "bench-storage-\(UUID().uuidString.prefix(8))"
        var setup = [call(target, "CreateLogGroup", #"{"logGroupName":"\#(group)"}"#)]
        for s in 0..<10 { setup.append(call(target, "CreateLogStream", #"{"logGroupName":"\#(group)","logStreamName":"s\#(s)"}"#)) }
        for request in setup { _ = try await generator.run(connections: 1, duration: 30, maxRequests: 1) { _ in request } }
        let start = Int64(Date().timeIntervalSince1970 * 1000) - 3_600_000
        let rng = Mutex(SplitMix(seed: 7))
        return try await generator.run(connections: 1, duration: 3600, maxRequests: requests) { n in
            let body = rng.withLock { rng in
                self.body(group: group, stream: "s\(n % 10)", events: 4500, startMillis: start + Int64(n) * 450, rng: &rng)
            }
            return target.json(service: "logs", target: "Logs_20140328.PutLogEvents", version: "1.1", body: body)
        }
    }

    /// Reads a PutLogEvents body the way the server's fast path does; the number of events.
    static func decodeEvents(_ body: [UInt8]) throws -> Int {
        try JSONReader.pull(body) { r in
            var n = 0
            try r.beginObject()
            var first = true
            while let key = try r.member(&first) {
                guard key == "logEvents" else { try r.skipValue(); continue }
                try r.beginArray()
                var firstEvent = true
                while try r.element(&firstEvent) {
                    try r.beginObject()
                    var f = true
                    while let k = try r.member(&f) {
                        if k == "timestamp" { _ = try r.int64() } else { _ = try r.string() }
                    }
                    n += 1
                }
            }
            return n
        }
    }

    static func call(_ target: Target, _ op: String, _ body: String) -> PreparedRequest {
        target.json(service: "logs", target: "Logs_20140328.\(op)", version: "1.1", body: Array(body.utf8))
    }

    /// PutLogEvents of `events` each into group `group`, round-robin over the streams.
    static func putLogEvents(_ target: Target, group: String, events: Int, pool: Int = streams) -> Workload {
        var setup = [call(target, "CreateLogGroup", #"{"logGroupName":"\#(group)"}"#)]
        for s in 0..<streams { setup.append(call(target, "CreateLogStream", #"{"logGroupName":"\#(group)","logStreamName":"s\#(s)"}"#)) }
        var rng = SplitMix(seed: 2)
        let now = Int64(Date().timeIntervalSince1970 * 1000) - 60_000
        let bodies = (0..<pool).map { i in body(group: group, stream: "s\(i % streams)", events: events, startMillis: now, rng: &rng) }
        return Workload(name: "PutLogEvents-\(events)", setup: setup, next: { n in
            // Each body names its stream: request n goes to stream n % 100.
            target.json(service: "logs", target: "Logs_20140328.PutLogEvents", version: "1.1", body: bodies[n % bodies.count])
        }, datapointsPerRequest: events)
    }
}
