public import AWSShapes
import Foundation
public import Storage
public import TrailwatchCore

/// CloudWatch Contributor Insights: PutInsightRule, DescribeInsightRules,
/// Enable/Disable/DeleteInsightRules and GetInsightRuleReport (in InsightRuleReport.swift).
///
/// Rules are CloudWatch resources (their API is CloudWatch's) computed from CloudWatch Logs'
/// events, so they live beside the logs they read. Managed rules (rules AWS services create
/// for their own resources) have no resources to apply to here and answer a clear error.
public struct ContributorInsightsService: Sendable {
    let logs: any LogStore
    let resources: any ResourceStore
    let tags: any TagStore
    let clock: any WallClock

    public init(logs: any LogStore, resources: any ResourceStore, tags: any TagStore, clock: any WallClock) {
        self.logs = logs
        self.resources = resources
        self.tags = tags
        self.clock = clock
    }

    typealias Errors = CloudWatch.Errors

    var nowMillis: Int64 { Int64((clock.now().timeIntervalSince1970 * 1000).rounded(.down)) }

    /// At most this many rules per account and region (AWS's default quota).
    static let maxRules = 100
    /// At most this many tags on a rule.
    static let maxTags = 50

    static func arn(_ scope: ResourceScope, name: String) -> String {
        "arn:aws:cloudwatch:\(scope.region):\(scope.accountId):insight-rule/\(name)"
    }

    public func putInsightRule(_ input: CloudWatch.PutInsightRuleInput, _ ctx: CallContext) async throws -> CloudWatch.PutInsightRuleOutput {
        let state = input.ruleState ?? "ENABLED"
        guard state == "ENABLED" || state == "DISABLED" else {
            throw AWSError(Errors.invalidParameterValueException, "RuleState must be ENABLED or DISABLED.") // wording unverified
        }
        _ = try InsightRuleDefinition.parse(input.ruleDefinition)
        if (input.tags?.count ?? 0) > Self.maxTags {
            throw AWSError(Errors.invalidParameterValueException, "A rule can have at most \(Self.maxTags) tags.") // wording unverified
        }
        let now = clock.now(), millis = nowMillis
        let existing = try await resources.get(kind: InsightRuleRecord.kind, scope: ctx.scope, name: input.ruleName)
        var record: InsightRuleRecord
        if let existing {
            // An update keeps the rule's history of windows; tags given to an update are ignored, as AWS ignores them.
            record = try InsightRuleRecord(existing)
            record.definition = input.ruleDefinition
            record.applyOnTransformedLogs = input.applyOnTransformedLogs
        } else {
            if try await resources.everything(kind: InsightRuleRecord.kind, scope: ctx.scope).count >= Self.maxRules {
                throw AWSError(Errors.limitExceededException, "The maximum number of rules (\(Self.maxRules)) has been reached.") // wording unverified
            }
            record = InsightRuleRecord(name: input.ruleName, definition: input.ruleDefinition,
                                       applyOnTransformedLogs: input.applyOnTransformedLogs, windows: [])
        }
        if state == "ENABLED" { record.enable(now: millis) } else { record.disable(now: millis) }
        try await resources.put(try record.resource(scope: ctx.scope, createdAt: existing?.createdAt ?? now, now: now), ifAbsent: false)
        if existing == nil, let given = input.tags, !given.isEmpty {
            try await tags.setTags(arn: Self.arn(ctx.scope, name: input.ruleName), given.map { (key: $0.key, value: $0.value) })
        }
        return CloudWatch.PutInsightRuleOutput()
    }

    /// DescribeInsightRules answers this many rules a page unless MaxResults says fewer.
    static let pageSize = 500

