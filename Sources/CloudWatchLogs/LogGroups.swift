public import AWSShapes
public import AWSWire
import Foundation
import Storage
public import TrailwatchCore

/// Log groups, log streams and retention.
extension LogsService {
    /// The retention periods AWS accepts, in days.
    static let retentionValues = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]
    static let groupClasses = ["STANDARD", "INFREQUENT_ACCESS", "DELIVERY"]

    // MARK: Groups

    public func createLogGroup(_ input: CloudWatchLogs.CreateLogGroupRequest, _ ctx: CallContext) async throws -> EmptyShape {
        if let tags = input.tags, tags.count > 50 {
            throw AWSError(Errors.invalidParameterException, "The number of tags in the request exceeds the limit of 50.")
        }
        if input.logGroupName.lowercased().hasPrefix("aws/") {
            throw AWSError(Errors.invalidParameterException, "Log groups starting with AWS/ are reserved for AWS.")
        }
        let created = try await store.createGroup(LogGroupRecord(
            scope: ctx.scope, name: input.logGroupName, createdAt: nowMillis, kmsKeyId: input.kmsKeyId,
            logGroupClass: input.logGroupClass ?? "STANDARD"))
        guard created else {
            throw AWSError(Errors.resourceAlreadyExistsException, "The specified log group already exists")
        }
        if let t = input.tags, !t.isEmpty {
            try await tags.setTags(arn: Self.groupArn(ctx.scope, input.logGroupName), t.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) })
        }
        return EmptyShape()
    }

    public func deleteLogGroup(_ input: CloudWatchLogs.DeleteLogGroupRequest, _ ctx: CallContext) async throws -> EmptyShape {
        // Its index policy first (named by the group's id, which a later group may be given).
        if let group = try await store.group(scope: ctx.scope, name: input.logGroupName) {
            _ = try await resources.delete(kind: Self.indexPolicyKind, scope: ctx.scope, names: [String(group.id)], allOrNothing: false)
        }
        guard try await store.deleteGroup(scope: ctx.scope, name: input.logGroupName) else {
            throw AWSError(Errors.resourceNotFoundException, "The specified log group does not exist.")
        }
        try await tags.removeAllTags(arn: Self.groupArn(ctx.scope, input.logGroupName))
        for f in try await metricFilters(ctx.scope, group: input.logGroupName) {
            _ = try await resources.delete(kind: Self.metricFilterKind, scope: ctx.scope, names: [f.name], allOrNothing: false)
        }
        return EmptyShape()
    }

    public func describeLogGroups(_ input: CloudWatchLogs.DescribeLogGroupsRequest, _ ctx: CallContext) async throws -> CloudWatchLogs.DescribeLogGroupsResponse {
        if input.logGroupNamePrefix != nil && input.logGroupNamePattern != nil {
            throw AWSError(Errors.invalidParameterException, "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.")
        }
        let limit = try Self.limit(input.limit, max: 50, default: 50)
        // AWS's token is the last group's name; one that names no group gives an empty page.
        let after = input.nextToken
        let groups = try await store.groups(scope: ctx.scope)
        if let after, !groups.contains(where: { $0.name == after }) {
            return CloudWatchLogs.DescribeLogGroupsResponse(logGroups: [], nextToken: nil)
        }
        // A case-sensitive substring search (the API reference).
        let pattern = input.logGroupNamePattern
        var page: [LogGroupRecord] = []
        var more = false
        for g in groups {
            if let after, !Array(after.utf8).lexicographicallyPrecedes(Array(g.name.utf8)) { continue }
            if let prefix = input.logGroupNamePrefix, !g.name.hasPrefix(prefix) { continue }
            if let pattern, !pattern.isEmpty, !g.name.containsBytes(pattern) { continue }
            if let cls = input.logGroupClass, g.logGroupClass != cls { continue }
            if let ids = input.logGroupIdentifiers, !ids.contains(where: { $0 == g.name || $0 == Self.groupArn(ctx.scope, g.name) }) { continue }
            if page.count == limit {
                more = true
                break
            }
            page.append(g)
        }
        var out: [CloudWatchLogs.LogGroup] = []
        for g in page {
            if input.logGroupNamePattern != nil {
                // A pattern search answers only the name, ARN and creation time.
                out.append(CloudWatchLogs.LogGroup(logGroupName: g.name, creationTime: Int(g.createdAt), arn: Self.groupArn(ctx.scope, g.name) + ":*"))
                continue
            }
            let filters = try await metricFilters(ctx.scope, group: g.name).count
            out.append(CloudWatchLogs.LogGroup(
                logGroupName: g.name, creationTime: Int(g.createdAt), retentionInDays: g.retentionDays, metricFilterCount: filters,
                arn: Self.groupArn(ctx.scope, g.name) + ":*", storedBytes: Int(g.storedBytes), kmsKeyId: g.kmsKeyId,
                logGroupClass: g.logGroupClass, logGroupArn: Self.groupArn(ctx.scope, g.name)))
        }
        return CloudWatchLogs.DescribeLogGroupsResponse(
            logGroups: out, nextToken: more ? page.last?.name : nil)
    }

    public func putRetentionPolicy(_ input: CloudWatchLogs.PutRetentionPolicyRequest, _ ctx: CallContext) async throws -> EmptyShape {
        guard Self.retentionValues.contains(input.retentionInDays) else {
            throw AWSError(Errors.invalidParameterException,
                           "1 validation error detected: Value '\(input.retentionInDays)' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [\(Self.retentionValues.map(String.init).joined(separator: ", "))]")
        }
        let group = try await requireGroup(name: input.logGroupName, ctx)
        try await store.setRetention(groupID: group.id, days: input.retentionInDays)
        return EmptyShape()
    }

    public func deleteRetentionPolicy(_ input: CloudWatchLogs.DeleteRetentionPolicyRequest, _ ctx: CallContext) async throws -> EmptyShape {
        let group = try await requireGroup(name: input.logGroupName, ctx)
        try await store.setRetention(groupID: group.id, days: nil)
        return EmptyShape()
    }

    public func associateKmsKey(_ input: CloudWatchLogs.AssociateKmsKeyRequest, _ ctx: CallContext) async throws -> EmptyShape {
        let group = try await requireGroup(name: input.logGroupName, ctx)
        try await store.setKmsKey(groupID: group.id, keyId: input.kmsKeyId)
        return EmptyShape()
    }

    public func disassociateKmsKey(_ input: CloudWatchLogs.DisassociateKmsKeyRequest, _ ctx: CallContext) async throws -> EmptyShape {
        let group = try await requireGroup(name: input.logGroupName, ctx)
        try await store.setKmsKey(groupID: group.id, keyId: nil)
        return EmptyShape()
    }

    // MARK: Streams

    public func createLogStream(_ input: CloudWatchLogs.CreateLogStreamRequest, _ ctx: CallContext) async throws -> EmptyShape {
        let group = try await requireGroup(name: input.logGroupName, ctx)
        guard try await store.createStream(LogStreamRecord(groupID: group.id, name: input.logStreamName, createdAt: nowMillis)) else {
            throw AWSError(Errors.resourceAlreadyExistsException, "The specified log stream already exists")
        }
        return EmptyShape()
    }

    public func deleteLogStream(_ input: CloudWatchLogs.DeleteLogStreamRequest, _ ctx: CallContext) async throws -> EmptyShape {
        let group = try await requireGroup(name: input.logGroupName, ctx)
        guard try await store.deleteStream(groupID: group.id, name: input.logStreamName) else {
            throw AWSError(Errors.resourceNotFoundException, "The specified log stream does not exist.")
        }
        return EmptyShape()
    }

    public func describeLogStreams(_ input: CloudWatchLogs.DescribeLogStreamsRequest, _ ctx: CallContext) async throws -> CloudWatchLogs.DescribeLogStreamsResponse {
        let byTime = input.orderBy == "LastEventTime"
        if byTime && input.logStreamNamePrefix != nil {
            throw AWSError(Errors.invalidParameterException, "Cannot order by LastEventTime with a logStreamNamePrefix.")
        }
        let group = try await requireGroup(name: input.logGroupName, identifier: input.logGroupIdentifier, ctx)
        let limit = try Self.limit(input.limit, max: 50, default: 50)
        let descending = input.descending ?? false
        var streams = try await store.streams(groupID: group.id)
        if let prefix = input.logStreamNamePrefix { streams = streams.filter { $0.name.hasPrefix(prefix) } }
        // Sort keys: the name, or the last event time then the name (as a sortable string).
        func key(_ s: LogStreamRecord) -> String {
            byTime ? String(format: "%020lld", s.lastEventTimestamp ?? 0) + s.name : s.name
        }
        streams.sort { descending ? Array(key($0).utf8).lexicographicallyPrecedes(Array(key($1).utf8)) == false
                                  : Array(key($0).utf8).lexicographicallyPrecedes(Array(key($1).utf8)) }
        if let after = try LogsPageToken.decode(input.nextToken, kind: "streams") {
            streams = streams.filter { descending ? Array(key($0).utf8).lexicographicallyPrecedes(Array(after.utf8))
                                                  : Array(after.utf8).lexicographicallyPrecedes(Array(key($0).utf8)) }
        }
        let page = Array(streams.prefix(limit))
        return CloudWatchLogs.DescribeLogStreamsResponse(
            logStreams: page.map { s in
                CloudWatchLogs.LogStream(
                    logStreamName: s.name, creationTime: Int(s.createdAt), firstEventTimestamp: s.firstEventTimestamp.map(Int.init),
                    lastEventTimestamp: s.lastEventTimestamp.map(Int.init), lastIngestionTime: s.lastIngestionTime.map(Int.init),
                    uploadSequenceToken: s.lastIngestionTime == nil ? nil : Self.sequenceToken(s), arn: Self.streamArn(ctx.scope, group.name, s.name), storedBytes: 0)
            },
            nextToken: streams.count > limit ? page.last.map { LogsPageToken.encode(key($0), kind: "streams") } : nil)
    }

    /// Sequence tokens are accepted and ignored (as AWS has done since 2023); one is still
    /// returned, changing with every upload.
    static func sequenceToken(_ s: LogStreamRecord) -> String {
        String(format: "4%055lld", (s.lastIngestionTime ?? s.createdAt))
    }
}
