public import AWSShapes
import Storage
public import TrailwatchCore

/// What CreateTrail, UpdateTrail and the name-taking operations check, in AWS's order and words.
extension TrailsService {
    // MARK: Validation

    static func checkName(_ name: String) throws {
        let chars = Array(name.unicodeScalars)
        func alnum(_ c: Unicode.Scalar) -> Bool { ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) }
        guard chars.count >= 3, chars.count <= 128 else {
            throw AWSError(Errors.invalidTrailNameException, "Trail name too short. Minimum allowed length: 3 characters. Specified name length: \(chars.count) characters.")
                .replacingMessage(if: chars.count > 128, "Trail name too long. Maximum allowed length: 128 characters. Specified name length: \(chars.count) characters.")
        }
        guard chars.allSatisfy({ alnum($0) || $0 == "." || $0 == "_" || $0 == "-" }) else {
            throw AWSError(Errors.invalidTrailNameException,
                           "Trail name or ARN can only contain uppercase letters, lowercase letters, numbers, periods (.), hyphens (-), and underscores (_).")
        }
        guard alnum(chars.first!) else { throw AWSError(Errors.invalidTrailNameException, "Trail name must starts with a letter or number.") }
        guard alnum(chars.last!) else { throw AWSError(Errors.invalidTrailNameException, "Trail name must ends with a letter or number.") }
        for (a, b) in zip(chars, chars.dropFirst()) where !alnum(a) && !alnum(b) {
            throw AWSError(Errors.invalidTrailNameException, "Trail name or ARN cannot have adjacent periods (.), hyphens (-), or underscores (_).")
        }
    }

    /// AWS checks, in this order: the Multi-Region/global-events combination, the bucket, the
    /// topic, the log group.
    func checkDestination(bucket: String?, topic: String?, logGroupArn: String?, multiRegion: Bool, globalEvents: Bool,
                          _ scope: ResourceScope) async throws {
        if multiRegion && !globalEvents {
            throw AWSError(Errors.invalidParameterCombinationException, "Multi-Region trail must include global service events.")
        }
        if let bucket, try await objects.bucket(bucket) == nil {
            throw AWSError(Errors.s3BucketDoesNotExistException, "S3 bucket \(bucket) does not exist!")
        }
        if let topic, !topic.isEmpty, let topicExists {
            let arn = topic.hasPrefix("arn:") ? topic : scope.arn("sns", topic)
            if try await !topicExists(arn) {
                throw AWSError(Errors.insufficientSnsTopicPolicyException, "SNS Topic does not exist or the topic policy is incorrect!")
            }
        }
        if let arn = logGroupArn {
            guard let group = Self.logGroupName(arn), let logSink, try await logSink.groupExists(scope: scope, group: group) else {
                throw AWSError(Errors.invalidCloudWatchLogsLogGroupArnException, "Access denied. Verify in IAM that the role has adequate permissions.")
            }
        }
    }

    /// `arn:aws:logs:<region>:<account>:log-group:<name>:*` -> name.
    static func logGroupName(_ arn: String) -> String? {
        let parts = arn.split(separator: ":", maxSplits: 6, omittingEmptySubsequences: false)
        guard parts.count == 7, parts[2] == "logs", parts[5] == "log-group" else { return nil }
        var name = String(parts[6])
        if name.hasSuffix(":*") { name.removeLast(2) }
        return name
    }
}
