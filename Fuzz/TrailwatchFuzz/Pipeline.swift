import CloudTrail
import Foundation
import Identity
import Logging
import Server
import StorageSQLite
import TrailwatchCore

/// Whole requests through the request pipeline in process: classify, authenticate (open mode,
/// so every input reaches the services), inflate, decode, validate, handle, encode, and build
/// the CloudTrail record of the call. Storage is an in-memory SQLite database.
enum Pipeline {
    /// Builds each call's CloudTrail record (the recorder's work) and keeps none of them.
    struct BuildingRecorder: AuditRecorder {
        func prepare(_ call: APICall) -> DurableRecordSlot? { nil }
        func record(_ calls: [APICall], slot: DurableRecordSlot?) { for c in calls { _ = EventRecordBuilder.build(c) } }
        func wants(service: String, operation: String) -> Bool { true }
    }

    static let processor: RequestProcessor = {
        let clock = SystemClock()
        do {
            let backend = try SQLiteBackend(location: .memory, clock: clock)
            let auth = Authenticator(mode: .open, resolver: ConfiguredCredentials([]), defaultAccountId: "000000000000", clock: clock)
            let services = Services(backend: backend, recorder: nil, clock: clock, poster: { _, _, _ in 200 })
            var logger = Logger(label: "fuzz")
            logger.logLevel = .critical
            let p = RequestProcessor(routes: .standard(services), authenticator: auth, clock: clock, resetter: nil,
                                     recorder: BuildingRecorder(), logger: logger)
            // Something to find: a bucket, a trail, a log group with a stream and a filter.
            for (target, body) in [
                ("", ""),
                ("com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.CreateTrail", #"{"Name":"fzt","S3BucketName":"fzb"}"#),
                ("Logs_20140328.CreateLogGroup", #"{"logGroupName":"fz"}"#),
                ("Logs_20140328.CreateLogStream", #"{"logGroupName":"fz","logStreamName":"s"}"#),
                ("Logs_20140328.PutMetricFilter", #"{"logGroupName":"fz","filterName":"f","filterPattern":"{ $.status = 500 }","metricTransformations":[{"metricName":"e","metricNamespace":"L","metricValue":"1"}]}"#),
            ] {
                if target.isEmpty {
                    run(p, IncomingRequest(method: "PUT", rawPath: "/fzb", headers: [("host", "localhost")], body: []))
                } else {
                    run(p, IncomingRequest(method: "POST", rawPath: "/", headers: [
                        ("host", "localhost"), ("x-amz-target", target), ("content-type", "application/x-amz-json-1.1"),
                    ], body: Array(body.utf8)))
                }
            }
            return p
        } catch {
            fatalError("fuzz setup failed: \(error)")
        }
    }()

    static func run(_ p: RequestProcessor, _ request: IncomingRequest) {
        let done = DispatchSemaphore(value: 0)
        Task {
            _ = await p.handle(request)
            done.signal()
        }
        done.wait()
    }

    /// A raw HTTP/1.1 request: request line, header lines, a blank line, the body (as sent:
    /// Content-Length is not trusted).
    static func request(_ bytes: [UInt8]) {
        guard let parsed = parse(bytes) else { return }
        run(processor, parsed)
    }

    /// PutEventSelectors bodies against the trail made at setup (selectors, advanced selectors).
    static func eventSelectors(_ bytes: [UInt8]) {
        run(processor, IncomingRequest(method: "POST", rawPath: "/", headers: [
            ("host", "localhost"), ("x-amz-target", "CloudTrail_20131101.PutEventSelectors"),
            ("content-type", "application/x-amz-json-1.1"),
        ], body: bytes))
    }

    static func parse(_ bytes: [UInt8]) -> IncomingRequest? {
        let crlf: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A]
        guard bytes.count >= 4, let end = (0...(bytes.count - 4)).first(where: { bytes[$0..<$0 + 4].elementsEqual(crlf) }) else { return nil }
        let head = String(decoding: bytes[..<end], as: UTF8.self)
        let body = Array(bytes[(end + 4)...])
        var lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ")
        guard requestLine.count >= 2 else { return nil }
        let target = requestLine[1]
        let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var headers: [(String, String)] = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingASCIIWhitespace()))
        }
        return IncomingRequest(method: String(requestLine[0]), rawPath: String(path[0]),
                               rawQuery: path.count > 1 ? String(path[1]) : "", headers: headers, body: body)
    }
}
