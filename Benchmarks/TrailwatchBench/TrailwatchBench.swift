import ArgumentParser
import Foundation

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
}
