public import AWSShapes
import Foundation
import LogsInsights
import Storage
import Synchronization
public import TrailwatchCore

/// Logs Insights queries: StartQuery parses the query (MalformedQueryException with AWS's
/// location), resolves the log groups, and starts a task that scans their events in the time
/// range through `InsightsRun`; GetQueryResults reads its status, statistics and rows (while
/// Running, the rows so far, refreshed once a second); StopQuery cancels it; DescribeQueries
/// lists them.
///
/// Queries live in memory, as AWS keeps them only for a while: a restart forgets them (a
/// query that was running answers ResourceNotFoundException after it and can be re-run).
final class LogsQueryRegistry: Sendable {
    struct Query {
        var id: String
        var scope: ResourceScope
        var queryString: String
        var logGroupName: String?
        var status: String
        var createTime: Int64
        var finishTime: Int64?
        var results: [[CloudWatchLogs.ResultField]] = []
        var recordsMatched = 0, recordsScanned = 0, bytesScanned = 0, logGroupsScanned = 0
        /// Events and bytes of blocks the store skipped (their trigram filters rule the query's terms out).
        var recordsSkipped: Int64 = 0, bytesSkipped: Int64 = 0
        var cancelled = false
    }

    let queries = Mutex<[String: Query]>([:])

    /// AWS's quota of concurrent queries per account.
    static let concurrent = 30
    /// A query that runs longer times out.
    static let timeoutMillis: Int64 = 60 * 60 * 1000

    func update(_ id: String, _ f: (inout Query) -> Void) {
        queries.withLock { all in if var q = all[id] { f(&q); all[id] = q } }
    }

    func get(_ id: String) -> Query? { queries.withLock { $0[id] } }
}

extension LogsService {
    static let queryLanguages: Set<String> = ["CWLI", "SQL", "PPL"]

    public func startQuery(_ input: CloudWatchLogs.StartQueryRequest, _ ctx: CallContext) async throws -> CloudWatchLogs.StartQueryResponse {
        if let language = input.queryLanguage, language != "CWLI" {
            throw AWSError(Errors.invalidParameterException, "Query language \(language) is not supported by Trailwatch; use CWLI (Logs Insights QL).")
        }
        let named = [input.logGroupName != nil, input.logGroupNames != nil, input.logGroupIdentifiers != nil].filter { $0 }.count
        if named > 1 {
            throw AWSError(Errors.invalidParameterException, "LogGroupName, LogGroupNames and LogGroupIdentifiers are mutually exclusive parameters.") // wording unverified
        }
        let names = input.logGroupNames ?? input.logGroupIdentifiers ?? input.logGroupName.map { [$0] } ?? []
        if names.count > 50 {
            throw AWSError(Errors.invalidParameterException, "Query can be run on a maximum of 50 log groups.") // wording unverified
        }
        if input.endTime < input.startTime {
            throw AWSError(Errors.invalidParameterException, "End time should not be before the start time.") // wording unverified
        }
        let limit = input.limit ?? 10_000
        if limit > 10_000 {
            throw AWSError(Errors.invalidParameterException, "Limit must be less than or equal to 10000.") // wording unverified
        }
        let compiled: InsightsRun
        do {
            compiled = try InsightsRun(input.queryString, limit: limit)
        } catch let e as InsightsError {
            // Without groups, only a query that means to name them (SOURCE …) is judged on its text.
            let sourced = input.queryString.drop { $0.isWhitespace }.prefix(6).lowercased() == "source"
            if named == 0, !sourced { throw Self.noGroups }
            throw Self.malformed(e)
        }
        var groups: [LogGroupRecord] = []
        switch (named, compiled.source) {
        case (0, nil):
            throw Self.noGroups
        case (0, let source?):
            // SOURCE: the caller's groups its keywords select (AWS refuses more than 10,000).
            groups = try await store.groups(scope: ctx.scope).filter {
                source.selects(name: $0.name, account: $0.scope.accountId, logClass: $0.logGroupClass)
            }.sorted { $0.name < $1.name }
            if groups.count > 10_000 {
                throw AWSError(Errors.invalidParameterException, "SOURCE selects \(groups.count) log groups, more than 10000: narrow it with namePrefix or class.") // wording unverified
            }
        case (_, .some):
            throw AWSError(Errors.invalidParameterException, "A query with a SOURCE command cannot also name logGroupName, logGroupNames or logGroupIdentifiers.") // wording unverified
        default:
            for name in names {
                do {
                    groups.append(try await requireGroup(name: name.hasPrefix("arn:") ? nil : name, identifier: name.hasPrefix("arn:") ? name : nil, ctx))
                } catch let e as AWSError where e.type == Errors.resourceNotFoundException {
                    throw AWSError(Errors.resourceNotFoundException, "Log group '\(name)' does not exist for account ID '\(ctx.scope.accountId)'") // wording unverified
                }
            }
        }
        // The lookup tables it joins, read once: a table updated while it runs does not change it.
        compiled.lookupTables = try await lookupTables(compiled.lookupTableNames, ctx.scope)
        let id = UUID().uuidString.lowercased()
        let now = nowMillis
        let started = queries.queries.withLock { all -> Bool in
            let running = all.values.filter { $0.scope.accountId == ctx.scope.accountId && ["Scheduled", "Running"].contains($0.status) }.count
            guard running < LogsQueryRegistry.concurrent else { return false }
            all[id] = LogsQueryRegistry.Query(id: id, scope: ctx.scope, queryString: input.queryString,
                                              logGroupName: names.first ?? groups.first?.name, status: "Scheduled", createTime: now)
            return true
        }
        guard started else {
            throw AWSError(Errors.limitExceededException, "Account maximum query concurrency limit of [\(LogsQueryRegistry.concurrent)] reached.") // wording unverified
        }
        let start = Int64(input.startTime) * 1000, end = Int64(input.endTime) * 1000 + 1000
        Task.detached { [self] in
            await self.run(id, compiled, groups: groups, start: start, end: end)
        }
        return CloudWatchLogs.StartQueryResponse(queryId: id)
    }

