public import AWSShapes
public import AWSWire
import Foundation
import Storage
public import TrailwatchCore

/// PutLogEvents, GetLogEvents, FilterLogEvents.
extension LogsService {
    static let maxBatchBytes = 1_048_576
    static let perEventOverhead = 26
    static let maxBatchEvents = 10_000
    static let dayMillis: Int64 = 86_400_000
    /// Events older than this are refused (tooOldLogEventEndIndex).
    static let maxAgeMillis: Int64 = 14 * dayMillis
    /// Events further ahead than this are refused (tooNewLogEventStartIndex).
    static let maxAheadMillis: Int64 = 2 * 3_600_000

    public func putLogEvents(_ input: CloudWatchLogs.PutLogEventsRequest, _ ctx: CallContext) async throws -> CloudWatchLogs.PutLogEventsResponse {
        try await putLogEvents(group: input.logGroupName, stream: input.logStreamName,
                               events: input.logEvents.map { (Int64($0.timestamp), $0.message) }, ctx)
    }

    /// PutLogEvents' fast path: the raw awsJson body read straight into events; nil when the
    /// request needs the generic path (see PutLogEventsJSON).
    public func putLogEventsFast(_ body: [UInt8], _ ctx: CallContext) async throws -> (recorded: WireValue, output: CloudWatchLogs.PutLogEventsResponse)? {
        guard let request = PutLogEventsJSON.decode(body) else { return nil }
        let output = try await putLogEvents(group: request.logGroupName, stream: request.logStreamName, events: request.events, ctx)
        // CloudTrail records the names; the events are a bulk payload it leaves out.
        return (.map(["logGroupName": .string(request.logGroupName), "logStreamName": .string(request.logStreamName)]), output)
    }

    func putLogEvents(group groupName: String, stream streamName: String, events: [(timestamp: Int64, message: String)],
                      _ ctx: CallContext) async throws -> CloudWatchLogs.PutLogEventsResponse {
        if events.count > Self.maxBatchEvents {
            throw AWSError(Errors.invalidParameterException,
                           "1 validation error detected: Value at 'logEvents' failed to satisfy constraint: Member must have length less than or equal to 10000")
        }
        let bytes = events.reduce(0) { $0 + $1.message.utf8.count + Self.perEventOverhead }
        if bytes > Self.maxBatchBytes {
            throw AWSError(Errors.invalidParameterException, "Upload too large: \(bytes) bytes exceeds limit of \(Self.maxBatchBytes)")
        }
        for i in events.indices.dropFirst() where events[i].timestamp < events[i - 1].timestamp {
            throw AWSError(Errors.invalidParameterException, "Log events in a single PutLogEvents request must be in chronological order.")
        }
        let group = try await requireGroup(name: groupName, ctx)
        let stream = try await requireStream(group, streamName)

        // Events are sorted: the too old and expired ones are a prefix, the too new a suffix.
        let now = nowMillis
        let oldest = now - Self.maxAgeMillis
        let retained = group.retentionDays.map { now - Int64($0) * Self.dayMillis } ?? Int64.min
        var rejected = CloudWatchLogs.RejectedLogEventsInfo()
        var start = 0
        var end = events.count
        while start < end, events[start].timestamp < max(oldest, retained) {
            if events[start].timestamp < oldest { rejected.tooOldLogEventEndIndex = start + 1 }
            if events[start].timestamp < retained { rejected.expiredLogEventEndIndex = start + 1 }
            start += 1
        }
        while end > start, events[end - 1].timestamp > now + Self.maxAheadMillis {
            end -= 1
            rejected.tooNewLogEventStartIndex = end
        }
        // The 24-hour span applies to the events kept: old and new ones are reported instead.
        if start < end, events[end - 1].timestamp - events[start].timestamp > Self.dayMillis {
            throw AWSError(Errors.invalidParameterException, "The batch of log events in a single PutLogEvents request cannot span more than 24 hours.")
        }
        let accepted = start == 0 && end == events.count ? events : Array(events[start..<end])
        let records = try await store.append(streamID: stream.id, events: accepted, ingestionTime: now,
                                             derived: try await derivedSamples(for: accepted, group: group))
        if !records.isEmpty { liveTail.publish(groupID: group.id, stream: stream.name, records: records) }
        let isRejected = rejected.tooOldLogEventEndIndex != nil || rejected.tooNewLogEventStartIndex != nil || rejected.expiredLogEventEndIndex != nil
        var updated = stream
        updated.lastIngestionTime = now
        return CloudWatchLogs.PutLogEventsResponse(nextSequenceToken: Self.sequenceToken(updated),
                                                   rejectedLogEventsInfo: isRejected ? rejected : nil)
    }

