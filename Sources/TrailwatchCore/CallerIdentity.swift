/// Who made a request, as CloudTrail's `userIdentity` and STS GetCallerIdentity describe it.
public struct CallerIdentity: Sendable, Equatable {
    /// CloudTrail's identity type.
    public enum Kind: String, Sendable {
        case root = "Root"
        case iamUser = "IAMUser"
        case assumedRole = "AssumedRole"
        case anonymous = "AWSAccount"
    }

    public var kind: Kind
    /// The 12-digit account the caller belongs to.
    public var accountId: String
    /// The caller's ARN (`arn:aws:iam::123456789012:root`).
    public var arn: String
    /// The principal id (account id for root, `AIDA...` for users, `AROA...:session` for roles).
    public var principalId: String
    /// The access key the request was signed with.
    public var accessKeyId: String
    /// The IAM user name (users) or nil.
    public var userName: String?

    public init(kind: Kind, accountId: String, arn: String, principalId: String, accessKeyId: String, userName: String? = nil) {
        self.kind = kind
        self.accountId = accountId
        self.arn = arn
        self.principalId = principalId
        self.accessKeyId = accessKeyId
        self.userName = userName
    }

    /// The root identity of `accountId`, signing with `accessKeyId`.
    /// `region` is the one the request was signed for: it picks the ARN's partition.
    public static func root(accountId: String, accessKeyId: String, region: String = "us-east-1") -> CallerIdentity {
        CallerIdentity(kind: .root, accountId: accountId, arn: "arn:\(ARN.partition(ofRegion: region)):iam::\(accountId):root",
                       principalId: accountId, accessKeyId: accessKeyId)
    }
}

/// Where a request's resources live: the account and region every store key is scoped to.
public struct ResourceScope: Sendable, Hashable {
    public var accountId: String
    public var region: String

    public init(accountId: String, region: String) {
        self.accountId = accountId
        self.region = region
    }
}
