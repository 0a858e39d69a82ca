public import Foundation
import AWSWire
public import Storage
public import TrailwatchCore

/// Turns an `APICall` into a CloudTrail event record (eventVersion 1.11), following AWS's
/// conventions: camelCase requestParameters, null responseElements for reads, bulk payloads
/// and secrets left out, errorCode/errorMessage for failures.
public enum EventRecordBuilder {
    static let eventVersion = "1.11"

    /// The `eventSource` of a service's signing name.
    static func eventSource(_ service: String) -> String {
        switch service {
        case "monitoring": return "monitoring.amazonaws.com"
        default: return "\(service).amazonaws.com"
        }
    }

    /// Data events (recorded only for trails whose selectors ask for them); everything else is
    /// a management event.
    static let dataEvents: Set<String> = [
        "monitoring:PutMetricData", "monitoring:GetMetricData", "monitoring:GetMetricStatistics", "monitoring:ListMetrics",
        "logs:PutLogEvents", "logs:GetLogEvents", "logs:FilterLogEvents",
        "s3:PutObject", "s3:GetObject", "s3:HeadObject", "s3:DeleteObject",
    ]

    public static func isDataEvent(service: String, operation: String) -> Bool {
        dataEvents.contains("\(service):\(operation)")
    }

    static func isReadOnly(_ operation: String) -> Bool {
        ["Get", "List", "Describe", "Lookup", "Head", "Filter", "Test"].contains { operation.hasPrefix($0) }
    }

    /// Members never recorded: bulk payloads, and secrets (AWS writes a placeholder).
    static let bulk: Set<String> = ["metricData", "logEvents", "body"]
    static let secrets: Set<String> = ["secretAccessKey", "sessionToken", "password"]

    /// A new event id: a UUID (version 7 layout) whose first 48 bits are the event's time in
    /// milliseconds, so a lookup by EventId finds its row through the time index.
    public static func eventID(at time: Date) -> String {
        let ms = UInt64(max(0, time.timeIntervalSince1970 * 1000))
        var random = SystemRandomNumberGenerator()
        // 48 bits of time, the version nibble, 12 random bits; the variant, 62 random bits.
        let high = ms << 16 | 0x7000 | (random.next() & 0x0FFF)
        let low = 0x8000_0000_0000_0000 | (random.next() & 0x3FFF_FFFF_FFFF_FFFF)
        let digits: StaticString = "0123456789abcdef"
        return String(unsafeUninitializedCapacity: 36) { out in
            var o = 0
            for (word, dashes) in [(high, [8, 12]), (low, [0, 4])] as [(UInt64, [Int])] {
                for nibble in 0..<16 {
                    if dashes.contains(nibble) {
                        out[o] = UInt8(ascii: "-")
                        o += 1
                    }
                    out[o] = digits.utf8Start[Int(word >> UInt64(60 - 4 * nibble) & 0xF)]
                    o += 1
                }
            }
            return o
        }
    }

    /// The time an id from `eventID(at:)` carries, or nil for any other id.
    public static func time(ofEventID id: String) -> Int64? {
        let hex = id.replacingOccurrences(of: "-", with: "")
        guard hex.count == 32, hex[hex.index(hex.startIndex, offsetBy: 12)] == "7", let ms = Int64(hex.prefix(12), radix: 16) else { return nil }
        return ms
    }

