import ArgumentParser
import Foundation
import NIOHTTP1
import TrailwatchCore

/// `trailwatch-bench`: runs reference workloads against any endpoint that speaks the AWS APIs
/// (Trailwatch, moto_server, ...) and prints one result line per figure.
@main
struct TrailwatchBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trailwatch-bench",
        abstract: "Load-test an endpoint with signed AWS requests and print one line per figure.")

    @Option(help: "Endpoint URL, e.g. http://127.0.0.1:4566.") var endpoint: String
    @Option(help: "Name printed on each result line.") var name = "trailwatch"
    @Option(help: "Comma-separated workloads (\(Workloads.names.joined(separator: ", "))).") var workloads = "health,get-dashboard"
    @Option(help: "Seconds each workload runs.") var duration: Double = 10
    @Option(help: "Concurrent keep-alive connections.") var connections = 8
    @Option(help: "Event-loop threads of the load generator.") var threads = 1
    @Option(help: "Requests per second the mixed workload is paced at.") var rate: Double = 662
    @Option(name: .customLong("access-key")) var accessKey = "test"
    @Option(name: .customLong("secret-key")) var secretKey = "test"
    @Option var region = "us-east-1"

    func run() async throws {
        guard let url = URL(string: endpoint), let host = url.host, let port = url.port else {
            throw ValidationError("--endpoint must look like http://127.0.0.1:4566")
        }
        let target = Target(name: name, host: host, port: port, accessKey: accessKey, secretKey: secretKey, region: region)
        let generator = LoadGenerator(host: host, port: port, threads: threads)
        defer { Task { try? await generator.shutdown() } }
        for workloadName in workloads.split(separator: ",").map(String.init) {
            if try await runScenario(workloadName, target: target, generator: generator) { continue }
            let workload = try Workloads.make(workloadName, target: target)
            for request in workload.setup {
                let r = try await generator.run(connections: 1, duration: 30, maxRequests: 1) { _ in request }
                if r.errors > 0 { throw BenchError("\(workloadName) setup failed: \(r.firstError ?? "?")") }
            }
            // Warm up for a second, then measure.
            _ = try await generator.run(connections: connections, duration: 1, next: workload.next)
            let r = try await generator.run(connections: connections, duration: duration, next: workload.next)
            var line = String(format: "%@ target=%@ req/s=%.0f p50_ms=%.3f p99_ms=%.3f requests=%d errors=%d connections=%d",
                              workloadName, name, r.requestsPerSecond, r.percentile(0.5), r.percentile(0.99), r.completed, r.errors, connections)
            if workload.datapointsPerRequest > 0 {
                line += String(format: " datapoints/s=%.0f", r.requestsPerSecond * Double(workload.datapointsPerRequest))
            }
            print(line)
            if let e = r.firstError { print("  first error: \(e.prefix(300))") }
        }
    }

    /// Multi-step scenarios; false when `name` is a plain workload.
    func runScenario(_ name: String, target: Target, generator: LoadGenerator) async throws -> Bool {
        switch name {
        case "w5":
            let (points, r) = try await Scenarios.loadDay(target, generator: generator, namespace: "Bench/W5", connections: connections)
            print(String(format: "W5-load target=%@ datapoints/s=%.0f requests=%d errors=%d", self.name,
                         Double(points) * Double(r.completed) / 14_400 / r.seconds, r.completed, r.errors))
            if let e = r.firstError { print("  first error: \(e.prefix(300))") }
            let m = try await Scenarios.call(generator, target, method: .POST, path: "/_trailwatch/maintenance")
            if m.errors > 0 { print("  maintenance: \(m.firstError ?? "")") }
            try await printStats(target, label: "W5-storage", datapoints: points)
            return true
        case "w3":
            for (label, body) in Scenarios.queries(target, namespace: "Bench/W5") {
                let req = target.json(service: "monitoring", target: "GraniteServiceVersion20100801.GetMetricData", version: "1.0",
                                      body: body, extra: [("x-amzn-query-mode", "true")])
                _ = try await generator.run(connections: 1, duration: 2, maxRequests: 2) { _ in req }  // warm up
                let r = try await generator.run(connections: 1, duration: duration, maxRequests: 50) { _ in
                    target.json(service: "monitoring", target: "GraniteServiceVersion20100801.GetMetricData", version: "1.0",
                                body: body, extra: [("x-amzn-query-mode", "true")])
                }
                let cells = 1000.0 * 1440
                print(String(format: "W3-%@ target=%@ p50_ms=%.1f p99_ms=%.1f cells/s=%.0f queries=%d errors=%d", label, self.name,
                             r.percentile(0.5), r.percentile(0.99), cells / (r.percentile(0.5) / 1000), r.completed, r.errors))
                if let e = r.firstError { print("  first error: \(e.prefix(300))") }
            }
            return true
        case "mixed":
            // Issue [6]: reads among many writes, at a fixed rate (--rate), on --connections.
            for request in MixedWorkload.setup(target) {
                let r = try await generator.run(connections: 1, duration: 30, maxRequests: 1) { _ in request }
                if r.errors > 0 { throw BenchError("mixed setup failed: \(r.firstError ?? "?")") }
            }
            let next = MixedWorkload.next(target)
            _ = try await generator.run(connections: connections, duration: 2, rate: rate, next: next)
            let r = try await generator.run(connections: connections, duration: duration, rate: rate, next: next)
            var line = String(format: "mixed target=%@ req/s=%.0f connections=%d errors=%d", self.name, r.requestsPerSecond, connections, r.errors)
            for k in ["write", "GetMetricStatistics", "FilterLogEvents"] {
                line += String(format: " %@_p50_ms=%.1f %@_p99_ms=%.1f %@_n=%d", k, r.percentile(0.5, kind: k), k, r.percentile(0.99, kind: k),
                               k, r.byKind[k]?.count ?? 0)
            }
            print(line)
            if let e = r.firstError { print("  first error: \(e.prefix(300))") }
            return true
        case "stats":
            try await printStats(target, label: "stats", datapoints: 0)
            return true
        case "logs-storage":
            // W5 for logs: 200 requests of 4,500 lines, every line generated fresh (W2 cycles
            // through 100 prepared bodies, whose repeats would compress unrealistically well),
            // then every event sealed into compressed blocks now (in normal running a minute
            // after ingestion), then the store's figures. Run it on a server of its own.
            let load = try await LogWorkloads.loadDistinct(target, generator: generator, requests: 200)
            if load.errors > 0 { print("  load: \(load.firstError ?? "")") }
            let m = try await Scenarios.call(generator, target, method: .POST, path: "/_trailwatch/maintenance")
            if m.errors > 0 { print("  maintenance: \(m.firstError ?? "")") }
            try await printStats(target, label: "logs-storage", datapoints: 0)
            return true
        case "json-decode":
            // In process, no server: the JSON reader over one W2 body (the PutLogEvents fast
            // path's share of W2), to judge decoder changes without network noise.
            var rng = SplitMix(seed: 2)
            let body = LogWorkloads.body(group: "g", stream: "s", events: 4500, startMillis: 0, rng: &rng)
            var events = 0
            let clock = ContinuousClock()
            let started = clock.now
            var rounds = 0
            while clock.now - started < .seconds(duration) {
                events += try LogWorkloads.decodeEvents(body)
                rounds += 1
            }
            let seconds = Double((clock.now - started).components.attoseconds) / 1e18 + Double((clock.now - started).components.seconds)
            print(String(format: "json-decode MB/s=%.0f events/s=%.0f rounds=%d", Double(body.count * rounds) / seconds / 1e6,
                         Double(events) / seconds, rounds))
            return true
        case "w8-metrics":
            // Small PutMetricData (10 datums): the peak, then latency at half of it, paced.
            let body = Array(#"{"Namespace":"Bench/W8","MetricData":[\#((0..<10).map { #"{"MetricName":"lat","Dimensions":[{"Name":"Host","Value":"h\#($0)"}],"Value":1.5,"Unit":"Milliseconds"}"# }.joined(separator: ","))]}"#.utf8)
            try await halfPeakLatency("W8-metrics-10", generator: generator, setup: []) { _ in
                target.json(service: "monitoring", target: "GraniteServiceVersion20100801.PutMetricData", version: "1.0",
                            body: body, extra: [("x-amzn-query-mode", "true")])
            }
            return true
        case "w8-logs":
            // PutLogEvents: a full 1 MB batch (4,500 events of ~200 bytes) and a 100-event batch.
            for (label, events) in [("W8-logs-1MB", 4500), ("W8-logs-100", 100)] {
                let w = LogWorkloads.putLogEvents(target, group: "bench-w8-\(events)-\(UUID().uuidString.prefix(8))", events: events)
                try await halfPeakLatency(label, generator: generator, setup: w.setup, make: w.next)
            }
            return true
        default:
            return false
        }
    }

    /// The peak rate of `make`'s requests, then p50/p99 latency paced at half of it.
    func halfPeakLatency(_ label: String, generator: LoadGenerator, setup: [PreparedRequest],
                         make: @escaping @Sendable (Int) -> PreparedRequest) async throws {
        for request in setup {
            let r = try await generator.run(connections: 1, duration: 30, maxRequests: 1) { _ in request }
            if r.errors > 0 { throw BenchError("\(label) setup failed: \(r.firstError ?? "?")") }
        }
        _ = try await generator.run(connections: connections, duration: 1, next: make)
        let peak = try await generator.run(connections: connections, duration: duration, next: make)
        let paced = try await generator.run(connections: connections, duration: duration, rate: peak.requestsPerSecond / 2, next: make)
        print(String(format: "%@ target=%@ peak_req/s=%.0f at50%%_req/s=%.0f p50_ms=%.3f p99_ms=%.3f errors=%d",
                     label, self.name, peak.requestsPerSecond, paced.requestsPerSecond, paced.percentile(0.5), paced.percentile(0.99),
                     paced.errors + peak.errors))
        if let e = paced.firstError ?? peak.firstError { print("  first error: \(e.prefix(300))") }
    }

    func printStats(_ target: Target, label: String, datapoints: Int) async throws {
        // Foundation on Linux has no http: loader without FoundationNetworking; curl is at hand.
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        curl.arguments = ["-s", "\(endpoint)/_trailwatch/stats"] + Scenarios.operatorHeaders().flatMap { ["-H", "\($0.0): \($0.1)"] }
        let pipe = Pipe()
        curl.standardOutput = pipe
        try? curl.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        curl.waitUntilExit()
        guard let doc = try? JSONReader.parse(Array(data)), case .map(let m) = doc else {
            print("\(label) target=\(name) stats unavailable")
            return
        }
        let bytes = m["bytesOnDisk"]?.doubleValue ?? 0
        var line = String(format: "%@ target=%@ bytesOnDisk=%.0f rssMB=%.1f", label, name, bytes, (m["rssBytes"]?.doubleValue ?? 0) / 1_048_576)
        if datapoints > 0 { line += String(format: " bytes/datapoint=%.3f", bytes / Double(datapoints)) }
        if let raw = m["logRawBytes"]?.doubleValue, raw > 0, let blocks = m["logBlockBytes"]?.doubleValue, blocks > 0 {
            line += String(format: " logEvents=%.0f logRawMB=%.1f logBlockMB=%.1f logsSmallerBy=%.1fx", m["logEvents"]?.doubleValue ?? 0,
                           raw / 1e6, blocks / 1e6, raw / blocks)
        }
        print(line)
    }
}
