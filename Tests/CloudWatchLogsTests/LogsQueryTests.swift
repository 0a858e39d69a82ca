import AWSShapes
@testable import CloudWatchLogs
import Foundation
import Storage
import StorageSQLite
import Testing
import TrailwatchCore

/// Logs Insights queries through LogsService: a query stopped mid-scan stays Cancelled with
/// no rows, and a finished one answers its rows.
@Suite("Logs Insights queries")
struct LogsQueryTests {
    let clock = ManualClock(Date(timeIntervalSince1970: 1_796_119_200))
    var ctx: CallContext {
        CallContext(requestID: "r", identity: .root(accountId: "123456789012", accessKeyId: "k"), region: "us-east-1", receivedAt: clock.now())
    }

    func service(events: Int) async throws -> LogsService {
        let backend = try SQLiteBackend(location: .memory, clock: clock)
        let logs = LogsService(store: backend.logStore, resources: backend.resources, tags: backend.tags, objects: nil, clock: clock)
        _ = try await logs.createLogGroup(CloudWatchLogs.CreateLogGroupRequest(logGroupName: "app"), ctx)
        _ = try await logs.createLogStream(CloudWatchLogs.CreateLogStreamRequest(logGroupName: "app", logStreamName: "s"), ctx)
        let base = Int(clock.now().timeIntervalSince1970) * 1000 - 3_600_000
        for chunk in stride(from: 0, to: events, by: 5_000) {
            let batch = (chunk..<min(events, chunk + 5_000)).map { i in
                CloudWatchLogs.InputLogEvent(timestamp: base + i / 10, message: "request \(i) took \(i % 100) ms")
            }
            _ = try await logs.putLogEvents(CloudWatchLogs.PutLogEventsRequest(logGroupName: "app", logStreamName: "s", logEvents: batch), ctx)
        }
        return logs
    }

    func wait(_ logs: LogsService, _ id: String) async throws -> CloudWatchLogs.GetQueryResultsResponse {
        for _ in 0..<500 {
            let out = try await logs.getQueryResults(CloudWatchLogs.GetQueryResultsRequest(queryId: id), ctx)
            if !["Scheduled", "Running"].contains(out.status ?? "") { return out }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        Issue.record("query \(id) did not finish")
        return CloudWatchLogs.GetQueryResultsResponse()
    }

    func start(_ logs: LogsService, _ query: String) async throws -> String {
        let now = Int(clock.now().timeIntervalSince1970)
        return try await logs.startQuery(CloudWatchLogs.StartQueryRequest(logGroupName: "app", startTime: now - 7200, endTime: now,
                                                                          queryString: query), ctx).queryId!
    }

    @Test("a query stopped while it scans is Cancelled, keeps no rows, and cannot be stopped twice")
    func cancelled() async throws {
        let logs = try await service(events: 60_000)
        let id = try await start(logs, "stats count(*) as n by bin(1m)")
        let stopped = try await logs.stopQuery(CloudWatchLogs.StopQueryRequest(queryId: id), ctx)
        #expect(stopped.success == true)
        let out = try await wait(logs, id)
        try await Task.sleep(nanoseconds: 200_000_000)
        let later = try await logs.getQueryResults(CloudWatchLogs.GetQueryResultsRequest(queryId: id), ctx)
        #expect(out.status == "Cancelled" && later.status == "Cancelled")
        #expect(later.results?.isEmpty ?? true)
        await #expect(throws: AWSError.self) { try await logs.stopQuery(CloudWatchLogs.StopQueryRequest(queryId: id), ctx) }
    }

    @Test("a finished query answers its rows and statistics")
    func complete() async throws {
        let logs = try await service(events: 12_000)
        let id = try await start(logs, "parse @message 'took * ms' as ms | filter ms >= 90 | stats count(*) as slow")
        let out = try await wait(logs, id)
        #expect(out.status == "Complete")
        #expect(out.results?.first?.first?.value == "1200")
        #expect(out.statistics?.recordsScanned == 12_000 && out.statistics?.recordsMatched == 1_200)
    }
}
