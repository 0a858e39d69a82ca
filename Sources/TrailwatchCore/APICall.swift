public import Foundation

/// One API call as the request pipeline saw it, handed to the audit recorder after the answer
/// is known (CloudTrail turns it into an event record).
public struct APICall: Sendable {
    /// The service's signing name (`monitoring`, `logs`, `cloudtrail`, `s3`, `sts`...).
    public var service: String
    public var operation: String
    public var region: String
    /// Who called: the authenticated identity, or nil when authentication refused the call.
    public var identity: CallerIdentity?
    /// The access key the request claimed (also when refused).
    public var accessKeyId: String?
    /// The account the call was addressed to.
    public var accountId: String
    public var sourceIP: String
    public var userAgent: String
    public var requestID: String
    public var time: Date
    /// The decoded input (member names as the model spells them), nil when it was never decoded.
    public var requestParameters: WireValue?
    /// The output, nil on failure.
    public var responseElements: WireValue?
    public var errorCode: String?
    public var errorMessage: String?
    /// How the call's connection was secured, nil over plain HTTP.
    public var tls: TLSDetails?

    public init(service: String, operation: String, region: String, identity: CallerIdentity?, accessKeyId: String?, accountId: String,
                sourceIP: String, userAgent: String, requestID: String, time: Date, requestParameters: WireValue?,
                responseElements: WireValue?, errorCode: String?, errorMessage: String?, tls: TLSDetails? = nil) {
        self.service = service
        self.operation = operation
        self.region = region
        self.identity = identity
        self.accessKeyId = accessKeyId
        self.accountId = accountId
        self.sourceIP = sourceIP
        self.userAgent = userAgent
        self.requestID = requestID
        self.time = time
        self.requestParameters = requestParameters
        self.responseElements = responseElements
        self.errorCode = errorCode
        self.errorMessage = errorMessage
        self.tls = tls
    }
}

/// CloudTrail's `tlsDetails`: the protocol version and cipher suite the connection negotiated,
/// and the Host header the client sent.
public struct TLSDetails: Sendable, Equatable {
    /// `TLSv1.2` or `TLSv1.3`.
    public var tlsVersion: String
    /// The suite's OpenSSL name, as CloudTrail records it (`ECDHE-RSA-AES128-GCM-SHA256`).
    public var cipherSuite: String
    public var clientProvidedHostHeader: String

    public init(tlsVersion: String, cipherSuite: String, clientProvidedHostHeader: String) {
        self.tlsVersion = tlsVersion
        self.cipherSuite = cipherSuite
        self.clientProvidedHostHeader = clientProvidedHostHeader
    }
}

/// Receives every API call the server answers. `record` must be cheap: it runs on the
/// request path (the CloudTrail recorder buffers and writes in the background).
public protocol AuditRecorder: Sendable {
    /// The record to write with the call's own changes (a management change), or nil. Called
    /// before the handler runs, with what is known then.
    func prepare(_ call: APICall) -> DurableRecordSlot?
    /// Records answered calls (the first is the call `slot` was prepared for); returns once the
    /// records the recorder promises durable before the answer (management changes) are durable.
    func record(_ calls: [APICall], slot: DurableRecordSlot?) async throws
    /// Whether calls of this operation are recorded at all (data events only when a trail
    /// selects them), so the pipeline can skip building the call.
    func wants(service: String, operation: String) -> Bool
}

/// Where other services put log events (CloudTrail's delivery to CloudWatch Logs): the Logs
/// service, so that metric filters apply as to any PutLogEvents.
public protocol LogSink: Sendable {
    func groupExists(scope: ResourceScope, group: String) async throws -> Bool
    /// Appends events to `stream` of `group` (creating the stream); false when the group is missing.
    func deliver(scope: ResourceScope, group: String, stream: String, events: [(timestamp: Int64, message: String)]) async throws -> Bool
}
