import AWSShapes
import CloudTrail
import CloudWatchLogs
import Foundation
import Logging
import Runtime
import Server
import SNSSubset
import Storage
import StorageSQLite
import Synchronization
import Testing
import TrailwatchCore

/// Every service job driven by the manual clock: nothing here sleeps. A job is run the way the
/// runner runs it (`runOnce`), after moving the clock.
struct JobBench {
    let clock = ManualClock(Date(timeIntervalSince1970: 1_790_000_000))
    let backend: SQLiteBackend
    let services: Services
    let recorder: TrailRecorder
    let runner: JobRunner
    let posted = Posts()

    final class Posts: Sendable {
        let calls = Mutex<[(url: String, type: String, body: String)]>([])
        /// Statuses to answer, in order; 200 once they run out.
        let statuses = Mutex<[Int?]>([])

        func post(_ url: URL, _ headers: [(String, String)], _ body: [UInt8]) -> Int? {
            let type = headers.first { $0.0 == "x-amz-sns-message-type" }?.1 ?? ""
            calls.withLock { $0.append((url.absoluteString, type, String(decoding: body, as: UTF8.self))) }
            return statuses.withLock { $0.isEmpty ? 200 : $0.removeFirst() }
        }

        var count: Int { calls.withLock { $0.count } }
    }

    init() throws {
        backend = try SQLiteBackend(location: .memory, clock: clock)
        recorder = TrailRecorder(store: backend.trailEvents)
        let posts = posted
        services = Services(backend: backend, recorder: recorder, clock: clock, digestInterval: 3600,
                            poster: { url, headers, body in posts.post(url, headers, body) })
        runner = JobRunner(jobs: services.jobs(deliveryInterval: 300) + backend.jobs, clock: clock, lease: backend.lease,
                           node: "test", logger: Logger(label: "test"))
    }

    var ctx: CallContext {
        CallContext(requestID: "r", identity: .root(accountId: "000000000000", accessKeyId: "test"), region: "us-east-1", receivedAt: clock.now())
    }

    var nowMillis: Int { Int(clock.now().timeIntervalSince1970 * 1000) }

    /// Runs the job named `name` once, as the runner would.
    func run(_ name: String) async throws {
        let job = try #require(runner.jobs.first { $0.name == name }, "no job \(name)")
        #expect(await runner.runOnce(job))
    }
}

@Suite("Jobs on the manual clock")
struct ServiceJobTests {
    @Test("logs.retention deletes events once their group's retention has passed, by the clock")
    func retention() async throws {
        let b = try JobBench()
        let logs = b.services.logs
        _ = try await logs.createLogGroup(.init(logGroupName: "g"), b.ctx)
        _ = try await logs.createLogStream(.init(logGroupName: "g", logStreamName: "s"), b.ctx)
        _ = try await logs.putRetentionPolicy(.init(logGroupName: "g", retentionInDays: 1), b.ctx)
        _ = try await logs.putLogEvents(.init(logGroupName: "g", logStreamName: "s", logEvents: [.init(timestamp: b.nowMillis, message: "old")]), b.ctx)
        try await b.run("logs.retention")
        #expect(try await b.backend.logStore.storageStats()["logEvents"] == 1)
        b.clock.advance(by: 2 * 86400)
        try await b.run("logs.retention")
        #expect(try await b.backend.logStore.storageStats()["logEvents"] == 0)
    }