    // MARK: GetLogEvents

    /// GetLogEvents tokens: `f/` (read forward after) or `b/` (read backward before) and a
    /// position; the position of nothing yet read is all zeros.
    struct StreamToken {
        var forward: Bool
        var position: LogPosition?

        var text: String {
            let p = position ?? LogPosition(timestamp: 0, seq: 0)
            return (forward ? "f/" : "b/") + String(format: "%020lld%020lld", p.timestamp, p.seq)
        }

        init(forward: Bool, position: LogPosition?) {
            self.forward = forward
            self.position = position
        }

        init(_ text: String) throws {
            let body = text.dropFirst(2)
            guard text.hasPrefix("f/") || text.hasPrefix("b/"), body.count == 40,
                  let ts = Int64(body.prefix(20)), let seq = Int64(body.suffix(20)) else {
                throw AWSError(CloudWatchLogs.Errors.invalidParameterException, "The specified nextToken is invalid.")
            }
            forward = text.hasPrefix("f/")
            position = ts == 0 && seq == 0 ? nil : LogPosition(timestamp: ts, seq: seq)
        }
    }

    public func getLogEvents(_ input: CloudWatchLogs.GetLogEventsRequest, _ ctx: CallContext) async throws -> CloudWatchLogs.GetLogEventsResponse {
        let group = try await requireGroup(name: input.logGroupName, identifier: input.logGroupIdentifier, ctx)
        let stream = try await requireStream(group, input.logStreamName)
        let limit = try Self.limit(input.limit, max: 10_000, default: 10_000)
        let token = try input.nextToken.map(StreamToken.init)
        let forward = token?.forward ?? (input.startFromHead ?? false)
        var query = LogEventQuery(streamIDs: [stream.id], start: input.startTime.map(Int64.init), end: input.endTime.map(Int64.init),
                                  after: token?.position, forward: forward, limit: limit)
        // Forward from a backward token's position re-reads nothing: a `b/` token resumes before it.
        if token == nil && !forward { query.after = nil }
        var events = try await store.events(query, now: nowMillis, filter: nil)
        events = Self.withinPage(events)
        if !forward { events.reverse() }
        let out = events.map { CloudWatchLogs.OutputLogEvent(timestamp: Int($0.timestamp), message: $0.message, ingestionTime: Int($0.ingestionTime)) }
        // With nothing read, the tokens stand still (a reader loops until the token repeats).
        let first = events.first?.position, last = events.last?.position
        let forwardToken = StreamToken(forward: true, position: last ?? token?.position)
        let backwardToken = StreamToken(forward: false, position: first ?? token?.position)
        return CloudWatchLogs.GetLogEventsResponse(events: out, nextForwardToken: forwardToken.text, nextBackwardToken: backwardToken.text)
    }

    /// The longest prefix of `events` within AWS's 1 MB response page.
    static func withinPage(_ events: [LogEventRecord]) -> [LogEventRecord] {
        var bytes = 0
        for (i, e) in events.enumerated() {
            bytes += e.message.utf8.count + perEventOverhead
            if bytes > maxBatchBytes { return Array(events.prefix(max(i, 1))) }
        }
        return events
    }

    // MARK: FilterLogEvents

