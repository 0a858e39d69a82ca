import AWSShapes
import AWSWire
import Foundation
import TrailwatchCore

/// A trail as stored: its configuration (the API's `Trail`), selectors, logging status and
/// where delivery and the digest chain stand.
struct TrailRecord: Sendable {
    var trail: CloudTrail.Trail
    var eventSelectors: [CloudTrail.EventSelector]?
    var advancedEventSelectors: [CloudTrail.AdvancedEventSelector]?
    var insightSelectors: [CloudTrail.InsightSelector]?
    var isLogging = false
    var startLoggingTime: Date?
    var stopLoggingTime: Date?
    var latestDeliveryTime: Date?
    var latestDigestDeliveryTime: Date?
    var latestDeliveryError: String?
    var latestCloudWatchLogsDeliveryTime: Date?
    /// Events with store positions up to this one have been delivered.
    var deliveredSeq: Int64 = 0
    /// Log files delivered since the last digest (the next digest lists them).
    var pendingFiles: [DeliveredFile] = []
    /// The end of the last digest period (the next one starts here).
    var digestStart: Date?
    var lastDigestKey: String?
    var lastDigestBucket: String?
    var lastDigestHash: String?
    var lastDigestSignature: String?

    struct DeliveredFile: Sendable {
        var bucket: String
        var key: String
        var hash: String
        var newest: String
        var oldest: String
    }

    var name: String { trail.name ?? "" }

    init(trail: CloudTrail.Trail) { self.trail = trail }

    // MARK: Stored form

    var wireValue: WireValue {
        var m: [String: WireValue] = ["trail": trail.wireValue, "isLogging": .bool(isLogging), "deliveredSeq": .int(deliveredSeq)]
        if let s = eventSelectors { m["eventSelectors"] = s.wireValue }
        if let s = advancedEventSelectors { m["advancedEventSelectors"] = s.wireValue }
        if let s = insightSelectors { m["insightSelectors"] = s.wireValue }
        func date(_ k: String, _ d: Date?) { if let d { m[k] = .double(d.timeIntervalSince1970) } }
        date("startLoggingTime", startLoggingTime)
        date("stopLoggingTime", stopLoggingTime)
        date("latestDeliveryTime", latestDeliveryTime)
        date("latestDigestDeliveryTime", latestDigestDeliveryTime)
        date("latestCloudWatchLogsDeliveryTime", latestCloudWatchLogsDeliveryTime)
        date("digestStart", digestStart)
        if let e = latestDeliveryError { m["latestDeliveryError"] = .string(e) }
        for (k, v) in [("lastDigestKey", lastDigestKey), ("lastDigestBucket", lastDigestBucket), ("lastDigestHash", lastDigestHash),
                       ("lastDigestSignature", lastDigestSignature)] {
            if let v { m[k] = .string(v) }
        }
        m["pendingFiles"] = .list(pendingFiles.map {
            .map(["bucket": .string($0.bucket), "key": .string($0.key), "hash": .string($0.hash), "newest": .string($0.newest), "oldest": .string($0.oldest)])
        })
        return .map(m)
    }

    init(wire: WireValue) throws {
        guard case .map(let m) = wire, let t = m["trail"] else { throw WireDecodingError("bad trail record") }
        trail = try CloudTrail.Trail(wire: t)
        eventSelectors = try m["eventSelectors"].map { try [CloudTrail.EventSelector](wire: $0) }
        advancedEventSelectors = try m["advancedEventSelectors"].map { try [CloudTrail.AdvancedEventSelector](wire: $0) }
        insightSelectors = try m["insightSelectors"].map { try [CloudTrail.InsightSelector](wire: $0) }
        isLogging = m["isLogging"]?.boolValue ?? false
        deliveredSeq = m["deliveredSeq"]?.intValue ?? 0
        func date(_ k: String) -> Date? { m[k]?.doubleValue.map { Date(timeIntervalSince1970: $0) } }
        startLoggingTime = date("startLoggingTime")
        stopLoggingTime = date("stopLoggingTime")
        latestDeliveryTime = date("latestDeliveryTime")
        latestDigestDeliveryTime = date("latestDigestDeliveryTime")
        latestCloudWatchLogsDeliveryTime = date("latestCloudWatchLogsDeliveryTime")
        digestStart = date("digestStart")
        latestDeliveryError = m["latestDeliveryError"]?.stringValue
        lastDigestKey = m["lastDigestKey"]?.stringValue
        lastDigestBucket = m["lastDigestBucket"]?.stringValue
        lastDigestHash = m["lastDigestHash"]?.stringValue
        lastDigestSignature = m["lastDigestSignature"]?.stringValue
        if case .list(let files)? = m["pendingFiles"] {
            pendingFiles = files.compactMap { f in
                guard let b = f["bucket"]?.stringValue, let k = f["key"]?.stringValue, let h = f["hash"]?.stringValue,
                      let n = f["newest"]?.stringValue, let o = f["oldest"]?.stringValue else { return nil }
                return DeliveredFile(bucket: b, key: k, hash: h, newest: n, oldest: o)
            }
        }
    }

    // MARK: Selection

    /// Whether the trail delivers an event: management events by read/write type (basic
    /// selectors; the default selects all management events) and data events only when a
    /// selector names their resource type; advanced selectors by eventCategory, readOnly,
    /// eventSource, eventName and resources.type.
    func selects(_ e: EventFacts) -> Bool {
        if let advanced = advancedEventSelectors, !advanced.isEmpty {
            return advanced.contains { sel in sel.fieldSelectors.allSatisfy { $0.matches(e) } }
        }
        guard let selectors = eventSelectors, !selectors.isEmpty else { return e.management }
        return selectors.contains { s in
            let rw = s.readWriteType ?? "All"
            let rwOK = rw == "All" || (rw == "ReadOnly") == e.readOnly
            if e.management {
                return rwOK && (s.includeManagementEvents ?? true) && !(s.excludeManagementEventSources ?? []).contains(e.eventSource)
            }
            return rwOK && (s.dataResources ?? []).contains { $0.type == e.resourceType }
        }
    }
}

/// What selectors look at in an event.
struct EventFacts {
    var management: Bool
    var readOnly: Bool
    var eventSource: String
    var eventName: String
    /// The data event's resource type (`AWS::S3::Object`, `AWS::Logs::LogGroup`...).
    var resourceType: String?
}

extension CloudTrail.AdvancedFieldSelector {
    func matches(_ e: EventFacts) -> Bool {
        let value: String
        switch field {
        case "eventCategory": value = e.management ? "Management" : "Data"
        case "readOnly": value = e.readOnly ? "true" : "false"
        case "eventSource": value = e.eventSource
        case "eventName": value = e.eventName
        case "resources.type": value = e.resourceType ?? ""
        default: return true
        }
        if let eq = equals, !eq.contains(value) { return false }
        if let p = startsWith, !p.contains(where: { value.hasPrefix($0) }) { return false }
        if let p = endsWith, !p.contains(where: { value.hasSuffix($0) }) { return false }
        if let p = notEquals, p.contains(value) { return false }
        if let p = notStartsWith, p.contains(where: { value.hasPrefix($0) }) { return false }
        if let p = notEndsWith, p.contains(where: { value.hasSuffix($0) }) { return false }
        return true
    }
}
