public import AWSShapes
import Foundation
import LogsInsights
import Storage
public import TrailwatchCore

/// Saved Logs Insights queries: Put/Describe/DeleteQueryDefinition. Each is the resource
/// `logs:query-definition` named by its id; the query must parse, as the console's saved
/// queries must.
extension LogsService {
    static let queryDefinitionKind = "logs:query-definition"

    struct QueryDefinitionRecord: Codable {
        var id: String
        var name: String
        var queryString: String
        var logGroupNames: [String]?
        var lastModified: Int64

        var shape: CloudWatchLogs.QueryDefinition {
            CloudWatchLogs.QueryDefinition(queryLanguage: "CWLI", queryDefinitionId: id, name: name, queryString: queryString,
                                           lastModified: Int(lastModified), logGroupNames: logGroupNames)
        }
    }

    public func putQueryDefinition(_ input: CloudWatchLogs.PutQueryDefinitionRequest, _ ctx: CallContext) async throws -> CloudWatchLogs.PutQueryDefinitionResponse {
        if let language = input.queryLanguage, language != "CWLI" {
            throw AWSError(Errors.invalidParameterException, "Query language \(language) is not supported by Trailwatch; use CWLI (Logs Insights QL).")
        }
        do {
            _ = try LogsInsightsQuery.parse(input.queryString)
        } catch let e as InsightsError {
            throw Self.malformed(e)
        }
        let id: String
        if let given = input.queryDefinitionId {
            guard try await resources.get(kind: Self.queryDefinitionKind, scope: ctx.scope, name: given) != nil else {
                throw AWSError(Errors.resourceNotFoundException, "The specified query definition does not exist.") // wording unverified
            }
            id = given
        } else {
            id = UUID().uuidString.lowercased()
        }
        let record = QueryDefinitionRecord(id: id, name: input.name, queryString: input.queryString, logGroupNames: input.logGroupNames,
                                           lastModified: nowMillis)
        let now = Date(timeIntervalSince1970: Double(nowMillis) / 1000)
        _ = try await resources.put(ResourceRecord(kind: Self.queryDefinitionKind, scope: ctx.scope, name: id,
                                                   body: Array(try JSONEncoder().encode(record)), createdAt: now, updatedAt: now), ifAbsent: false)
        return CloudWatchLogs.PutQueryDefinitionResponse(queryDefinitionId: id)
    }

    public func describeQueryDefinitions(_ input: CloudWatchLogs.DescribeQueryDefinitionsRequest, _ ctx: CallContext) async throws -> CloudWatchLogs.DescribeQueryDefinitionsResponse {
        let limit = try Self.limit(input.maxResults, max: 1000, default: 1000)
        var all = try await resources.everything(kind: Self.queryDefinitionKind, scope: ctx.scope)
            .map { try JSONDecoder().decode(QueryDefinitionRecord.self, from: Data($0.body)) }
            .filter { input.queryDefinitionNamePrefix.map($0.name.hasPrefix) ?? true }
        all.sort { ($0.name, $0.id) < ($1.name, $1.id) }
        let (page, next) = try Self.offsetPage(all, token: input.nextToken, kind: "query-definitions", limit: limit)
        return CloudWatchLogs.DescribeQueryDefinitionsResponse(queryDefinitions: page.map(\.shape), nextToken: next)
    }

    public func deleteQueryDefinition(_ input: CloudWatchLogs.DeleteQueryDefinitionRequest, _ ctx: CallContext) async throws -> CloudWatchLogs.DeleteQueryDefinitionResponse {
        let result = try await resources.delete(kind: Self.queryDefinitionKind, scope: ctx.scope, names: [input.queryDefinitionId], allOrNothing: false)
        guard !result.deleted.isEmpty else {
            throw AWSError(Errors.resourceNotFoundException, "The specified query definition does not exist.") // wording unverified
        }
        return CloudWatchLogs.DeleteQueryDefinitionResponse(success: true)
    }
}
