public import AWSShapes
import Foundation
public import Runtime
public import Storage
public import TrailwatchCore

/// CloudTrail event history: LookupEvents over the last 90 days of management events.
public struct EventHistoryService: Sendable {
    let events: any TrailEventStore
    let recorder: TrailRecorder?
    let clock: any WallClock

    /// How long event history keeps events.
    public static let retentionMillis: Int64 = 90 * 86_400_000

    /// Deletes events past the 90 days, every minute.
    public var job: Job {
        let events = self.events, clock = self.clock
        return Job("cloudtrail.history-expiry", every: 60) {
            try await events.expire(before: Int64(saturating: clock.now().timeIntervalSince1970 * 1000) - Self.retentionMillis)
        }
    }

    public init(events: any TrailEventStore, recorder: TrailRecorder?, clock: any WallClock) {
        self.events = events
        self.recorder = recorder
        self.clock = clock
    }

    typealias Errors = CloudTrail.Errors

    public func lookupEvents(_ input: CloudTrail.LookupEventsRequest, _ ctx: CallContext) async throws -> CloudTrail.LookupEventsResponse {
        // Management changes are recorded before they are answered; read-only calls follow
        // within a second (TrailRecorder).
        if let category = input.eventCategory, category != "insight" {
            throw AWSError(Errors.invalidEventCategoryException, "Event category \(category) is not valid. Valid value: insight.")
        }
        let attrs = input.lookupAttributes ?? []
        if attrs.count > 1 {
            throw AWSError(Errors.invalidLookupAttributesException, "You cannot specify more than one lookup attribute.")
        }
        let attribute = try attrs.first.map(Self.attribute)
        let limit = input.maxResults ?? 50
        guard limit >= 1, limit <= 50 else {
            throw AWSError(Errors.invalidMaxResultsException, "Value \(limit) for MaxResults is invalid. It must be between 1 and 50.")
        }
        let now = Int64(clock.now().timeIntervalSince1970 * 1000)
        let start = input.startTime.map { Int64($0.timeIntervalSince1970 * 1000) } ?? now - Self.retentionMillis
        let end = input.endTime.map { Int64($0.timeIntervalSince1970 * 1000) } ?? now
        if start > end {
            throw AWSError(Errors.invalidTimeRangeException, "Start time must be earlier than end time.")
        }
        var before: TrailEventPosition?
        if let token = input.nextToken {
            // "<time>:<seq>" of the previous page's last event.
            let parts = Base64.decode(token).map { String(decoding: $0, as: UTF8.self).split(separator: ":") } ?? []
            guard parts.count == 2, let time = Int64(parts[0]), let seq = Int64(parts[1]) else {
                throw AWSError(Errors.invalidNextTokenException, "Invalid NextToken: \(token)")
            }
            before = TrailEventPosition(time: time, seq: seq)
        }
        // Insight events are not produced (no Insights analysis runs): an empty history.
        if input.eventCategory == "insight" { return CloudTrail.LookupEventsResponse(events: []) }
        let found = try await events.lookup(accountId: ctx.identity.accountId, region: ctx.region, attribute: attribute,
                                            start: max(start, now - Self.retentionMillis), end: end, before: before, limit: limit + 1)
        let page = found.prefix(limit)
        return CloudTrail.LookupEventsResponse(
            events: page.map { e in
                CloudTrail.Event(eventId: e.eventID, eventName: e.eventName, readOnly: e.readOnly ? "true" : "false", accessKeyId: e.accessKeyId,
                                 eventTime: Date(timeIntervalSince1970: Double(e.time) / 1000), eventSource: e.eventSource, username: e.username,
                                 resources: e.resources.map { CloudTrail.Resource(resourceType: $0.type, resourceName: $0.name) },
                                 cloudTrailEvent: e.json)
            },
            nextToken: found.count > limit ? page.last.map { Base64.encode(Array("\($0.time):\($0.seq)".utf8)) } : nil)
    }

    static func attribute(_ a: CloudTrail.LookupAttribute) throws -> TrailLookupAttribute {
        let v = a.attributeValue
        switch a.attributeKey {
        case "EventId": return .eventId(v, time: EventRecordBuilder.time(ofEventID: v))
        case "EventName": return .eventName(v)
        case "ReadOnly":
            guard v == "true" || v == "false" else {
                throw AWSError(Errors.invalidLookupAttributesException, "ReadOnly must be true or false.")
            }
            return .readOnly(v == "true")
        case "Username": return .username(v)
        case "ResourceType": return .resourceType(v)
        case "ResourceName": return .resourceName(v)
        case "EventSource": return .eventSource(v)
        case "AccessKeyId": return .accessKeyId(v)
        default:
            throw AWSError(Errors.invalidLookupAttributesException, "Lookup attribute key \(a.attributeKey) is not valid.")
        }
    }
}
