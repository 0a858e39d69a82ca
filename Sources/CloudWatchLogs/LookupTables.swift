public import AWSShapes
public import AWSWire
import Foundation
import LogsInsights
import Storage
public import TrailwatchCore

/// Lookup tables: CSV reference data that Logs Insights' `lookup` command joins to query rows.
/// Create/Get/Describe/Update/DeleteLookupTable; each is the resource `logs:lookup-table` named
/// by its name, its ARN `arn:aws:logs:<region>:<account>:lookup-table:<name>`. A body must
/// parse as CSV with a header row, so a query never meets a table it cannot read.
extension LogsService {
    static let lookupTableKind = "logs:lookup-table"
    /// AWS's quota of lookup tables per account and Region.
    static let maxLookupTables = 100

    struct LookupTableRecord: Codable {
        var name: String
        var description: String?
        var body: String
        var kmsKeyId: String?
        var columns: [String]
        var records: Int
        var createdAt: Int64
        var lastUpdated: Int64

        func arn(_ scope: ResourceScope) -> String { LogsService.lookupTableArn(scope, name) }
    }

    static func lookupTableArn(_ scope: ResourceScope, _ name: String) -> String {
        scope.arn("logs", "lookup-table:\(name)")
    }

    /// Checks a table body parses, answering its shape.
    static func parsedTable(_ body: String) throws -> LookupTable {
        do {
            return try LookupTable(csv: body)
        } catch let e as LookupTable.Invalid {
            throw AWSError(Errors.invalidParameterException, e.message) // wording unverified
        }
    }

    static func checkTableName(_ name: String) throws {
        guard (1...256).contains(name.count), name.unicodeScalars.allSatisfy({ $0 == "_" || ($0.isASCII && $0.properties.isAlphabetic) || ("0"..."9").contains($0) }) else {
            throw AWSError(Errors.invalidParameterException,
                           "1 validation error detected: Value '\(name)' at 'lookupTableName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9_]+$") // wording unverified
        }
    }

    /// The table an ARN names in the caller's account and region (or nil).
    func lookupTable(arn: String, _ ctx: CallContext) async throws -> (ResourceRecord, LookupTableRecord)? {
        let prefix = Self.lookupTableArn(ctx.scope, "")
        guard arn.hasPrefix(prefix) else {
            if arn.hasPrefix("arn:") { return nil }
            throw AWSError(Errors.invalidParameterException, "Invalid lookup table ARN: \(arn)") // wording unverified
        }
        return try await lookupTable(name: String(arn.dropFirst(prefix.count)), ctx.scope)
    }

    func lookupTable(name: String, _ scope: ResourceScope) async throws -> (ResourceRecord, LookupTableRecord)? {
        guard let r = try await resources.get(kind: Self.lookupTableKind, scope: scope, name: name) else { return nil }
        return (r, try JSONDecoder().decode(LookupTableRecord.self, from: Data(r.body)))
    }

    static let noLookupTable = AWSError(Errors.resourceNotFoundException, "The specified lookup table does not exist.") // wording unverified

    public func createLookupTable(_ input: CloudWatchLogs.CreateLookupTableRequest, _ ctx: CallContext) async throws -> CloudWatchLogs.CreateLookupTableResponse {
        try Self.checkTableName(input.lookupTableName)
        let table = try Self.parsedTable(input.tableBody)
        if let tags = input.tags, tags.count > Self.maxTags {
            throw AWSError(Errors.invalidParameterException, "A resource can have no more than \(Self.maxTags) tags.") // wording unverified
        }
        if try await resources.everything(kind: Self.lookupTableKind, scope: ctx.scope).count >= Self.maxLookupTables {
            throw AWSError(Errors.limitExceededException, "An account can have at most \(Self.maxLookupTables) lookup tables in a Region.") // wording unverified
        }
        let now = nowMillis
        let record = LookupTableRecord(name: input.lookupTableName, description: input.description, body: input.tableBody,
                                       kmsKeyId: input.kmsKeyId, columns: table.columns, records: table.records.count,
                                       createdAt: now, lastUpdated: now)
        let at = Date(timeIntervalSince1970: Double(now) / 1000)
        let created = try await resources.put(ResourceRecord(kind: Self.lookupTableKind, scope: ctx.scope, name: record.name,
                                                             body: Array(try JSONEncoder().encode(record)), createdAt: at, updatedAt: at),
                                              ifAbsent: true)
        guard created else {
            throw AWSError(Errors.resourceAlreadyExistsException, "A lookup table named \(record.name) already exists.") // wording unverified
        }
        if let tags = input.tags, !tags.isEmpty { try await addTags(record.arn(ctx.scope), tags) }
        return CloudWatchLogs.CreateLookupTableResponse(lookupTableArn: record.arn(ctx.scope), createdAt: Int(now))
    }

