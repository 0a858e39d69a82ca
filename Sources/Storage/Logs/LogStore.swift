public import TrailwatchCore

/// A log group as stored. Times are epoch milliseconds, as CloudWatch Logs answers them.
public struct LogGroupRecord: Sendable, Equatable {
    public var id: Int64
    public var scope: ResourceScope
    public var name: String
    public var createdAt: Int64
    public var retentionDays: Int?
    public var kmsKeyId: String?
    public var logGroupClass: String
    public var storedBytes: Int64

    public init(id: Int64 = 0, scope: ResourceScope, name: String, createdAt: Int64, retentionDays: Int? = nil,
                kmsKeyId: String? = nil, logGroupClass: String = "STANDARD", storedBytes: Int64 = 0) {
        self.id = id
        self.scope = scope
        self.name = name
        self.createdAt = createdAt
        self.retentionDays = retentionDays
        self.kmsKeyId = kmsKeyId
        self.logGroupClass = logGroupClass
        self.storedBytes = storedBytes
    }
}

/// A log stream as stored, with the times and size its events give it.
public struct LogStreamRecord: Sendable, Equatable {
    public var id: Int64
    public var groupID: Int64
    public var name: String
    public var createdAt: Int64
    public var firstEventTimestamp: Int64?
    public var lastEventTimestamp: Int64?
    public var lastIngestionTime: Int64?
    public var storedBytes: Int64

    public init(id: Int64 = 0, groupID: Int64, name: String, createdAt: Int64, firstEventTimestamp: Int64? = nil,
                lastEventTimestamp: Int64? = nil, lastIngestionTime: Int64? = nil, storedBytes: Int64 = 0) {
        self.id = id
        self.groupID = groupID
        self.name = name
        self.createdAt = createdAt
        self.firstEventTimestamp = firstEventTimestamp
        self.lastEventTimestamp = lastEventTimestamp
        self.lastIngestionTime = lastIngestionTime
        self.storedBytes = storedBytes
    }
}

/// One stored log event. `seq` orders events of equal timestamp by arrival and is unique
/// across the store; (timestamp, seq) is an event's position.
public struct LogEventRecord: Sendable, Equatable {
    public var streamID: Int64
    public var timestamp: Int64
    public var seq: Int64
    public var ingestionTime: Int64
    public var message: String

    public init(streamID: Int64, timestamp: Int64, seq: Int64, ingestionTime: Int64, message: String) {
        self.streamID = streamID
        self.timestamp = timestamp
        self.seq = seq
        self.ingestionTime = ingestionTime
        self.message = message
    }

    public var position: LogPosition { LogPosition(timestamp: timestamp, seq: seq) }
}

/// Where an event sits in time order: events sort by timestamp, then by arrival.
public struct LogPosition: Sendable, Hashable, Comparable {
    public var timestamp: Int64
    public var seq: Int64

    public init(timestamp: Int64, seq: Int64) {
        self.timestamp = timestamp
        self.seq = seq
    }

    public static func < (a: LogPosition, b: LogPosition) -> Bool {
        (a.timestamp, a.seq) < (b.timestamp, b.seq)
    }
}

/// A read of events from some streams.
public struct LogEventQuery: Sendable {
    public var streamIDs: [Int64]
    /// Inclusive lower and exclusive upper timestamp bounds.
    public var start: Int64?
    public var end: Int64?
    /// Resume strictly after (forward) or before (backward) this position.
    public var after: LogPosition?
    public var forward: Bool
    public var limit: Int

    public init(streamIDs: [Int64], start: Int64? = nil, end: Int64? = nil, after: LogPosition? = nil, forward: Bool = true, limit: Int) {
        self.streamIDs = streamIDs
        self.start = start
        self.end = end
        self.after = after
        self.forward = forward
        self.limit = limit
    }
}

/// What a scan skipped without reading: blocks no wanted event can be in.
public struct LogScanSkipped: Sendable, Equatable {
    public var events: Int64 = 0
    /// The skipped events' message bytes.
    public var bytes: Int64 = 0
    public init(events: Int64 = 0, bytes: Int64 = 0) {
        self.events = events
        self.bytes = bytes
    }
}

