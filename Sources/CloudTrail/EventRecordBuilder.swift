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
        w.key("eventVersion"); w.string(eventVersion); w.comma()
        w.key("userIdentity"); writeIdentity(&w, call); w.comma()
        w.key("eventTime"); w.string(Timestamps.iso8601(Date(timeIntervalSince1970: call.time.timeIntervalSince1970.rounded(.down))).replacingOccurrences(of: ".000Z", with: "Z")); w.comma()
        w.key("eventSource"); w.string(source); w.comma()
        w.key("eventName"); w.string(call.operation); w.comma()
        w.key("awsRegion"); w.string(call.region); w.comma()
        w.key("sourceIPAddress"); w.string(call.sourceIP); w.comma()
        w.key("userAgent"); w.string(call.userAgent); w.comma()
        if let code = call.errorCode {
            w.key("errorCode"); w.string(code); w.comma()
            w.key("errorMessage"); w.string(call.errorMessage ?? ""); w.comma()
        }
        w.key("requestParameters")
        if let params, case .map(let m) = params, !m.isEmpty { w.value(params) } else { w.null() }
        w.comma()
        w.key("responseElements")
        if !readOnly, call.errorCode == nil, let out = responseElements(call) {
            w.value(out)
        } else {
            w.null()
        }
        w.comma()
        w.key("requestID"); w.string(call.requestID); w.comma()
        w.key("eventID"); w.string(eventID); w.comma()
        w.key("readOnly"); w.bool(readOnly); w.comma()
        if !resources.isEmpty {
            w.key("resources"); w.beginArray()
            for (i, r) in resources.enumerated() {
                if i > 0 { w.comma() }
                w.beginObject()
                w.key("accountId"); w.string(call.accountId); w.comma()
                w.key("type"); w.string(r.type); w.comma()
                w.key("ARN"); w.string(r.arn)
                w.endObject()
            }
            w.endArray(); w.comma()
        }
        w.key("eventType"); w.string("AwsApiCall"); w.comma()
        w.key("managementEvent"); w.bool(management); w.comma()
        w.key("recipientAccountId"); w.string(call.accountId); w.comma()
        w.key("eventCategory"); w.string(management ? "Management" : "Data")
        if let tls = call.tls {
            w.comma()
            w.key("tlsDetails"); w.beginObject()
            w.key("tlsVersion"); w.string(tls.tlsVersion); w.comma()
            w.key("cipherSuite"); w.string(tls.cipherSuite); w.comma()
            w.key("clientProvidedHostHeader"); w.string(tls.clientProvidedHostHeader)
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
        // The placeholder is unique: the request id after it is the server's own.
        let placeholder = #""responseElements":null,"requestID":"\#(call.requestID)""#
        guard let range = record.json.range(of: placeholder) else { return build(call, eventID: record.eventID) }
        var w = JSONWriter()
        w.value(out)
        var done = record
        done.json.replaceSubrange(range, with: #""responseElements":"# + String(decoding: w.bytes, as: UTF8.self) + #","requestID":"\#(call.requestID)""#)
        return done
    }

    static func writeIdentity(_ w: inout JSONWriter, _ call: APICall) {
        w.beginObject()
        guard let id = call.identity else {
            // Refused before anyone was identified: what the request claimed.
            w.key("type"); w.string("Unknown"); w.comma()
            w.key("accountId"); w.string(call.accountId); w.comma()
            w.key("accessKeyId"); w.string(call.accessKeyId ?? "")
            w.endObject()
            return
        }
        w.key("type"); w.string(id.kind.rawValue); w.comma()
        w.key("principalId"); w.string(id.principalId); w.comma()
        w.key("arn"); w.string(id.arn); w.comma()
        w.key("accountId"); w.string(id.accountId); w.comma()
        w.key("accessKeyId"); w.string(id.accessKeyId)
        if let name = id.userName {
            w.comma()
            w.key("userName"); w.string(name)
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
        guard let f = s.first, f.isUppercase else { return s }
        // `SNSTopicName` -> `sNSTopicName`, as AWS's own records spell such names.
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