    /// StartQuery names no group and its query has no SOURCE.
    static let noGroups = AWSError(Errors.invalidParameterException,
                                   "One of logGroupName, logGroupNames or logGroupIdentifiers is required, or a SOURCE command in the query.") // wording unverified

    static func fields(_ rows: [[(field: String, value: String)]]) -> [[CloudWatchLogs.ResultField]] {
        rows.map { row in row.map { CloudWatchLogs.ResultField(field: $0.field, value: $0.value) } }
    }

    public func getQueryResults(_ input: CloudWatchLogs.GetQueryResultsRequest, _ ctx: CallContext) async throws -> CloudWatchLogs.GetQueryResultsResponse {
        guard let q = queries.get(input.queryId), q.scope == ctx.scope else {
            throw AWSError(Errors.resourceNotFoundException, "Query does not exist.") // wording unverified
        }
        return CloudWatchLogs.GetQueryResultsResponse(
            queryLanguage: "CWLI", results: q.results,
            statistics: CloudWatchLogs.QueryStatistics(recordsMatched: Double(q.recordsMatched), recordsScanned: Double(q.recordsScanned),
                                                       estimatedRecordsSkipped: Double(q.recordsSkipped), bytesScanned: Double(q.bytesScanned),
                                                       estimatedBytesSkipped: Double(q.bytesSkipped), logGroupsScanned: Double(q.logGroupsScanned)),
            status: q.status)
    }

    public func stopQuery(_ input: CloudWatchLogs.StopQueryRequest, _ ctx: CallContext) async throws -> CloudWatchLogs.StopQueryResponse {
        guard let q = queries.get(input.queryId), q.scope == ctx.scope else {
            throw AWSError(Errors.resourceNotFoundException, "Query does not exist.") // wording unverified
        }
        guard ["Scheduled", "Running"].contains(q.status) else {
            throw AWSError(Errors.invalidParameterException, "Query is not running.") // wording unverified
        }
        queries.update(input.queryId) { $0.cancelled = true; $0.status = "Cancelled"; $0.finishTime = self.nowMillis }
        return CloudWatchLogs.StopQueryResponse(success: true)
    }

    public func describeQueries(_ input: CloudWatchLogs.DescribeQueriesRequest, _ ctx: CallContext) async throws -> CloudWatchLogs.DescribeQueriesResponse {
        let limit = try Self.limit(input.maxResults, max: 1000, default: 1000)
        var all = queries.queries.withLock { Array($0.values) }.filter { q in
            q.scope == ctx.scope && (input.logGroupName.map { $0 == q.logGroupName } ?? true) && (input.status.map { $0 == q.status } ?? true)
        }
        all.sort { ($0.createTime, $0.id) > ($1.createTime, $1.id) }
        let (page, next) = try Self.offsetPage(all, token: input.nextToken, kind: "queries", limit: limit)
        return CloudWatchLogs.DescribeQueriesResponse(
            queries: page.map { q in
                CloudWatchLogs.QueryInfo(queryLanguage: "CWLI", queryId: q.id, queryString: q.queryString, status: q.status, createTime: Int(q.createTime),
                                         logGroupName: q.logGroupName, queryDuration: q.finishTime.map { Int($0 - q.createTime) },
                                         bytesScanned: Double(q.bytesScanned))
            },
            nextToken: next)
    }

