public import Foundation

/// Everything a service needs to know about the call it is answering.
public struct CallContext: Sendable {
    /// The id answered in `x-amzn-RequestId` and recorded by CloudTrail.
    public var requestID: String
    /// Who is calling.
    public var identity: CallerIdentity
    /// The region the request was signed for.
    public var region: String
    /// When the server received the request (from the server's clock).
    public var receivedAt: Date
    /// The caller's address.
    public var sourceIP: String
    /// The `User-Agent` header.
    public var userAgent: String
    /// The IAM action being called (`logs:GetLogEvents`), for authorization messages.
    public var action: String = ""

    public init(requestID: String, identity: CallerIdentity, region: String, receivedAt: Date, sourceIP: String = "127.0.0.1", userAgent: String = "") {
        self.requestID = requestID
        self.identity = identity
        self.region = region
        self.receivedAt = receivedAt
        self.sourceIP = sourceIP
        self.userAgent = userAgent
    }

    /// The account and region resources of this call live in.
    public var scope: ResourceScope { ResourceScope(accountId: identity.accountId, region: region) }

    /// The account-wide scope of global resources (IAM, dashboards, bucket names).
    public var globalScope: ResourceScope { ResourceScope(accountId: identity.accountId, region: "") }
}
