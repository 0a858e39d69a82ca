public import AWSShapes
public import AWSWire
import Foundation
import Runtime
import S3Subset
import Storage
public import TrailwatchCore

/// Export tasks: a group's events in a time range, written as gzipped text into a bucket of
/// Trailwatch's S3 subset at AWS's layout, `<prefix>/<taskId>/<stream>/000000.gz`, one
/// `<ISO-8601 time> <message>` line per event. Tasks start PENDING and
/// run in the `logs.exports` job; a task a restart interrupted runs again from the start.
extension LogsService {
    static let exportTaskKind = "logs:exportTask"
    /// The parts of a task's request the runner needs that the task does not show.
    static let exportInputKind = "logs:exportTaskInput"
    /// Events per exported object.
    static let exportObjectEvents = 100_000

    func saveTask(_ task: CloudWatchLogs.ExportTask, _ scope: ResourceScope) async throws {
        var w = JSONWriter()
        w.value(task.wireValue)
        let now = clock.now()
        try await resources.put(ResourceRecord(kind: Self.exportTaskKind, scope: scope, name: task.taskId ?? "", body: w.bytes,
                                               createdAt: now, updatedAt: now), ifAbsent: false)
    }

    func loadTask(_ id: String, _ scope: ResourceScope) async throws -> CloudWatchLogs.ExportTask? {
        guard let r = try await resources.get(kind: Self.exportTaskKind, scope: scope, name: id) else { return nil }
        return try CloudWatchLogs.ExportTask(wire: try JSONReader.parse(r.body))
    }

    public func createExportTask(_ input: CloudWatchLogs.CreateExportTaskRequest, _ ctx: CallContext) async throws -> CloudWatchLogs.CreateExportTaskResponse {
        guard let objects else {
            throw AWSError(Errors.invalidOperationException, "Exports need Trailwatch's S3 subset, which this server was started without.")
        }
        let group = try await requireGroup(name: input.logGroupName, ctx)
        if input.to < input.from {
            throw AWSError(Errors.invalidParameterException, "Specified time range of 'from' and 'to' is not valid. 'from' must be before 'to'.")
        }
        guard let bucket = try await objects.bucket(input.destination) else {
            throw AWSError(Errors.invalidParameterException, "The given bucket does not exist. Please make sure the bucket is valid.")
        }
        // Another account's bucket: its policy would have to grant CloudWatch Logs, and bucket
        // policies come with [9].
        if bucket.accountId != ctx.identity.accountId {
            var denied = AWSError(Errors.invalidParameterException,
                                  "GetBucketAcl call on the given bucket failed. Please check if CloudWatch Logs has been granted permission to perform this operation.")
            denied.resourceOwner = bucket.accountId
            throw denied
        }
        let active = try await resources.list(kind: Self.exportTaskKind, scope: ctx.scope, prefix: nil, after: nil, limit: Int.max)
            .compactMap { try? CloudWatchLogs.ExportTask(wire: try JSONReader.parse($0.body)) }
            .filter { ["PENDING", "RUNNING"].contains($0.status?.code ?? "") }
        if !active.isEmpty {
            throw AWSError(Errors.limitExceededException, "Resource limit exceeded.")
        }
        let id = UUID().uuidString.lowercased()
        let task = CloudWatchLogs.ExportTask(
            taskId: id, taskName: input.taskName, logGroupName: group.name, from: input.from, to: input.to, destination: input.destination,
            destinationPrefix: input.destinationPrefix ?? "exportedlogs", status: CloudWatchLogs.ExportTaskStatus(code: "PENDING", message: "Pending."),
            executionInfo: CloudWatchLogs.ExportTaskExecutionInfo(creationTime: Int(nowMillis)))
        // What the runner needs besides the task, saved with it before the answer: a task
        // interrupted by a restart is run again from the start (its objects are overwritten).
        var extra = JSONWriter()
        extra.value(.map([
            "logStreamNamePrefix": input.logStreamNamePrefix.map { .string($0) } ?? .null,
            // The permission check object goes under the prefix given, or at the bucket's root.
            "writeTestKey": .string(input.destinationPrefix.map { "\($0)/aws-logs-write-test" } ?? "aws-logs-write-test"),
        ]))
        let now = clock.now()
        try await resources.put(ResourceRecord(kind: Self.exportInputKind, scope: ctx.scope, name: id, body: extra.bytes,
                                               createdAt: now, updatedAt: now), ifAbsent: false)
        try await saveTask(task, ctx.scope)
        exportWakeup.signal()
        return CloudWatchLogs.CreateExportTaskResponse(taskId: id)
    }