/// Durable storage of log groups, streams and events.
///
/// Contract, for every implementation (checked by `LogStoreKit` in StorageConformanceTests):
/// - A call that returns normally has committed: the change survives a crash, and a second
///   node sharing the backend sees it from then on (a second node sees an appended event once
///   `append` returned on the first). Caches in front of the tables (the SQLite backend's
///   in-memory catalog of groups and streams) are a backend matter.
/// - Group names are unique per (account, region), stream names per group; names compare
///   exactly. `createGroup` / `createStream` answer false, changing nothing, when the name is
///   taken. `groups` and `streams` answer by name, byte-wise (UTF-8) ascending. Group and
///   stream ids are assigned by the store, unique, and never given again: a group or stream
///   deleted and created anew is a new one with a new id.
/// - `append` stores all of its events or none (a reader never sees part of one), and answers
///   them in the order given, each with the store's `seq`: unique across the store and
///   increasing in commit order (within an append, in the order given). It updates the
///   stream's first and last event timestamps, last ingestion time and `storedBytes` (the
///   UTF-8 bytes of the messages); a group's `storedBytes` is the sum of its streams'. An
///   empty `events` stores nothing. `derived` samples commit in the same transaction and are
///   answered by the metric store (its `series` and `cells`) when `append` returns.
/// - `events` answers in position order (ascending when forward, descending otherwise), the
///   streams of `streamIDs` merged: `start` inclusive, `end` exclusive, `after` exclusive in
///   the direction read (paging with `after` = the last position answered visits every event
///   once), `filter` applied before `limit`; `limit <= 0` or no streams answer nothing.
/// - Retention is by the `now` given: an event of a group with retention is never answered
///   when its timestamp is before `now - retentionDays × 86,400,000` (an event exactly at
///   that cutoff still is). `expire(now:)` deletes exactly those events and answers how many;
///   groups without retention keep everything.
/// - Deleting a group deletes its streams and events; deleting a stream deletes its events; a
///   group or stream created again under the name starts empty. Maintenance (sealing,
///   compaction) changes no answer.
public protocol LogStore: Sendable {
    /// Creates the group; false when one of that name exists.
    func createGroup(_ group: LogGroupRecord) async throws -> Bool
    func group(scope: ResourceScope, name: String) async throws -> LogGroupRecord?
    /// Every group of the scope, by name.
    func groups(scope: ResourceScope) async throws -> [LogGroupRecord]
    /// Deletes the group and everything in it; false when it does not exist.
    func deleteGroup(scope: ResourceScope, name: String) async throws -> Bool
    /// Sets (or clears, with nil) the group's retention.
    func setRetention(groupID: Int64, days: Int?) async throws
    /// Sets (or clears) the group's KMS key.
    func setKmsKey(groupID: Int64, keyId: String?) async throws

    /// Creates the stream; false when one of that name exists in the group.
    func createStream(_ stream: LogStreamRecord) async throws -> Bool
    func stream(groupID: Int64, name: String) async throws -> LogStreamRecord?
    /// Every stream of the group, by name.
    func streams(groupID: Int64) async throws -> [LogStreamRecord]
    /// Deletes the stream and its events; false when it does not exist.
    func deleteStream(groupID: Int64, name: String) async throws -> Bool

    /// Durably appends events (timestamp, message) to a stream, received at `ingestionTime`;
    /// answers the stored records. `derived` are the metric samples the events produce (metric
    /// filters, embedded metric format): they commit in the same transaction as the events —
    /// both or neither — and are readable from the metric store when `append` returns.
    func append(streamID: Int64, events: [(timestamp: Int64, message: String)], ingestionTime: Int64,
                derived: [MetricSample]) async throws -> [LogEventRecord]

    /// Up to `query.limit` events of the streams matching `filter`, in position order.
    func events(_ query: LogEventQuery, now: Int64, filter: (@Sendable (LogEventRecord) -> Bool)?) async throws -> [LogEventRecord]

    /// Every event of `streamIDs` with a timestamp in [`start`, `end`) that retention at `now`
    /// keeps, each exactly once, handed to `visit` in batches (a stored block's events;
    /// neither the batches nor the events within one are in any particular order). A whole-range read that
    /// needs no order (Logs Insights, Contributor Insights) decodes each block once, where
    /// paging `events` with `after` decodes the blocks a page straddles again. `visit`
    /// returning false stops the scan; it runs synchronously, between the store's reads, so it
    /// must not block for long. Events stored before the scan began are visited exactly once
    /// whatever maintenance does meanwhile; events appended during it may or may not be.
    ///
    /// `shard` of `shards` visits one of that many disjoint parts of the blocks: scans of every
    /// shard, run concurrently, together visit each event once (how a query uses every core).
    ///
    /// `terms`: byte strings every wanted event contains (a query's literal `like` terms). A
    /// store may skip blocks it knows cannot hold such an event (the answer says how many
    /// events and bytes it skipped); the events it visits need not contain them.
    @discardableResult
    func scan(streamIDs: [Int64], start: Int64?, end: Int64?, now: Int64, shard: Int, of shards: Int, containing terms: [[UInt8]],
              visit: @escaping @Sendable ([LogEventRecord]) throws -> Bool) async throws -> LogScanSkipped

    /// Deletes events past their group's retention at `now` (epoch ms); returns how many.
    @discardableResult
    func expire(now: Int64) async throws -> Int
}

extension LogStore {
    /// Scans every block (one shard of one, no terms).
    public func scan(streamIDs: [Int64], start: Int64?, end: Int64?, now: Int64,
                     visit: @escaping @Sendable ([LogEventRecord]) throws -> Bool) async throws {
        try await scan(streamIDs: streamIDs, start: start, end: end, now: now, shard: 0, of: 1, containing: [], visit: visit)
    }

    /// Appends events that derive no metric samples.
    public func append(streamID: Int64, events: [(timestamp: Int64, message: String)], ingestionTime: Int64) async throws -> [LogEventRecord] {
        try await append(streamID: streamID, events: events, ingestionTime: ingestionTime, derived: [])
    }
}
