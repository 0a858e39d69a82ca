/// The AWS services Trailwatch serves, named as AWS names them on the wire.
public enum AWSService: String, Sendable, CaseIterable, Hashable {
    case cloudWatch = "monitoring"
    case logs = "logs"
    case cloudTrail = "cloudtrail"
    case sts = "sts"
    case iam = "iam"
    case sns = "sns"
    case s3 = "s3"

    /// The SigV4 signing name (credential scope service).
    public var signingName: String { rawValue }

    /// The prefix of the service's IAM actions (`cloudwatch:PutMetricData`, `logs:...`).
    public var iamPrefix: String { self == .cloudWatch ? "cloudwatch" : rawValue }

    /// The `eventSource` CloudTrail records for calls to this service.
    public var eventSource: String { "\(rawValue).amazonaws.com" }

    /// Finds the service a SigV4 credential scope names.
    public init?(signingName: String) {
        self.init(rawValue: signingName)
    }
}
