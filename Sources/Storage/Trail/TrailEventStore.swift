/// One recorded CloudTrail event: its lookup attributes, and the full record as JSON.
public struct TrailEventRecord: Sendable, Equatable {
    public var eventID: String
    public var accountId: String
    public var region: String
    /// Epoch milliseconds.
    public var time: Int64
    public var eventName: String
    public var eventSource: String
    public var username: String
    public var accessKeyId: String
    public var readOnly: Bool
    /// True for management events (event history shows only these).
    public var management: Bool
    public var resources: [(type: String, name: String)]
    /// The CloudTrail record, as delivered and as LookupEvents' CloudTrailEvent.
    public var json: String
    /// Store order (assigned by the store; newer is larger).
    public var seq: Int64

    public init(eventID: String, accountId: String, region: String, time: Int64, eventName: String, eventSource: String, username: String,
                accessKeyId: String, readOnly: Bool, management: Bool, resources: [(type: String, name: String)], json: String, seq: Int64 = 0) {
        self.eventID = eventID
        self.accountId = accountId
        self.region = region
        self.time = time
        self.eventName = eventName
        self.eventSource = eventSource
        self.username = username
        self.accessKeyId = accessKeyId
        self.readOnly = readOnly
        self.management = management
        self.resources = resources
        self.json = json
        self.seq = seq
    }

    public static func == (a: TrailEventRecord, b: TrailEventRecord) -> Bool {
        a.eventID == b.eventID && a.seq == b.seq && a.json == b.json
    }
}

/// Where an event sits in event history's order: its time, then its store order. Events are
/// recorded when answered but carry the time their request arrived, so store order and time
/// order differ: pages must continue by both.
public struct TrailEventPosition: Sendable, Equatable {
    public var time: Int64
    public var seq: Int64

    public init(time: Int64, seq: Int64) {
        self.time = time
        self.seq = seq
    }
}

/// Which events a lookup wants.
public enum TrailLookupAttribute: Sendable, Equatable {
    /// An event id, with the time it carries when known (it narrows the search to that instant).
    case eventId(String, time: Int64?)
    case eventName(String), readOnly(Bool), username(String), resourceType(String)
    case resourceName(String), eventSource(String), accessKeyId(String)
}

/// Durable storage of recorded events.
///
/// Contract, for every implementation (checked by `TrailEventStoreKit` in
/// StorageConformanceTests):
/// - `append` stores all of its events or none, durably when it returns; a second node
///   sharing the backend sees them from then on. The store assigns each event's `seq` (the
///   record's own is ignored): unique across the store, increasing in commit order (within
///   an append, in the order given), never given again, expired events' included. Every
///   field comes back as appended. Event ids are not keys: the store keeps what it is given.
/// - `lookup` answers management events only, of exactly that account and region, newest
///   first by time, then by `seq` descending; `start` and `end` are both inclusive; `before`
///   is exclusive in that same (time, seq) order and need not be a stored event's position,
///   so paging with `before` = the last event answered visits every event once even when
///   store order and time order differ (read-only calls are recorded up to a second after
///   the changes around them). At most `limit` (0 answers none).
/// - Lookup attributes match whole values exactly and case-sensitively; `resourceType` and
///   `resourceName` match any one of the event's resources (never a substring, and `%` or `_`
///   are not wildcards). `eventId` with the time its id carries finds the event only when
///   that instant is within [start, end].
/// - `events(accountId:after:limit:)` answers the account's events of every region, management
///   and data alike, with `seq > after`, by `seq` ascending, at most `limit`: delivery pages
///   with `after` = the last `seq` answered and sees every event once.
/// - `expire(before:)` deletes every event (every account, both kinds) with `time < before`
///   (exclusive) and answers how many.
public protocol TrailEventStore: Sendable {
    /// Replaces the record (`json`) and resources of each stored event whose `seq` matches,
    /// keeping its position (the recorder completes a record written with its change, once the
    /// answer is known); events no longer stored are skipped. The other lookup attributes (id,
    /// time, account, region, name, source, user, key, read-only, management) are the stored
    /// event's: a completed record never changes them. Durable when it returns.
    func amend(_ events: [TrailEventRecord]) async throws
    func append(_ events: [TrailEventRecord]) async throws
    /// Management events of the account and region, newest first — by time, then by store
    /// order — with time in [start, end] (both inclusive), strictly after `before` in that
    /// order (a page continues after the last event of the previous one), matching `attribute`.
    func lookup(accountId: String, region: String, attribute: TrailLookupAttribute?, start: Int64, end: Int64,
                before: TrailEventPosition?, limit: Int) async throws -> [TrailEventRecord]
    /// Events (management and data) of an account with seq > `after`, oldest first (trail delivery).
    func events(accountId: String, after: Int64, limit: Int) async throws -> [TrailEventRecord]
    /// Deletes events older than `before` (epoch ms); returns how many.
    @discardableResult
    func expire(before: Int64) async throws -> Int
}