    @Test("logs.exports runs a created task to COMPLETED and writes AWS's layout")
    func export() async throws {
        let b = try JobBench()
        let logs = b.services.logs
        _ = try await b.backend.objectStore.createBucket(BucketRecord(name: "bkt", accountId: "000000000000", region: "us-east-1", createdAt: b.clock.now()))
        _ = try await logs.createLogGroup(.init(logGroupName: "g"), b.ctx)
        _ = try await logs.createLogStream(.init(logGroupName: "g", logStreamName: "s"), b.ctx)
        _ = try await logs.putLogEvents(.init(logGroupName: "g", logStreamName: "s",
                                              logEvents: (0..<3).map { .init(timestamp: b.nowMillis - 1000 + $0, message: "m\($0)") }), b.ctx)
        let id = try await logs.createExportTask(.init(logGroupName: "g", from: 0, to: b.nowMillis + 1, destination: "bkt", destinationPrefix: "p"), b.ctx).taskId
        #expect(try await logs.describeExportTasks(.init(taskId: id), b.ctx).exportTasks?.first?.status?.code == "PENDING")
        try await b.run("logs.exports")
        #expect(try await logs.describeExportTasks(.init(taskId: id), b.ctx).exportTasks?.first?.status?.code == "COMPLETED")
        let (_, body) = try #require(try await b.backend.objectStore.object(bucket: "bkt", key: "p/\(id!)/s/000000.gz"))
        let text = String(decoding: try Gzip.inflate(body, limit: 1 << 20), as: UTF8.self)
        #expect(text.split(separator: "\n").map { $0.split(separator: " ").last.map(String.init) } == ["m0", "m1", "m2"])
        // A task whose group is gone is FAILED, not left PENDING.
        let other = try await logs.createExportTask(.init(logGroupName: "g", from: 0, to: b.nowMillis + 1, destination: "bkt"), b.ctx).taskId
        _ = try await logs.deleteLogGroup(.init(logGroupName: "g"), b.ctx)
        try await b.run("logs.exports")
        #expect(try await logs.describeExportTasks(.init(taskId: other), b.ctx).exportTasks?.first?.status?.code == "FAILED")
    }

    @Test("sns.delivery retries a failing endpoint 3 times, 20 s apart, then gives up")
    func snsRetries() async throws {
        let b = try JobBench()
        let sns = b.services.sns
        let arn = try #require(try await sns.createTopic(.init(name: "t"), b.ctx).topicArn)
        _ = try await sns.subscribe(.init(topicArn: arn, protocol: "http", endpoint: "http://127.0.0.1:9/hook"), b.ctx)
        // Subscribe owes the confirmation; the job delivers it.
        try await b.run("sns.delivery")
        let confirmation = try #require(b.posted.calls.withLock { $0.first })
        #expect(confirmation.type == "SubscriptionConfirmation")
        let token = try #require(try JSONReader.parse(Array(confirmation.body.utf8))["Token"]?.stringValue)
        _ = try await sns.confirmSubscription(.init(topicArn: arn, token: token), b.ctx)

        b.posted.statuses.withLock { $0 = [500, nil, 503, 500, 500] }
        _ = try await sns.publish(.init(topicArn: arn, message: "hello"), b.ctx)
        try await b.run("sns.delivery")
        #expect(b.posted.count == 2)
        // Not before 20 seconds of the clock.
        b.clock.advance(by: 19)
        try await b.run("sns.delivery")
        #expect(b.posted.count == 2)
        for attempt in 3...4 {
            b.clock.advance(by: 20)
            try await b.run("sns.delivery")
            #expect(b.posted.count == attempt)
        }
        b.clock.advance(by: 20)
        try await b.run("sns.delivery")
        #expect(b.posted.count == 5)
        // Three retries spent: the message is dropped.
        b.clock.advance(by: 60)
        try await b.run("sns.delivery")
        #expect(b.posted.count == 5)
        #expect(b.posted.calls.withLock { $0.dropFirst().allSatisfy { $0.type == "Notification" && $0.body.contains("hello") } })

        // A delivery that succeeds on a retry is not sent again.
        b.posted.statuses.withLock { $0 = [500] }
        _ = try await sns.publish(.init(topicArn: arn, message: "again"), b.ctx)
        try await b.run("sns.delivery")
        b.clock.advance(by: 20)
        try await b.run("sns.delivery")
        b.clock.advance(by: 60)
        try await b.run("sns.delivery")
        #expect(b.posted.count == 7)
    }