    /// A page of `all` from the offset a NextToken of `kind` carries, and the next page's token.
    static func offsetPage<T>(_ all: [T], token: String?, kind: String, limit: Int) throws -> (page: ArraySlice<T>, next: String?) {
        var offset = 0
        if let token {
            guard let text = try LogsPageToken.decode(token, kind: kind), let n = Int(text), n >= 0 else { throw LogsPageToken.invalid }
            offset = n
        }
        let page = all.dropFirst(offset).prefix(limit)
        let end = offset + page.count
        return (page, end < all.count ? LogsPageToken.encode(String(end), kind: kind) : nil)
    }

    /// MalformedQueryException for a query that does not parse, with where it fails.
    static func malformed(_ e: InsightsError) -> AWSError {
        AWSError(Errors.malformedQueryException, e.message, fields: [
            "queryCompileError": .map([
                "location": .map(["startCharOffset": .int(Int64(e.start)), "endCharOffset": .int(Int64(e.end))]),
                "message": .string(e.message),
            ]),
        ])
    }

    public func getLogRecord(_ input: CloudWatchLogs.GetLogRecordRequest, _ ctx: CallContext) async throws -> CloudWatchLogs.GetLogRecordResponse {
        let invalid = AWSError(Errors.invalidParameterException, "The log record pointer is invalid.") // wording unverified
        guard let data = Data(base64Encoded: input.logRecordPointer), let text = String(data: data, encoding: .utf8) else { throw invalid }
        let parts = text.split(separator: ":").compactMap { Int64($0) }
        guard parts.count == 4 else { throw invalid }
        let groups = try await store.groups(scope: ctx.scope)
        guard let group = groups.first(where: { $0.id == parts[0] }),
              let stream = try await store.streams(groupID: group.id).first(where: { $0.id == parts[1] }) else {
            throw AWSError(Errors.resourceNotFoundException, "The specified log record does not exist.") // wording unverified
        }
        let seq = parts[3]
        let found = try await store.events(LogEventQuery(streamIDs: [stream.id], start: parts[2], end: parts[2] + 1, limit: 10_000),
                                           now: nowMillis, filter: { $0.seq == seq })
        guard let e = found.first else {
            throw AWSError(Errors.resourceNotFoundException, "The specified log record does not exist.") // wording unverified
        }
        var record = InsightsRun.fieldTexts(of: LogRecord(timestamp: e.timestamp, message: e.message, logStream: stream.name,
                                                          log: "\(ctx.scope.accountId):\(group.name)", ingestionTime: e.ingestionTime, ptr: input.logRecordPointer))
        record["@timestamp"] = String(e.timestamp)
        record["@ingestionTime"] = String(e.ingestionTime)
        record["@ptr"] = nil
        return CloudWatchLogs.GetLogRecordResponse(logRecord: record)
    }

    /// GetLogGroupFields: the fields of the group's events in the 15 minutes before `time`
    /// (default now), each with the percentage of events that have it.
    public func getLogGroupFields(_ input: CloudWatchLogs.GetLogGroupFieldsRequest, _ ctx: CallContext) async throws -> CloudWatchLogs.GetLogGroupFieldsResponse {
        let group = try await requireGroup(name: input.logGroupName, identifier: input.logGroupIdentifier, ctx)
        let end = input.time.map { Int64($0) * 1000 + 1000 } ?? nowMillis + 1
        let streams = try await store.streams(groupID: group.id)
        let events = try await store.events(LogEventQuery(streamIDs: streams.map(\.id), start: end - 15 * 60_000, end: end, limit: 10_000),
                                            now: nowMillis, filter: nil)
        var counts: [String: Int] = [:]
        for e in events {
            for name in InsightsRun.fieldTexts(of: LogRecord(timestamp: e.timestamp, message: e.message, logStream: "", log: "",
                                                              ingestionTime: e.ingestionTime, ptr: "")).keys where name != "@ptr" {
                counts[name, default: 0] += 1
            }
        }
        let fields = counts.sorted { $0.key < $1.key }.map { name, n in
            CloudWatchLogs.LogGroupField(name: name, percent: events.isEmpty ? 0 : Int((Double(n) * 100 / Double(events.count)).rounded()))
        }
        return CloudWatchLogs.GetLogGroupFieldsResponse(logGroupFields: fields)
    }
}