    public func filterLogEvents(_ input: CloudWatchLogs.FilterLogEventsRequest, _ ctx: CallContext) async throws -> CloudWatchLogs.FilterLogEventsResponse {
        if input.logStreamNames != nil && input.logStreamNamePrefix != nil {
            throw AWSError(Errors.invalidParameterException, "You cannot specify both logStreamNames and logStreamNamePrefix.")
        }
        let group = try await requireGroup(name: input.logGroupName, identifier: input.logGroupIdentifier, ctx)
        let limit = try Self.limit(input.limit, max: 10_000, default: 10_000)
        let pattern = try Self.pattern(input.filterPattern)
        var streams = try await store.streams(groupID: group.id)
        if let names = input.logStreamNames {
            streams = streams.filter { names.contains($0.name) }
            if streams.isEmpty {
                throw AWSError(Errors.resourceNotFoundException, "The specified log stream does not exist.")
            }
        }
        if let prefix = input.logStreamNamePrefix { streams = streams.filter { $0.name.hasPrefix(prefix) } }
        var after: LogPosition?
        if let token = input.nextToken {
            guard let text = try LogsPageToken.decode(token, kind: "filter"), let (ts, seq) = Self.pair(text) else {
                throw LogsPageToken.invalid
            }
            after = LogPosition(timestamp: ts, seq: seq)
        }
        // FilterLogEvents' endTime is inclusive.
        let query = LogEventQuery(streamIDs: streams.map(\.id), start: input.startTime.map(Int64.init),
                                  end: input.endTime.map { Int64($0) == .max ? .max : Int64($0) + 1 }, after: after, forward: true, limit: limit + 1)
        var filter: (@Sendable (LogEventRecord) -> Bool)?
        if let pattern { filter = { pattern.matches($0.message) } }
        let found = try await store.events(query, now: nowMillis, filter: filter)
        let limited = Array(found.prefix(limit))
        let page = Self.withinPage(limited)
        let complete = found.count <= limit && page.count == limited.count
        let names = Dictionary(uniqueKeysWithValues: streams.map { ($0.id, $0.name) })
        let events = page.map { e in
            CloudWatchLogs.FilteredLogEvent(logStreamName: names[e.streamID], timestamp: Int(e.timestamp), message: e.message,
                                            ingestionTime: Int(e.ingestionTime), eventId: Self.eventId(e))
        }
        let next = !complete ? page.last.map { LogsPageToken.encode("\($0.timestamp):\($0.seq)", kind: "filter") } : nil
        return CloudWatchLogs.FilterLogEventsResponse(
            events: events,
            // "As of May 15, 2020, this parameter is no longer supported. This parameter returns an empty list."
            searchedLogStreams: [],
            nextToken: next)
    }

    static func pair(_ text: String) -> (Int64, Int64)? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let a = Int64(parts[0]), let b = Int64(parts[1]) else { return nil }
        return (a, b)
    }

    /// A 56-digit event id, as AWS's look: timestamp, sequence and stream.
    static func eventId(_ e: LogEventRecord) -> String {
        String(format: "%020lld%020lld%016lld", e.timestamp, e.seq, e.streamID)
    }

    /// The parsed pattern, nil for one that matches everything; AWS's error when invalid.
    static func pattern(_ text: String?) throws -> FilterPattern? {
        guard let text, !text.trimmingASCIIWhitespace().isEmpty else { return nil }
        do {
            return try FilterPattern(text)
        } catch {
            throw AWSError(Errors.invalidParameterException, "Invalid filter pattern")
        }
    }
}

extension LogsService: LogSink {
    public func groupExists(scope: ResourceScope, group: String) async throws -> Bool {
        try await store.group(scope: scope, name: group) != nil
    }

    /// Events from inside Trailwatch (CloudTrail delivery): stored, then metric filters and
    /// the embedded metric format applied, as for PutLogEvents.
    public func deliver(scope: ResourceScope, group name: String, stream streamName: String,
                        events: [(timestamp: Int64, message: String)]) async throws -> Bool {
        guard let group = try await store.group(scope: scope, name: name) else { return false }
        if try await store.stream(groupID: group.id, name: streamName) == nil {
            _ = try await store.createStream(LogStreamRecord(groupID: group.id, name: streamName, createdAt: nowMillis))
        }
        guard let stream = try await store.stream(groupID: group.id, name: streamName) else { return false }
        let records = try await store.append(streamID: stream.id, events: events, ingestionTime: nowMillis,
                                             derived: try await derivedSamples(for: events, group: group))
        liveTail.publish(groupID: group.id, stream: streamName, records: records)
        return true
    }
}
