public import AWSShapes
import Foundation
public import Runtime
public import Storage
public import TrailwatchCore

/// CloudWatch Logs: log groups and streams, events, metric filters, retention and tags.
/// Operations live in extensions by concern (LogGroups, LogEvents, MetricFilters, LogTags).
public struct LogsService: Sendable {
    let store: any LogStore
    let resources: any ResourceStore
    let tags: any TagStore
    /// Where exports are written (the S3 subset's store).
    let objects: (any ObjectStore)?
    let clock: any WallClock
    /// Live Tail sessions, fed by ingestion.
    let liveTail = LiveTailHub()
    /// Wakes the export runner when a task is created.
    let exportWakeup = Wakeup()
    /// Logs Insights queries (`LogsQueries`).
    let queries = LogsQueryRegistry()

    public init(store: any LogStore, resources: any ResourceStore, tags: any TagStore,
                objects: (any ObjectStore)?, clock: any WallClock) {
        self.store = store
        self.objects = objects
        self.resources = resources
        self.tags = tags
        self.clock = clock
    }

    /// Retention every minute; export tasks as soon as they are created, and at start for any
    /// a restart interrupted.
    public var jobs: [Job] {
        let service = self
        return [
            Job("logs.retention", every: 60) { _ = try await service.store.expire(now: service.nowMillis) },
            Job("logs.exports", every: 10, wakeup: exportWakeup, runsAtStart: true) { try await service.runExportTasks() },
        ]
    }

    typealias Errors = CloudWatchLogs.Errors

    /// Now in epoch milliseconds, the unit of every Logs time.
    var nowMillis: Int64 { Int64((clock.now().timeIntervalSince1970 * 1000).rounded(.down)) }

    // MARK: Names and ARNs

    static func groupArn(_ scope: ResourceScope, _ name: String) -> String {
        scope.arn("logs", "log-group:\(name)")
    }

    static func streamArn(_ scope: ResourceScope, _ group: String, _ stream: String) -> String {
        scope.arn("logs", "log-group:\(group):log-stream:\(stream)")
    }

    /// The group a request names, by `logGroupName` or `logGroupIdentifier` (a name or an ARN,
    /// with or without the trailing `:*`).
    func requireGroup(name: String?, identifier: String? = nil, _ ctx: CallContext) async throws -> LogGroupRecord {
        if name != nil && identifier != nil {
            throw AWSError(Errors.invalidParameterException, "LogGroup name and LogGroup ARN are mutually exclusive parameters.")
        }
        guard let raw = name ?? identifier else {
            throw AWSError(Errors.invalidParameterException, "Either logGroupName or logGroupIdentifier must be specified.")
        }
        var scope = ctx.scope
        var groupName = raw
        if raw.hasPrefix("arn:") {
            let parts = raw.split(separator: ":", maxSplits: 6, omittingEmptySubsequences: false)
            guard parts.count == 7, parts[2] == "logs", parts[5] == "log-group" else {
                throw AWSError(Errors.invalidParameterException, "Invalid log group ARN: \(raw)")
            }
            scope = ResourceScope(accountId: String(parts[4]), region: String(parts[3]))
            groupName = String(parts[6])
            if groupName.hasSuffix(":*") { groupName.removeLast(2) }
            try Self.checkOwnGroup(raw, scope: scope, ctx)
        }
        guard let group = try await store.group(scope: scope, name: groupName) else {
            throw AWSError(Errors.resourceNotFoundException, "The specified log group does not exist.")
        }
        return group
    }

    /// Refuses a group ARN of another account: no resource policy (cross-account observability,
    /// [9]) grants access yet, so AWS answers AccessDeniedException.
    static func checkOwnGroup(_ arn: String, scope: ResourceScope, _ ctx: CallContext) throws {
        guard scope.accountId != ctx.identity.accountId else { return }
        throw AWSError.crossAccountDenied(Errors.accessDeniedException, caller: ctx.identity, action: ctx.action,
                                          resource: arn, owner: scope.accountId)
    }

    func requireStream(_ group: LogGroupRecord, _ name: String) async throws -> LogStreamRecord {
        guard let stream = try await store.stream(groupID: group.id, name: name) else {
            throw AWSError(Errors.resourceNotFoundException, "The specified log stream does not exist.")
        }
        return stream
    }

    /// `limit` checked against the operation's bounds, or its default.
    static func limit(_ value: Int?, max: Int, default d: Int) throws -> Int {
        guard let value else { return d }
        guard value >= 1, value <= max else {
            throw AWSError(Errors.invalidParameterException,
                           "1 validation error detected: Value '\(value)' at 'limit' failed to satisfy constraint: Member must have value \(value < 1 ? "greater than or equal to 1" : "less than or equal to \(max)")")
        }
        return value
    }
}

/// Page tokens of Logs listings, and the error AWS gives for a bad one.
enum LogsPageToken {
    static func encode(_ after: String, kind: String) -> String { PageToken.encode(after, kind: kind) }

    static func decode(_ token: String?, kind: String) throws -> String? {
        guard let token else { return nil }
        guard let after = PageToken.decode(token, kind: kind) else { throw invalid }
        return after
    }

    static var invalid: AWSError {
        AWSError(CloudWatchLogs.Errors.invalidParameterException, "The specified nextToken is invalid.")
    }
}