    public static func build(_ call: APICall, eventID: String? = nil) -> TrailEventRecord {
        let eventID = eventID ?? Self.eventID(at: call.time)
        let source = eventSource(call.service)
        let readOnly = isReadOnly(call.operation)
        let management = !isDataEvent(service: call.service, operation: call.operation)
        let params = call.requestParameters.map { camelCase($0, service: call.service) }
        let resources = self.resources(call, params)
        let username: String
        switch call.identity?.kind {
        case .root?: username = "root"
        case .iamUser?: username = call.identity?.userName ?? ""
        case .assumedRole?: username = call.identity?.arn.split(separator: "/").last.map(String.init) ?? ""
        default: username = ""
        }
        var w = JSONWriter(reserving: 1024)
        w.beginObject()
        w.field("eventVersion"); w.string(eventVersion); w.comma()
        w.field("userIdentity"); writeIdentity(&w, call); w.comma()
        w.field("eventTime"); w.string(Timestamps.iso8601Seconds(call.time)); w.comma()
        w.field("eventSource"); w.string(source); w.comma()
        w.field("eventName"); w.string(call.operation); w.comma()
        w.field("awsRegion"); w.string(call.region); w.comma()
        w.field("sourceIPAddress"); w.string(call.sourceIP); w.comma()
        w.field("userAgent"); w.string(call.userAgent); w.comma()
        if let code = call.errorCode {
            w.field("errorCode"); w.string(code); w.comma()
            w.field("errorMessage"); w.string(call.errorMessage ?? ""); w.comma()
        }
        w.field("requestParameters")
        if let params, case .map(let m) = params, !m.isEmpty { w.value(params) } else { w.null() }
        w.comma()
        w.field("responseElements")
        if !readOnly, call.errorCode == nil, let out = responseElements(call) {
            w.value(out)
        } else {
            w.null()
        }
        w.comma()
        w.field("requestID"); w.string(call.requestID); w.comma()
        w.field("eventID"); w.string(eventID); w.comma()
        w.field("readOnly"); w.bool(readOnly); w.comma()
        if !resources.isEmpty {
            w.field("resources"); w.beginArray()
            for (i, r) in resources.enumerated() {
                if i > 0 { w.comma() }
                w.beginObject()
                w.field("accountId"); w.string(call.accountId); w.comma()
                w.field("type"); w.string(r.type); w.comma()
                w.field("ARN"); w.string(r.arn)
                w.endObject()
            }
            w.endArray(); w.comma()
        }
        w.field("eventType"); w.string("AwsApiCall"); w.comma()
        w.field("managementEvent"); w.bool(management); w.comma()
        w.field("recipientAccountId"); w.string(call.accountId); w.comma()
        w.field("eventCategory"); w.string(management ? "Management" : "Data")
        if let tls = call.tls {
            w.comma()
            w.field("tlsDetails"); w.beginObject()
            w.field("tlsVersion"); w.string(tls.tlsVersion); w.comma()
            w.field("cipherSuite"); w.string(tls.cipherSuite); w.comma()
            w.field("clientProvidedHostHeader"); w.string(tls.clientProvidedHostHeader)
            w.endObject()
        }
        w.endObject()
        return TrailEventRecord(
            eventID: eventID, accountId: call.accountId, region: call.region, time: Int64(call.time.timeIntervalSince1970 * 1000),
            eventName: call.operation, eventSource: source, username: username, accessKeyId: call.accessKeyId ?? "",
            readOnly: readOnly, management: management, resources: resources.map { (type: $0.type, name: $0.name) },
            json: String(decoding: w.bytes, as: UTF8.self))
    }

    /// The output as the record's `responseElements`, nil when there is nothing to show.
    static func responseElements(_ call: APICall) -> WireValue? {
        guard let out = call.responseElements.map({ camelCase($0, service: call.service) }), case .map(let m) = out, !m.isEmpty else { return nil }
        return out
    }

