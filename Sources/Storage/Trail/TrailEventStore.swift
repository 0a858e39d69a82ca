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
public protocol TrailEventStore: Sendable {
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
