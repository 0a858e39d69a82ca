public import AWSShapes
import Foundation
public import Storage
public import TrailwatchCore

/// CloudWatch dashboards: PutDashboard, GetDashboard, ListDashboards, DeleteDashboards.
///
/// Dashboards are global to an account (their ARN has no region,
/// `arn:aws:cloudwatch::123456789012:dashboard/name`), so they are stored under the account's
/// global scope and every region sees the same ones.
public struct DashboardService: Sendable {
    /// The resource kind dashboards are stored under.
    static let kind = "cloudwatch:dashboard"
    /// ListDashboards returns up to 1000 dashboards a page.
    static let pageSize = 1000

    let resources: any ResourceStore
    let tags: any TagStore
    let clock: any WallClock

    public init(resources: any ResourceStore, tags: any TagStore, clock: any WallClock) {
        self.resources = resources
        self.tags = tags
        self.clock = clock
    }

    /// Dashboards are global: their ARN has no region, but its partition is the caller's.
    static func arn(_ ctx: CallContext, name: String) -> String {
        ctx.scope.arn("cloudwatch", "dashboard/\(name)", region: "")
    }

    // MARK: Operations

    public func putDashboard(_ input: CloudWatch.PutDashboardInput, _ ctx: CallContext) async throws -> CloudWatch.PutDashboardOutput {
        try Self.checkName(input.dashboardName, field: "DashboardName", allowDot: false)
        switch DashboardBodyValidator().validate(input.dashboardBody) {
        case .notJSONObject:
            throw AWSError(CloudWatch.Errors.dashboardInvalidInputError, "The field DashboardBody must be a valid JSON object")
        case .checked(let problems) where !problems.isEmpty:
            throw Self.invalidBody(problems)
        case .checked:
            break
        }
        let now = clock.now()
        // The stored document is the dashboard body itself.
        try await resources.put(ResourceRecord(kind: Self.kind, scope: ctx.globalScope, name: input.dashboardName,
                                               body: Array(input.dashboardBody.utf8), createdAt: now, updatedAt: now), ifAbsent: false)
        if let newTags = input.tags, !newTags.isEmpty {
            try await tags.setTags(arn: Self.arn(ctx, name: input.dashboardName),
                                   newTags.map { (key: $0.key, value: $0.value) })
        }
        return CloudWatch.PutDashboardOutput(dashboardValidationMessages: [])
    }

    public func getDashboard(_ input: CloudWatch.GetDashboardInput, _ ctx: CallContext) async throws -> CloudWatch.GetDashboardOutput {
        guard let record = try await resources.get(kind: Self.kind, scope: ctx.globalScope, name: input.dashboardName) else {
            throw AWSError(CloudWatch.Errors.dashboardNotFoundError, "Dashboard \(input.dashboardName) does not exist")
        }
        return CloudWatch.GetDashboardOutput(
            dashboardArn: Self.arn(ctx, name: record.name),
            dashboardBody: String(decoding: record.body, as: UTF8.self), dashboardName: record.name)
    }

    public func listDashboards(_ input: CloudWatch.ListDashboardsInput, _ ctx: CallContext) async throws -> CloudWatch.ListDashboardsOutput {
        if let prefix = input.dashboardNamePrefix {
            try Self.checkName(prefix, field: "DashboardNamePrefix", allowDot: true)
        }
        var after: String?
        if let token = input.nextToken {
            guard let decoded = PageToken.decode(token, kind: "dashboards") else {
                throw AWSError(CloudWatch.Errors.invalidParameterValueException, "The value for parameter NextToken is invalid.")
            }
            after = decoded
        }
        let records = try await resources.list(kind: Self.kind, scope: ctx.globalScope, prefix: input.dashboardNamePrefix,
                                               after: after, limit: Self.pageSize + 1)
        let page = records.prefix(Self.pageSize)
        var entries: [CloudWatch.DashboardEntry] = []
        for record in page {
            entries.append(CloudWatch.DashboardEntry(
                dashboardName: record.name, dashboardArn: Self.arn(ctx, name: record.name),
                lastModified: record.updatedAt, size: record.body.count))
        }
        let next = records.count > Self.pageSize ? page.last.map { PageToken.encode($0.name, kind: "dashboards") } : nil
        return CloudWatch.ListDashboardsOutput(dashboardEntries: entries, nextToken: next)
    }

    public func deleteDashboards(_ input: CloudWatch.DeleteDashboardsInput, _ ctx: CallContext) async throws -> CloudWatch.DeleteDashboardsOutput {
        if input.dashboardNames.isEmpty {
            throw AWSError(CloudWatch.Errors.missingRequiredParameterException, "The parameter DashboardNames is required.")
        }
        if input.dashboardNames.count > 100 {
            throw AWSError(CloudWatch.Errors.invalidParameterValueException,
                           "The parameter DashboardNames must contain at most 100 dashboard names.")
        }
        let result = try await resources.delete(kind: Self.kind, scope: ctx.globalScope,
                                                names: Array(Set(input.dashboardNames)), allOrNothing: true)
        if let missing = result.missing.sorted().first {
            throw AWSError(CloudWatch.Errors.dashboardNotFoundError, "Dashboard \(missing) does not exist")
        }
        for name in result.deleted {
            try await tags.removeAllTags(arn: Self.arn(ctx, name: name))
        }
        return CloudWatch.DeleteDashboardsOutput()
    }

    // MARK: Validation

    static func checkName(_ name: String, field: String, allowDot: Bool) throws {
        let ok = name.unicodeScalars.allSatisfy { c in
            (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "-" || c == "_" || (allowDot && c == ".")
        }
        guard ok else {
            let allowed = allowDot ? "alphanumerics, dot (.), dash (-) and underscore (_)" : "alphanumerics, dash (-) and underscore (_)"
            throw AWSError(CloudWatch.Errors.invalidParameterValueException,
                           "The value for field \(field) contains invalid characters. It can only contain \(allowed).\n")
        }
        if name.utf8.count > 255 {
            throw AWSError(CloudWatch.Errors.invalidParameterValueException,
                           "The value for field \(field) must be shorter than 256 characters.")
        }
        if name.isEmpty && !allowDot {
            throw AWSError(CloudWatch.Errors.missingRequiredParameterException, "The parameter \(field) is required.")
        }
    }

    /// The `InvalidParameterInput` error AWS answers for a body with problems.
    static func invalidBody(_ problems: [DashboardBodyValidator.Problem]) -> AWSError {
        var list = "[\n"
        for (i, p) in problems.enumerated() {
            var w = JSONWriter()
            w.string(p.dataPath)
            let path = String(decoding: w.bytes, as: UTF8.self)
            var m = JSONWriter()
            m.string(p.message)
            let message = String(decoding: m.bytes, as: UTF8.self)
            list += "  {\n    \"dataPath\": \(path),\n    \"message\": \(message)\n  }"
            list += i == problems.count - 1 ? "\n" : ",\n"
        }
        list += "]"
        let messages = WireValue.list(problems.map {
            .map(["DataPath": .string($0.dataPath), "Message": .string($0.message)])
        })
        return AWSError(CloudWatch.Errors.dashboardInvalidInputError,
                        "The dashboard body is invalid, there are \(problems.count) validation errors:\n\(list)",
                        fields: ["dashboardValidationMessages": messages])
    }
}
