public import AWSShapes
public import Foundation
public import Storage
import TrailwatchCore

/// A stored Contributor Insights rule (resource kind `cloudwatch:insight-rule`): its
/// definition as the caller wrote it, its state, and the ingestion-time windows in which it
/// was enabled.
///
/// A rule analyses log events as they arrive, as AWS's does: an event counts for a rule only
/// when it was ingested while the rule was enabled (an event stored before the rule existed,
/// or while it was disabled, never reaches it). Reports are computed from the stored events
/// of those windows, so they are exact rather than AWS's approximations.
public struct InsightRuleRecord: Codable, Sendable, Equatable {
    /// The resource kind (CloudWatchTagging in CloudWatchMetrics names it too, for tag ARNs).
    public static let kind = "cloudwatch:insight-rule"
    /// What DescribeInsightRules answers as the schema of every rule.
    static let schema = "CloudWatchLogRule/1"

    /// Epoch milliseconds of ingestion: `from` inclusive, `to` exclusive (nil while enabled).
    public struct Window: Codable, Sendable, Equatable {
        public var from: Int64
        public var to: Int64?
    }

    public var name: String
    public var definition: String
    public var applyOnTransformedLogs: Bool?
    public var windows: [Window]

    public var isEnabled: Bool { windows.last.map { $0.to == nil } ?? false }
    var state: String { isEnabled ? "ENABLED" : "DISABLED" }

    /// Whether an event ingested at `millis` reached the rule.
    func counts(ingestedAt millis: Int64) -> Bool {
        windows.contains { millis >= $0.from && $0.to.map { millis < $0 } ?? true }
    }

    /// Opens a window at `now` (enabling an enabled rule changes nothing).
    mutating func enable(now: Int64) {
        if !isEnabled { windows.append(Window(from: now, to: nil)) }
    }

    /// Closes the open window at `now`.
    mutating func disable(now: Int64) {
        if isEnabled { windows[windows.count - 1].to = now }
    }

    func resource(scope: ResourceScope, createdAt: Date, now: Date) throws -> ResourceRecord {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return ResourceRecord(kind: Self.kind, scope: scope, name: name, body: Array(try encoder.encode(self)), createdAt: createdAt, updatedAt: now)
    }

    init(name: String, definition: String, applyOnTransformedLogs: Bool?, windows: [Window]) {
        self.name = name
        self.definition = definition
        self.applyOnTransformedLogs = applyOnTransformedLogs
        self.windows = windows
    }

    public init(_ resource: ResourceRecord) throws {
        self = try JSONDecoder().decode(Self.self, from: Data(resource.body))
    }

    var shape: CloudWatch.InsightRule {
        CloudWatch.InsightRule(name: name, state: state, schema: Self.schema, definition: definition, managedRule: false,
                               applyOnTransformedLogs: applyOnTransformedLogs ?? false)
    }
}