    /// Runs every PENDING or RUNNING task, oldest first (the `logs.exports` job). A task whose
    /// run fails — its group deleted, its bucket gone — is marked FAILED, so it never blocks
    /// the next export.
    func runExportTasks() async throws {
        guard let objects else { return }
        let unfinished = try await resources.all(kind: Self.exportTaskKind).compactMap { r -> (ResourceRecord, CloudWatchLogs.ExportTask)? in
            guard let t = try? CloudWatchLogs.ExportTask(wire: try JSONReader.parse(r.body)),
                  ["PENDING", "RUNNING"].contains(t.status?.code ?? "") else { return nil }
            return (r, t)
        }.sorted { ($0.1.executionInfo?.creationTime ?? 0) < ($1.1.executionInfo?.creationTime ?? 0) }
        for (record, task) in unfinished {
            guard let id = task.taskId else { continue }
            do {
                let extra = try await resources.get(kind: Self.exportInputKind, scope: record.scope, name: id)
                    .flatMap { try? JSONReader.parse($0.body) }
                guard let name = task.logGroupName, let group = try await store.group(scope: record.scope, name: name) else {
                    throw AWSError(Errors.resourceNotFoundException, "The specified log group does not exist.")
                }
                try await runExport(task, group: group, streamPrefix: extra?["logStreamNamePrefix"]?.stringValue,
                                    writeTestKey: extra?["writeTestKey"]?.stringValue ?? "aws-logs-write-test",
                                    objects: objects, scope: record.scope)
            } catch {
                var failed = task
                failed.status = CloudWatchLogs.ExportTaskStatus(code: "FAILED", message: (error as? AWSError)?.message ?? "\(error)")
                try await saveTask(failed, record.scope)
            }
        }
    }

    func runExport(_ task: CloudWatchLogs.ExportTask, group: LogGroupRecord, streamPrefix: String?, writeTestKey: String,
                   objects: any ObjectStore, scope: ResourceScope) async throws {
        guard let id = task.taskId, let bucket = task.destination else { return }
        // A task cancelled meanwhile never runs; a RUNNING one was interrupted and starts over.
        guard ["PENDING", "RUNNING"].contains(try await loadTask(id, scope)?.status?.code ?? "") else { return }
        var running = task
        running.status = CloudWatchLogs.ExportTaskStatus(code: "RUNNING", message: "Started.")
        try await saveTask(running, scope)
        let base = (task.destinationPrefix ?? "exportedlogs") + "/" + id
        // AWS checks it can write to the bucket first and leaves this object behind.
        try await writeObject(objects, bucket: bucket, key: writeTestKey,
                              body: Array("Permission Check Successful".utf8), gzip: false)
        for stream in try await store.streams(groupID: group.id) {
            if let streamPrefix, !stream.name.hasPrefix(streamPrefix) { continue }
            var after: LogPosition?
            var part = 0
            while true {
                let events = try await store.events(LogEventQuery(streamIDs: [stream.id], start: Int64(task.from ?? 0), end: Int64(task.to ?? 0),
                                                                  after: after, limit: Self.exportObjectEvents), now: nowMillis, filter: nil)
                if events.isEmpty { break }
                var text = ""
                for e in events {
                    text += Timestamps.iso8601(Date(timeIntervalSince1970: Double(e.timestamp) / 1000)) + " " + e.message + "\n"
                }
                try await writeObject(objects, bucket: bucket, key: "\(base)/\(stream.name)/\(String(format: "%06d", part)).gz",
                                      body: Array(text.utf8), gzip: true)
                part += 1
                after = events.last?.position
                if events.count < Self.exportObjectEvents { break }
            }
            if try await loadTask(id, scope)?.status?.code == "CANCELLED" { return }
        }
        if try await loadTask(id, scope)?.status?.code == "CANCELLED" { return }
        var done = running
        done.status = CloudWatchLogs.ExportTaskStatus(code: "COMPLETED", message: "Completed successfully")
        done.executionInfo?.completionTime = Int(nowMillis)
        try await saveTask(done, scope)
    }

    func writeObject(_ objects: any ObjectStore, bucket: String, key: String, body: [UInt8], gzip: Bool) async throws {
        let bytes = gzip ? Gzip.deflate(body) : body
        try await objects.putObject(ObjectRecord(bucket: bucket, key: key, size: bytes.count, etag: S3Service.etag(bytes),
                                                 contentType: gzip ? "application/octet-stream" : "text/plain", lastModified: clock.now()),
                                    body: bytes)
    }

    public func describeExportTasks(_ input: CloudWatchLogs.DescribeExportTasksRequest, _ ctx: CallContext) async throws -> CloudWatchLogs.DescribeExportTasksResponse {
        let limit = try Self.limit(input.limit, max: 50, default: 50)
        let after = try LogsPageToken.decode(input.nextToken, kind: "exportTasks")
        var tasks = try await resources.list(kind: Self.exportTaskKind, scope: ctx.scope, prefix: nil, after: after, limit: Int.max)
            .compactMap { try? CloudWatchLogs.ExportTask(wire: try JSONReader.parse($0.body)) }
        if let id = input.taskId { tasks = tasks.filter { $0.taskId == id } }
        if let code = input.statusCode { tasks = tasks.filter { $0.status?.code == code } }
        let page = Array(tasks.prefix(limit))
        return CloudWatchLogs.DescribeExportTasksResponse(
            exportTasks: page, nextToken: tasks.count > limit ? page.last?.taskId.map { LogsPageToken.encode($0, kind: "exportTasks") } : nil)
    }

    public func cancelExportTask(_ input: CloudWatchLogs.CancelExportTaskRequest, _ ctx: CallContext) async throws -> EmptyShape {
        guard var task = try await loadTask(input.taskId, ctx.scope) else {
            throw AWSError(Errors.resourceNotFoundException, "The specified export task does not exist.")
        }
        guard ["PENDING", "RUNNING"].contains(task.status?.code ?? "") else {
            throw AWSError(Errors.invalidOperationException, "The specified export task has already finished. It is not possible to cancel.")
        }
        task.status = CloudWatchLogs.ExportTaskStatus(code: "CANCELLED", message: "Cancelled by user")
        try await saveTask(task, ctx.scope)
        return EmptyShape()
    }
}
