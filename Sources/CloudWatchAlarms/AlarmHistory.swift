import AWSShapes
import AWSWire
import CloudWatchMetrics
import Foundation
import Storage
import Synchronization
import TrailwatchCore

/// Alarm history items (DescribeAlarmHistory): one resource `cloudwatch:alarm-history` per
/// item in the alarm's scope, named by its time in milliseconds (15 digits) and a sequence
/// number (20 digits), so names sort by time and, within a millisecond, by writing order. AWS keeps 30 days; older items are not answered.
struct AlarmHistory: Sendable {
    static let kind = "cloudwatch:alarm-history"
    static let retentionSeconds: Double = 30 * 86_400

    struct Item: Codable {
        var alarmName: String
        var alarmType: String
        var timestamp: Double
        var type: String
        var summary: String
        var data: String?
        /// The contributor of a multi-time-series alarm the item is about.
        var contributorId: String?
        var contributorAttributes: [String: String]?
    }

    let resources: any ResourceStore
    /// Orders items written in the same millisecond (a state change and its actions).
    private static let sequence = Atomic<UInt64>(0)

    /// A history item as the resource that stores it (written with what it records).
    static func item(alarmName: String, composite: Bool = false, scope: ResourceScope, type: String, summary: String, data: String?,
                     at time: Double, contributor: AlarmContributorRecord? = nil) throws -> ResourceRecord {
        let item = Item(alarmName: alarmName, alarmType: composite ? "CompositeAlarm" : "MetricAlarm", timestamp: time, type: type,
                        summary: summary, data: data, contributorId: contributor?.id, contributorAttributes: contributor?.attributes)
        let ms = String(Int64(time * 1000))
        let seq = String(Self.sequence.wrappingAdd(1, ordering: .relaxed).newValue)
        let name = String(repeating: "0", count: max(0, 15 - ms.count)) + ms + "-" + String(repeating: "0", count: max(0, 20 - seq.count)) + seq
        let date = Date(timeIntervalSince1970: time)
        return ResourceRecord(kind: Self.kind, scope: scope, name: name, body: Array(try JSONEncoder().encode(item)),
                              createdAt: date, updatedAt: date)
    }

    /// The `HistoryData` of a state change, as AWS writes it.
    static func stateData(old: AlarmRecord, new: AlarmRecord) -> String {
        stateData(old: (old.stateValue, old.stateReason, old.stateReasonData), new: (new.stateValue, new.stateReason, new.stateReasonData))
    }

    typealias State = (value: String, reason: String, data: String?)

    static func stateData(old: State, new: State) -> String {
        var w = JSONWriter()
        w.beginObject()
        w.field("version"); w.string("1.0"); w.comma()
        w.field("oldState"); state(&w, old); w.comma()
        w.field("newState"); state(&w, new)
        w.endObject()
        return String(decoding: w.bytes, as: UTF8.self)
    }

    private static func state(_ w: inout JSONWriter, _ a: State) {
        w.beginObject()
        w.field("stateValue"); w.string(a.value); w.comma()
        w.field("stateReason"); w.string(a.reason)
        if let data = a.data, let node = try? JSONReader.parse(Array(data.utf8)) {
            w.comma()
            w.field("stateReasonData"); w.value(node)
        }
        w.endObject()
    }

    func describe(_ input: CloudWatch.DescribeAlarmHistoryInput, scope: ResourceScope, limit: Int, now: Double) async throws -> CloudWatch.DescribeAlarmHistoryOutput {
        let types: Set<String> = ["ConfigurationUpdate", "StateUpdate", "Action", "AlarmContributorStateUpdate", "AlarmContributorAction"]
        if let t = input.historyItemType, !types.contains(t) {
            throw AWSError(CloudWatch.Errors.invalidParameterValueException,
                           "1 validation error detected: Value '\(t)' at 'historyItemType' failed to satisfy constraint: Member must satisfy enum value set: [\(types.sorted().joined(separator: ", "))]")
        }
        let descending = (input.scanBy ?? "TimestampDescending") == "TimestampDescending"
        let after = try input.nextToken.map { token -> String in
            guard let name = PageToken.decode(token, kind: "alarm-history") else {
                throw AWSError(CloudWatch.Errors.invalidNextToken, "The service couldn't process your request because the NextToken is invalid.")
            }
            return name
        }
        var records = try await resources.everything(kind: Self.kind, scope: scope)
        if descending { records.reverse() }
        let types_ = input.alarmTypes ?? ["MetricAlarm", "CompositeAlarm"]
        let start = input.startDate?.timeIntervalSince1970 ?? -Double.infinity
        let end = input.endDate?.timeIntervalSince1970 ?? Double.infinity
        var out: [(String, Item)] = []
        for r in records {
            if let after, descending ? r.name >= after : r.name <= after { continue }
            let item = try JSONDecoder().decode(Item.self, from: Data(r.body))
            guard item.timestamp >= now - Self.retentionSeconds, item.timestamp >= start, item.timestamp <= end,
                  input.alarmName.map({ $0 == item.alarmName }) ?? true,
                  input.historyItemType.map({ $0 == item.type }) ?? true,
                  input.alarmContributorId.map({ $0 == item.contributorId }) ?? true,
                  types_.contains(item.alarmType) else { continue }
            out.append((r.name, item))
            if out.count > limit { break }
        }
        let page = out.prefix(limit)
        return CloudWatch.DescribeAlarmHistoryOutput(
            alarmHistoryItems: page.map { _, i in
                CloudWatch.AlarmHistoryItem(alarmName: i.alarmName, alarmContributorId: i.contributorId, alarmType: i.alarmType,
                                            timestamp: Date(timeIntervalSince1970: i.timestamp), historyItemType: i.type,
                                            historySummary: i.summary, historyData: i.data, alarmContributorAttributes: i.contributorAttributes)
            },
            nextToken: out.count > limit ? page.last.map { PageToken.encode($0.0, kind: "alarm-history") } : nil)
    }
}
