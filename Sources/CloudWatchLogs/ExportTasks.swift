public import AWSShapes
public import AWSWire
import Foundation
import S3Subset
import Storage
public import TrailwatchCore

/// Export tasks: a group's events in a time range, written as gzipped text into a bucket of
/// Trailwatch's S3 subset at AWS's layout, `<prefix>/<taskId>/<stream>/000000.gz`, one
/// `<ISO-8601 time> <message>` line per event. Tasks start PENDING and run in the background.
extension LogsService {
    static let exportTaskKind = "logs:exportTask"
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
        try await saveTask(task, ctx.scope)
        let scope = ctx.scope
        let prefix = input.logStreamNamePrefix
        // The permission check object goes under the prefix given, or at the bucket's root.
        let writeTestKey = input.destinationPrefix.map { "\($0)/aws-logs-write-test" } ?? "aws-logs-write-test"
        Task { [self] in
            do {
                try await runExport(task, group: group, streamPrefix: prefix, writeTestKey: writeTestKey, objects: objects, scope: scope)
            } catch {
                var failed = task
                failed.status = CloudWatchLogs.ExportTaskStatus(code: "FAILED", message: "\(error)")
                try? await saveTask(failed, scope)
            }
        }
        return CloudWatchLogs.CreateExportTaskResponse(taskId: id)
    }

    func runExport(_ task: CloudWatchLogs.ExportTask, group: LogGroupRecord, streamPrefix: String?, writeTestKey: String,
                   objects: any ObjectStore, scope: ResourceScope) async throws {
        guard let id = task.taskId, let bucket = task.destination else { return }
        // A task cancelled while pending never runs.
        guard try await loadTask(id, scope)?.status?.code == "PENDING" else { return }
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