    public func getLookupTable(_ input: CloudWatchLogs.GetLookupTableRequest, _ ctx: CallContext) async throws -> CloudWatchLogs.GetLookupTableResponse {
        guard let (_, t) = try await lookupTable(arn: input.lookupTableArn, ctx) else { throw Self.noLookupTable }
        return CloudWatchLogs.GetLookupTableResponse(lookupTableArn: t.arn(ctx.scope), lookupTableName: t.name, description: t.description,
                                                     tableBody: t.body, sizeBytes: t.body.utf8.count, lastUpdatedTime: Int(t.lastUpdated),
                                                     kmsKeyId: t.kmsKeyId)
    }

    public func describeLookupTables(_ input: CloudWatchLogs.DescribeLookupTablesRequest, _ ctx: CallContext) async throws -> CloudWatchLogs.DescribeLookupTablesResponse {
        let limit = try Self.limit(input.maxResults, max: 100, default: 50)
        if let prefix = input.lookupTableNamePrefix { try Self.checkTableName(prefix) }
        let all = try await resources.everything(kind: Self.lookupTableKind, scope: ctx.scope)
            .map { try JSONDecoder().decode(LookupTableRecord.self, from: Data($0.body)) }
            .filter { input.lookupTableNamePrefix.map($0.name.hasPrefix) ?? true }
            .sorted { $0.name < $1.name }
        let (page, next) = try Self.offsetPage(all, token: input.nextToken, kind: "lookup-tables", limit: limit)
        return CloudWatchLogs.DescribeLookupTablesResponse(lookupTables: page.map { t in
            CloudWatchLogs.LookupTable(lookupTableArn: t.arn(ctx.scope), lookupTableName: t.name, description: t.description,
                                       tableFields: t.columns, recordsCount: t.records, sizeBytes: t.body.utf8.count,
                                       lastUpdatedTime: Int(t.lastUpdated), kmsKeyId: t.kmsKeyId)
        }, nextToken: next)
    }

    public func updateLookupTable(_ input: CloudWatchLogs.UpdateLookupTableRequest, _ ctx: CallContext) async throws -> CloudWatchLogs.UpdateLookupTableResponse {
        guard let (resource, old) = try await lookupTable(arn: input.lookupTableArn, ctx) else { throw Self.noLookupTable }
        let table = try Self.parsedTable(input.tableBody)
        var record = old
        record.body = input.tableBody
        record.columns = table.columns
        record.records = table.records.count
        if let d = input.description { record.description = d }
        if let k = input.kmsKeyId { record.kmsKeyId = k }
        record.lastUpdated = max(nowMillis, old.lastUpdated)
        var updated = resource
        updated.body = Array(try JSONEncoder().encode(record))
        updated.updatedAt = Date(timeIntervalSince1970: Double(record.lastUpdated) / 1000)
        _ = try await resources.put(updated, ifAbsent: false)
        return CloudWatchLogs.UpdateLookupTableResponse(lookupTableArn: record.arn(ctx.scope), lastUpdatedTime: Int(record.lastUpdated))
    }

    public func deleteLookupTable(_ input: CloudWatchLogs.DeleteLookupTableRequest, _ ctx: CallContext) async throws -> EmptyShape {
        guard let (_, t) = try await lookupTable(arn: input.lookupTableArn, ctx) else { throw Self.noLookupTable }
        _ = try await resources.delete(kind: Self.lookupTableKind, scope: ctx.scope, names: [t.name], allOrNothing: false)
        try await tags.removeAllTags(arn: t.arn(ctx.scope))
        return EmptyShape()
    }

    /// The tables a query's `lookup` commands name, parsed (ResourceNotFoundException for one
    /// that does not exist).
    func lookupTables(_ names: Set<String>, _ scope: ResourceScope) async throws -> [String: LookupTable] {
        var out: [String: LookupTable] = [:]
        for name in names {
            guard let (_, t) = try await lookupTable(name: name, scope) else {
                throw AWSError(Errors.resourceNotFoundException, "Lookup table '\(name)' does not exist.") // wording unverified
            }
            out[name] = try Self.parsedTable(t.body)
        }
        return out
    }
}
