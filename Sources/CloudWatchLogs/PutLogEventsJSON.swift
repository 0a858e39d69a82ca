import TrailwatchCore

/// PutLogEvents' awsJson 1.1 body read in one pass straight into events (BENCHMARKS.md W2 and
/// W8), with no document tree and no typed shapes in between.
///
/// Like PutMetricDataJSON it only reads the common case: it answers nil for anything the
/// model-driven path must judge — malformed JSON, a wrong type, a member it does not know
/// (`entity`), a name or message outside the model's constraints, no events or too many — so
/// the generic path gives AWS's exact error. It decides nothing about what a request means.
enum PutLogEventsJSON {
    struct Request {
        var logGroupName: String
        var logStreamName: String
        var events: [(timestamp: Int64, message: String)]
    }

    static func decode(_ bytes: [UInt8]) -> Request? {
        try? JSONReader.pull(bytes) { r -> Request? in
            var group: String?, stream: String?
            var events: [(timestamp: Int64, message: String)] = []
            try r.beginObject()
            var first = true
            while let key = try r.member(&first) {
                switch key {
                case "logGroupName": group = try r.string()
                case "logStreamName": stream = try r.string()
                case "sequenceToken":
                    // Ignored, as on AWS; the model still wants it non-empty.
                    guard try !r.string().isEmpty else { return nil }
                case "logEvents":
                    guard events.isEmpty else { return nil }
                    try r.beginArray()
                    var firstEvent = true
                    while try r.element(&firstEvent) {
                        guard let event = try Self.event(&r) else { return nil }
                        events.append(event)
                        if events.count > LogsService.maxBatchEvents { return nil }
                    }
                default: return nil
                }
            }
            guard let group, Self.validGroupName(group), let stream, Self.validStreamName(stream), !events.isEmpty else { return nil }
            return Request(logGroupName: group, logStreamName: stream, events: events)
        } ?? nil
    }

    /// One `{"timestamp": n, "message": "..."}`, nil when it is not plainly valid.
    static func event(_ r: inout JSONReader) throws -> (timestamp: Int64, message: String)? {
        var timestamp: Int64?, message: String?
        try r.beginObject()
        var first = true
        while let key = try r.member(&first) {
            switch key {
            case "timestamp": timestamp = try r.int64()
            case "message": message = try r.string()
            default: return nil
            }
        }
        guard let timestamp, timestamp >= 0, let message, !message.isEmpty else { return nil }
        return (timestamp, message)
    }

    /// LogGroupName: 1-512 of `[.\-_/#A-Za-z0-9]`.
    static func validGroupName(_ name: String) -> Bool {
        let utf8 = name.utf8
        guard utf8.count >= 1, utf8.count <= 512 else { return false }
        return utf8.allSatisfy { c in
            switch c {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "/"), UInt8(ascii: "#"): true
            default: false
            }
        }
    }

    /// LogStreamName: 1-512 characters without `:` or `*` (ASCII here; others take the generic path).
    static func validStreamName(_ name: String) -> Bool {
        let utf8 = name.utf8
        guard utf8.count >= 1, utf8.count <= 512 else { return false }
        return utf8.allSatisfy { $0 < 0x80 && $0 != UInt8(ascii: ":") && $0 != UInt8(ascii: "*") }
    }
}
