public import AWSShapes
public import AWSWire
import Storage
public import TrailwatchCore

/// Tags on log groups: TagResource / UntagResource / ListTagsForResource by ARN, and the older
/// TagLogGroup / UntagLogGroup / ListTagsLogGroup by name.
extension LogsService {
    static let maxTags = 50

    /// The group an ARN names (`arn:aws:logs:<region>:<account>:log-group:<name>`), checked to exist.
    func groupForArn(_ arn: String, _ ctx: CallContext) async throws -> (LogGroupRecord, String) {
        var trimmed = arn
        if trimmed.hasSuffix(":*") { trimmed.removeLast(2) }
        let parts = trimmed.split(separator: ":", maxSplits: 6, omittingEmptySubsequences: false)
        guard parts.count == 7, parts[0] == "arn", parts[2] == "logs", parts[5] == "log-group" else {
            throw AWSError(Errors.invalidParameterException, "Invalid ARN: \(arn)")
        }
        let scope = ResourceScope(accountId: String(parts[4]), region: String(parts[3]))
        try Self.checkOwnGroup(arn, scope: scope, ctx)
        guard let group = try await store.group(scope: scope, name: String(parts[6])) else {
            throw AWSError(Errors.resourceNotFoundException, "The specified resource does not exist.")
        }
        return (group, Self.groupArn(scope, group.name))
    }

    func addTags(_ arn: String, _ new: [String: String]) async throws {
        let existing = try await tags.tags(arn: arn)
        let keys = Set(existing.map(\.key)).union(new.keys)
        if keys.count > Self.maxTags {
            throw AWSError(Errors.tooManyTagsException, "A resource can have no more than \(Self.maxTags) tags.")
        }
        try await tags.setTags(arn: arn, new.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) })
    }

    public func tagResource(_ input: CloudWatchLogs.TagResourceRequest, _ ctx: CallContext) async throws -> EmptyShape {
        let (_, arn) = try await groupForArn(input.resourceArn, ctx)
        try await addTags(arn, input.tags)
        return EmptyShape()
    }

    public func untagResource(_ input: CloudWatchLogs.UntagResourceRequest, _ ctx: CallContext) async throws -> EmptyShape {
        let (_, arn) = try await groupForArn(input.resourceArn, ctx)
        try await tags.removeTags(arn: arn, keys: input.tagKeys)
        return EmptyShape()
    }

    public func listTagsForResource(_ input: CloudWatchLogs.ListTagsForResourceRequest, _ ctx: CallContext) async throws -> CloudWatchLogs.ListTagsForResourceResponse {
        let (_, arn) = try await groupForArn(input.resourceArn, ctx)
        return CloudWatchLogs.ListTagsForResourceResponse(tags: Dictionary(try await tags.tags(arn: arn), uniquingKeysWith: { $1 }))
    }

    public func tagLogGroup(_ input: CloudWatchLogs.TagLogGroupRequest, _ ctx: CallContext) async throws -> EmptyShape {
        let group = try await requireGroup(name: input.logGroupName, ctx)
        try await addTags(Self.groupArn(group.scope, group.name), input.tags)
        return EmptyShape()
    }

    public func untagLogGroup(_ input: CloudWatchLogs.UntagLogGroupRequest, _ ctx: CallContext) async throws -> EmptyShape {
        let group = try await requireGroup(name: input.logGroupName, ctx)
        try await tags.removeTags(arn: Self.groupArn(group.scope, group.name), keys: input.tags)
        return EmptyShape()
    }

    public func listTagsLogGroup(_ input: CloudWatchLogs.ListTagsLogGroupRequest, _ ctx: CallContext) async throws -> CloudWatchLogs.ListTagsLogGroupResponse {
        let group = try await requireGroup(name: input.logGroupName, ctx)
        return CloudWatchLogs.ListTagsLogGroupResponse(tags: Dictionary(try await tags.tags(arn: Self.groupArn(group.scope, group.name)), uniquingKeysWith: { $1 }))
    }
}