    @Test("cloudtrail.delivery writes log files on its period and a digest each digest interval")
    func trailDelivery() async throws {
        let b = try JobBench()
        _ = try await b.backend.objectStore.createBucket(BucketRecord(name: "trail-bkt", accountId: "000000000000", region: "us-east-1", createdAt: b.clock.now()))
        _ = try await b.services.trails.createTrail(.init(name: "trail1", s3BucketName: "trail-bkt", enableLogFileValidation: true), b.ctx)
        _ = try await b.services.trails.startLogging(.init(name: "trail1"), b.ctx)
        try await b.recorder.record([APICall(service: "monitoring", operation: "PutDashboard", region: "us-east-1", identity: b.ctx.identity,
                                             accessKeyId: "test", accountId: "000000000000", sourceIP: "127.0.0.1", userAgent: "t",
                                             requestID: "r1", time: b.clock.now(), requestParameters: nil, responseElements: nil,
                                             errorCode: nil, errorMessage: nil, tls: nil)])
        func keys(_ part: String) async throws -> [String] {
            try await b.backend.objectStore.listObjects(bucket: "trail-bkt", prefix: "", after: nil, limit: 1000).map(\.key).filter { $0.contains(part) }
        }
        b.clock.advance(by: 300)
        try await b.run("cloudtrail.delivery")
        #expect(try await keys("/CloudTrail/").count == 1)
        #expect(try await keys("CloudTrail-Digest").isEmpty)
        b.clock.advance(by: 3600)
        try await b.run("cloudtrail.delivery")
        #expect(try await keys("CloudTrail-Digest").count == 1)
    }

    @Test("a delivery that fails keeps its events for the next one (it used to skip them)")
    func failedDeliveryKeepsEvents() async throws {
        let b = try JobBench()
        let objects = b.backend.objectStore
        _ = try await objects.createBucket(BucketRecord(name: "trail-bkt", accountId: "000000000000", region: "us-east-1", createdAt: b.clock.now()))
        _ = try await b.services.trails.createTrail(.init(name: "trail1", s3BucketName: "trail-bkt"), b.ctx)
        _ = try await b.services.trails.startLogging(.init(name: "trail1"), b.ctx)
        try await b.recorder.record([APICall(service: "monitoring", operation: "PutDashboard", region: "us-east-1", identity: b.ctx.identity,
                                             accessKeyId: "test", accountId: "000000000000", sourceIP: "127.0.0.1", userAgent: "t",
                                             requestID: "kept", time: b.clock.now(), requestParameters: nil, responseElements: nil,
                                             errorCode: nil, errorMessage: nil, tls: nil)])
        // The bucket disappears: the delivery fails.
        _ = try await objects.deleteBucket("trail-bkt")
        b.clock.advance(by: 300)
        try await b.run("cloudtrail.delivery")
        _ = try await objects.createBucket(BucketRecord(name: "trail-bkt", accountId: "000000000000", region: "us-east-1", createdAt: b.clock.now()))
        b.clock.advance(by: 300)
        try await b.run("cloudtrail.delivery")
        var delivered = ""
        for o in try await objects.listObjects(bucket: "trail-bkt", prefix: "", after: nil, limit: 100) where o.key.contains("/CloudTrail/") {
            let (_, body) = try #require(try await objects.object(bucket: "trail-bkt", key: o.key))
            delivered += String(decoding: try Gzip.inflate(body, limit: 1 << 20), as: UTF8.self)
        }
        #expect(delivered.contains(#""requestID":"kept""#))
    }

    @Test("cloudtrail.recorder writes read-only calls within its period; management changes are written at once")
    func recorderFlush() async throws {
        let b = try JobBench()
        func call(_ op: String) -> APICall {
            APICall(service: "monitoring", operation: op, region: "us-east-1", identity: b.ctx.identity, accessKeyId: "test",
                    accountId: "000000000000", sourceIP: "127.0.0.1", userAgent: "t", requestID: op, time: b.clock.now(),
                    requestParameters: nil, responseElements: nil, errorCode: nil, errorMessage: nil, tls: nil)
        }
        func names() async throws -> [String] {
            try await b.backend.trailEvents.events(accountId: "000000000000", after: 0, limit: 100).map(\.eventName)
        }
        try await b.recorder.record([call("PutDashboard"), call("ListDashboards")])
        #expect(try await names() == ["PutDashboard"])
        try await b.run("cloudtrail.recorder")
        #expect(try await names() == ["PutDashboard", "ListDashboards"])
    }
}
