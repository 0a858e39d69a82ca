/// An Amazon Resource Name: `arn:<partition>:<service>:<region>:<account>:<resource>`.
///
/// Every ARN Trailwatch writes is made here, so that each carries its region's partition
/// (`aws`, `aws-cn` for `cn-*`, `aws-us-gov` for `us-gov-*`), and every ARN a request names is
/// read here, so that each service can tell whose resource it names.
public struct ARN: Sendable, Hashable, CustomStringConvertible {
    public var partition: String
    public var service: String
    public var region: String
    public var account: String
    /// Everything after the account (`log-group:app`, `trail/org`, `topic`), colons included.
    public var resource: String

    public init(partition: String, service: String, region: String, account: String, resource: String) {
        self.partition = partition
        self.service = service
        self.region = region
        self.account = account
        self.resource = resource
    }

    /// Reads `text`; nil unless it has the six parts of an ARN.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", !parts[1].isEmpty, !parts[2].isEmpty else { return nil }
        self.init(partition: String(parts[1]), service: String(parts[2]), region: String(parts[3]),
                  account: String(parts[4]), resource: String(parts[5]))
    }

    public var description: String { "arn:\(partition):\(service):\(region):\(account):\(resource)" }

    /// The partition a region belongs to.
    public static func partition(ofRegion region: String) -> String {
        if region.hasPrefix("cn-") { return "aws-cn" }
        if region.hasPrefix("us-gov-") { return "aws-us-gov" }
        if region.hasPrefix("us-iso-") { return "aws-iso" }
        if region.hasPrefix("us-isob-") { return "aws-iso-b" }
        return "aws"
    }
}

extension ResourceScope {
    /// The partition of this scope's region (`aws` for global scopes).
    public var partition: String { ARN.partition(ofRegion: region) }

    /// The ARN of `resource` of `service` in this scope; `region` overrides the scope's region
    /// for services whose ARNs carry none (pass `""`), keeping the scope's partition.
    public func arn(_ service: String, _ resource: String, region: String? = nil) -> String {
        ARN(partition: partition, service: service, region: region ?? self.region, account: accountId, resource: resource).description
    }
}