    /// `record` (built before the call was answered, without its output) completed with the
    /// answer of `call`, the same call: its response elements spliced in, or, after an error,
    /// built again. Nil when the record already says everything.
    public static func completed(_ record: TrailEventRecord, with call: APICall) -> TrailEventRecord? {
        if call.errorCode != nil || isReadOnly(call.operation) {
            let rebuilt = build(call, eventID: record.eventID)
            return rebuilt.json == record.json ? nil : rebuilt
        }
        guard let out = responseElements(call) else { return nil }
        // The placeholder is unique: the request id after it is the server's own. Searched as
        // bytes: Foundation's `range(of:)` costs more than building the record.
        let placeholder = Array(#""responseElements":null,"requestID":"\#(call.requestID)""#.utf8)
        var json = Array(record.json.utf8)
        guard let at = Self.lastIndex(of: placeholder, in: json) else { return build(call, eventID: record.eventID) }
        var w = JSONWriter()
        w.value(out)
        let elements = Array(#""responseElements":"#.utf8) + w.bytes + Array(#","requestID":"\#(call.requestID)""#.utf8)
        json.replaceSubrange(at ..< at + placeholder.count, with: elements)
        var done = record
        done.json = String(decoding: json, as: UTF8.self)
        return done
    }

    /// Where `needle` last occurs in `haystack` (searched from the end: the response elements
    /// are near the end of a record).
    static func lastIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard let first = needle.first, needle.count <= haystack.count else { return nil }
        var i = haystack.count - needle.count
        while i >= 0 {
            if haystack[i] == first, haystack[i ..< i + needle.count].elementsEqual(needle) { return i }
            i -= 1
        }
        return nil
    }

    static func writeIdentity(_ w: inout JSONWriter, _ call: APICall) {
        w.beginObject()
        guard let id = call.identity else {
            // Refused before anyone was identified: what the request claimed.
            w.field("type"); w.string("Unknown"); w.comma()
            w.field("accountId"); w.string(call.accountId); w.comma()
            w.field("accessKeyId"); w.string(call.accessKeyId ?? "")
            w.endObject()
            return
        }
        w.field("type"); w.string(id.kind.rawValue); w.comma()
        w.field("principalId"); w.string(id.principalId); w.comma()
        w.field("arn"); w.string(id.arn); w.comma()
        w.field("accountId"); w.string(id.accountId); w.comma()
        w.field("accessKeyId"); w.string(id.accessKeyId)
        if let name = id.userName {
            w.comma()
            w.field("userName"); w.string(name)
        }
        w.endObject()
    }

    /// Model member names as CloudTrail writes them (`MetricName` -> `metricName`); map keys
    /// of the camelCase Logs model are user data and stay as they are.
    static func camelCase(_ v: WireValue, service: String) -> WireValue {
        switch v {
        case .map(let m):
            var out: [String: WireValue] = [:]
            for (k, x) in m {
                let key = service == "logs" ? k : lowerFirst(k)
                if bulk.contains(key) { continue }
                if secrets.contains(key) { out[key] = .string("HIDDEN_DUE_TO_SECURITY_REASONS"); continue }
                if case .blob = x { continue }
                out[key] = camelCase(x, service: service)
            }
            return .map(out)
        case .list(let l): return .list(l.map { camelCase($0, service: service) })
        case .timestamp(let d): return .string(javaDate(d))
        default: return v
        }
    }

    static func lowerFirst(_ s: String) -> String {
        // `SNSTopicName` -> `sNSTopicName`, as AWS's own records spell such names.
        if let f = s.utf8.first, f < 0x80 {
            // Model member names are ASCII: no Unicode tables needed.
            guard (0x41...0x5A).contains(f) else { return s }
            var bytes = Array(s.utf8)
            bytes[0] = f + 0x20
            return String(decoding: bytes, as: UTF8.self)
        }
        guard let f = s.first, f.isUppercase else { return s }
        return f.lowercased() + s.dropFirst()
    }

    /// Dates in requestParameters are written as AWS's Java services print them:
    /// `Nov 21, 2026, 7:50:00 PM`.
    static func javaDate(_ d: Date) -> String {
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        let c = cal.dateComponents([.year, .month, .day, .hour, .minute, .second], from: d)
        let h = c.hour ?? 0
        return "\(months[(c.month ?? 1) - 1]) \(c.day ?? 1), \(c.year ?? 1970), \(h % 12 == 0 ? 12 : h % 12):\(String(format: "%02d:%02d", c.minute ?? 0, c.second ?? 0)) \(h < 12 ? "AM" : "PM")"
    }

    /// The resources a call names (for LookupEvents' ResourceType/ResourceName and the record).
    static func resources(_ call: APICall, _ params: WireValue?) -> [(type: String, name: String, arn: String)] {
        guard case .map(let p)? = params else { return [] }
        let scope = ResourceScope(accountId: call.accountId, region: call.region)
        var out: [(String, String, String)] = []
        if let g = p["logGroupName"]?.stringValue {
            out.append(("AWS::Logs::LogGroup", g, scope.arn("logs", "log-group:\(g)")))
        }
        if let d = p["dashboardName"]?.stringValue {
            out.append(("AWS::CloudWatch::Dashboard", d, scope.arn("cloudwatch", "dashboard/\(d)", region: "")))
        }
        if case .list(let names)? = p["dashboardNames"] {
            for case .string(let d) in names { out.append(("AWS::CloudWatch::Dashboard", d, scope.arn("cloudwatch", "dashboard/\(d)", region: ""))) }
        }
        if let a = p["alarmName"]?.stringValue {
            out.append(("AWS::CloudWatch::Alarm", a, scope.arn("cloudwatch", "alarm:\(a)")))
        }
        if call.service == "cloudtrail", let t = p["name"]?.stringValue ?? p["trailName"]?.stringValue {
            let arn = t.hasPrefix("arn:") ? t : scope.arn("cloudtrail", "trail/\(t)")
            out.append(("AWS::CloudTrail::Trail", arn, arn))
        }
        if let b = p["bucketName"]?.stringValue {
            // S3 ARNs name neither region nor account.
            let bucket = ARN(partition: scope.partition, service: "s3", region: "", account: "", resource: b)
            out.append(("AWS::S3::Bucket", b, bucket.description))
            if let k = p["key"]?.stringValue {
                var object = bucket
                object.resource = "\(b)/\(k)"
                out.append(("AWS::S3::Object", "\(b)/\(k)", object.description))
            }
        }
        return out
    }
}