    public func describeInsightRules(_ input: CloudWatch.DescribeInsightRulesInput, _ ctx: CallContext) async throws -> CloudWatch.DescribeInsightRulesOutput {
        let limit = input.maxResults ?? Self.pageSize
        let after = try input.nextToken.map { token -> String in
            guard let name = PageToken.decode(token, kind: "insight-rules") else {
                throw AWSError(Errors.invalidNextToken, "The service couldn't process your request because the NextToken is invalid.") // wording unverified
            }
            return name
        }
        let page = try await resources.list(kind: InsightRuleRecord.kind, scope: ctx.scope, prefix: nil, after: after, limit: limit + 1)
        let rules = try page.prefix(limit).map { try InsightRuleRecord($0).shape }
        let next = page.count > limit ? rules.last.map { PageToken.encode($0.name, kind: "insight-rules") } : nil
        return CloudWatch.DescribeInsightRulesOutput(nextToken: next, insightRules: rules)
    }

    public func enableInsightRules(_ input: CloudWatch.EnableInsightRulesInput, _ ctx: CallContext) async throws -> CloudWatch.EnableInsightRulesOutput {
        CloudWatch.EnableInsightRulesOutput(failures: try await setState(input.ruleNames, enabled: true, ctx))
    }

    public func disableInsightRules(_ input: CloudWatch.DisableInsightRulesInput, _ ctx: CallContext) async throws -> CloudWatch.DisableInsightRulesOutput {
        CloudWatch.DisableInsightRulesOutput(failures: try await setState(input.ruleNames, enabled: false, ctx))
    }

    /// A rule that does not exist is a failure of the batch, not of the call.
    static func notFound(_ name: String) -> CloudWatch.PartialFailure {
        CloudWatch.PartialFailure(failureResource: name, exceptionType: "ResourceNotFoundException", failureCode: "404", // unverified
                                  failureDescription: "Rule \(name) does not exist.") // wording unverified
    }

    func setState(_ names: [String], enabled: Bool, _ ctx: CallContext) async throws -> [CloudWatch.PartialFailure] {
        var failures: [CloudWatch.PartialFailure] = []
        var changed: [ResourceRecord] = []
        let now = clock.now(), millis = nowMillis
        for name in names {
            guard let existing = try await resources.get(kind: InsightRuleRecord.kind, scope: ctx.scope, name: name) else {
                failures.append(Self.notFound(name))
                continue
            }
            var record = try InsightRuleRecord(existing)
            if enabled { record.enable(now: millis) } else { record.disable(now: millis) }
            changed.append(try record.resource(scope: ctx.scope, createdAt: existing.createdAt, now: now))
        }
        if !changed.isEmpty { try await resources.put(changed) }
        return failures
    }

    public func deleteInsightRules(_ input: CloudWatch.DeleteInsightRulesInput, _ ctx: CallContext) async throws -> CloudWatch.DeleteInsightRulesOutput {
        let result = try await resources.delete(kind: InsightRuleRecord.kind, scope: ctx.scope, names: input.ruleNames, allOrNothing: false)
        for name in result.deleted { try await tags.removeAllTags(arn: Self.arn(ctx.scope, name: name)) }
        let deleted = Set(result.deleted)
        return CloudWatch.DeleteInsightRulesOutput(failures: input.ruleNames.filter { !deleted.contains($0) }.map(Self.notFound))
    }

    // MARK: Managed rules

    /// Managed rules are templates AWS services offer for their own resources (DynamoDB
    /// tables, VPC endpoints); Trailwatch hosts none of those resources.
    static func managedRulesUnsupported(_ arn: String) -> AWSError {
        AWSError(Errors.invalidParameterValueException,
                 "Managed Contributor Insights rules are not available in Trailwatch: no AWS service here offers a template for \(arn). Create the rule with PutInsightRule instead.")
    }

    public func putManagedInsightRules(_ input: CloudWatch.PutManagedInsightRulesInput, _ ctx: CallContext) async throws -> CloudWatch.PutManagedInsightRulesOutput {
        throw Self.managedRulesUnsupported(input.managedRules.first?.resourceARN ?? "")
    }

    public func listManagedInsightRules(_ input: CloudWatch.ListManagedInsightRulesInput, _ ctx: CallContext) async throws -> CloudWatch.ListManagedInsightRulesOutput {
        // No resource here has managed rules: an empty list is AWS's answer for such a resource.
        CloudWatch.ListManagedInsightRulesOutput(managedRules: [])
    }
}
