public import AWSShapes
public import Storage
public import TrailwatchCore

/// TagResource, UntagResource and ListTagsForResource on CloudWatch resources (dashboards,
/// alarms, alarm mute rules and Contributor Insights rules), keyed by ARN:
/// `arn:aws:cloudwatch::<account>:dashboard/<name>`, `arn:aws:cloudwatch:<region>:<account>:alarm:<name>`,
/// `arn:aws:cloudwatch:<region>:<account>:insight-rule/<name>`.
public struct CloudWatchTagging: Sendable {
    /// At most 50 tags per resource.
    public static let maxTags = 50

    let resources: any ResourceStore
    let tags: any TagStore

    public init(resources: any ResourceStore, tags: any TagStore) {
        self.resources = resources
        self.tags = tags
    }

    /// The stored resource an ARN names: its kind, scope and name.
    struct Target {
        var kind: String
        var scope: ResourceScope
        var name: String
        var type: String
    }

    /// The resource `arn` names, nil for a well-formed ARN of no resource kind CloudWatch tags.
    func parse(_ arn: String) throws -> Target? {
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 6, parts[0] == "arn", parts[2] == "cloudwatch" else {
            throw AWSError(CloudWatch.Errors.invalidParameterValueException, "Invalid ARN: \(arn)")
        }
        let (region, account, resource) = (parts[3], parts[4], parts[5])
        if resource.hasPrefix("dashboard/"), region.isEmpty {
            return Target(kind: DashboardService.kind, scope: ResourceScope(accountId: account, region: ""),
                          name: String(resource.dropFirst("dashboard/".count)), type: "dashboard")
        }
        if resource.hasPrefix("insight-rule/") { // kind: CloudWatchLogs' InsightRuleRecord.kind
            return Target(kind: "cloudwatch:insight-rule", scope: ResourceScope(accountId: account, region: region),
                          name: String(resource.dropFirst("insight-rule/".count)), type: "insight-rule")
        }
        if resource.hasPrefix("alarm-mute-rule:") {
            return Target(kind: "cloudwatch:alarm-mute-rule", scope: ResourceScope(accountId: account, region: region),
                          name: String(resource.dropFirst("alarm-mute-rule:".count)), type: "alarm-mute-rule")
        }
        if resource.hasPrefix("alarm:") {
            return Target(kind: "cloudwatch:alarm", scope: ResourceScope(accountId: account, region: region),
                          name: String(resource.dropFirst("alarm:".count)), type: "alarm")
        }
        return nil
    }

    /// The caller's resource `arn` names (which may not exist yet).
    func target(_ arn: String, _ ctx: CallContext) throws -> Target {
        let found = try parse(arn)
        guard let found, found.scope.accountId == ctx.identity.accountId else {
            throw AWSError(CloudWatch.Errors.resourceNotFoundException, "The resource \(arn) does not exist.",
                           fields: ["ResourceType": .string(found?.type ?? "resource"), "ResourceId": .string(found?.name ?? arn)])
        }
        return found
    }

    func requireExists(_ t: Target, arn: String) async throws {
        if try await resources.get(kind: t.kind, scope: t.scope, name: t.name) == nil {
            throw AWSError(CloudWatch.Errors.resourceNotFoundException, "The resource \(arn) does not exist.",
                           fields: ["ResourceType": .string(t.type), "ResourceId": .string(t.name)])
        }
    }

    public func tagResource(_ input: CloudWatch.TagResourceInput, _ ctx: CallContext) async throws -> CloudWatch.TagResourceOutput {
        let t = try target(input.resourceARN, ctx)
        try await requireExists(t, arn: input.resourceARN)
        let existing = Set(try await tags.tags(arn: input.resourceARN).map(\.key))
        let merged = existing.union(input.tags.map(\.key))
        if merged.count > Self.maxTags {
            throw AWSError(CloudWatch.Errors.invalidParameterValueException,
                           "The resource \(input.resourceARN) would have more than \(Self.maxTags) tags.")
        }
        try await tags.setTags(arn: input.resourceARN, input.tags.map { (key: $0.key, value: $0.value) })
        return CloudWatch.TagResourceOutput()
    }

    public func untagResource(_ input: CloudWatch.UntagResourceInput, _ ctx: CallContext) async throws -> CloudWatch.UntagResourceOutput {
        let t = try target(input.resourceARN, ctx)
        try await requireExists(t, arn: input.resourceARN)
        try await tags.removeTags(arn: input.resourceARN, keys: input.tagKeys)
        return CloudWatch.UntagResourceOutput()
    }

    public func listTagsForResource(_ input: CloudWatch.ListTagsForResourceInput, _ ctx: CallContext) async throws -> CloudWatch.ListTagsForResourceOutput {
        // AWS answers an ARN of a resource that does not exist (or is not the caller's) with no
        // tags, not an error; only a malformed ARN is refused.
        guard let t = try parse(input.resourceARN), t.scope.accountId == ctx.identity.accountId,
              try await resources.get(kind: t.kind, scope: t.scope, name: t.name) != nil else {
            return CloudWatch.ListTagsForResourceOutput(tags: [])
        }
        return CloudWatch.ListTagsForResourceOutput(
            tags: try await tags.tags(arn: input.resourceARN).map { CloudWatch.Tag(key: $0.key, value: $0.value) })
    }
}
