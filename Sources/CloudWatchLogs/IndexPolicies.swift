public import AWSShapes
import Foundation
import LogsInsights
import Storage
import Synchronization
public import TrailwatchCore

/// Field index policies: Put/Describe/DeleteIndexPolicy and DescribeFieldIndexes. A policy
/// names the fields of a log group's events that Logs Insights' `filterIndex` may select on;
/// a query with `filterIndex` scans only the groups indexed on its field, and in them only the
/// events ingested since the field was first indexed (as AWS's index covers events from its
/// creation on). Each policy is the resource `logs:index-policy` named by its group's id, so a
/// deleted and re-created group starts without one.
extension LogsService {
    static let indexPolicyKind = "logs:index-policy"
    /// Fields every Standard group is indexed on without a policy (AWS's default indexes).
    static let defaultIndexedFields: Set<String> = ["@logStream", "@aws.region", "@aws.account", "@source.log", "traceId", "severityText"]
    static let maxIndexedFields = 20

    struct IndexPolicyRecord: Codable {
        var document: String
        /// Each field and its type (FIELD_INDEX or FACET).
        var fields: [String: String]
        /// When each field was first indexed (epoch ms): events ingested before are not in its index.
        var since: [String: Int64]
        var lastUpdate: Int64
    }

    /// A policy document's fields: `{"Fields": [...]}` and/or `{"FieldsV2": {"f": {"type": ...}}}`.
    static func indexedFields(_ document: String) throws -> [String: String] {
        func invalid(_ why: String) -> AWSError { AWSError(Errors.invalidParameterException, why) } // wording unverified
        guard let json = try? JSONReader.parse(Array(document.utf8)), case .map(let top) = json else {
            throw invalid("The policy document is not a valid JSON object.")
        }
        var fields: [String: String] = [:]
        for key in top.keys where key != "Fields" && key != "FieldsV2" {
            throw invalid("The policy document has an unknown key \(key); it takes Fields and FieldsV2.")
        }
        if let list = top["Fields"] {
            guard case .list(let items) = list else { throw invalid("Fields must be a list of field names.") }
            for item in items {
                guard case .string(let name) = item else { throw invalid("Fields must be a list of field names.") }
                fields[name] = "FIELD_INDEX"
            }
        }
        if let v2 = top["FieldsV2"] {
            guard case .map(let entries) = v2 else { throw invalid("FieldsV2 must map field names to their index type.") }
            for (name, spec) in entries {
                guard case .map(let s) = spec, case .string(let type)? = s["type"], ["FIELD_INDEX", "FACET"].contains(type) else {
                    throw invalid("The index type of \(name) in FieldsV2 must be FIELD_INDEX or FACET.")
                }
                if fields[name] != nil { throw invalid("The field \(name) is in both Fields and FieldsV2.") }
                fields[name] = type
            }
        }
        if fields.isEmpty { throw invalid("The policy document must include at least one field index.") }
        if fields.count > maxIndexedFields {
            throw invalid("The policy document has \(fields.count) field indexes; the maximum is \(maxIndexedFields).")
        }
        for name in fields.keys {
            let body = name.hasPrefix("@@") ? name.dropFirst(2) : name.hasPrefix("@") ? name.dropFirst() : Substring(name)
            guard name.count <= 100, !body.isEmpty,
                  body.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._-/#".unicodeScalars.contains($0)) })
            else { throw invalid("The field index name \(name) is not valid: at most 100 characters of letters, digits and . _ - / #.") }
        }
        return fields
    }

    func indexPolicy(_ group: LogGroupRecord) async throws -> IndexPolicyRecord? {
        guard let r = try await resources.get(kind: Self.indexPolicyKind, scope: group.scope, name: String(group.id)) else { return nil }
        return try JSONDecoder().decode(IndexPolicyRecord.self, from: Data(r.body))
    }

    public func putIndexPolicy(_ input: CloudWatchLogs.PutIndexPolicyRequest, _ ctx: CallContext) async throws -> CloudWatchLogs.PutIndexPolicyResponse {
        let group = try await requireGroup(name: nil, identifier: input.logGroupIdentifier, ctx)
        guard group.logGroupClass == "STANDARD" else {
            throw AWSError(Errors.invalidParameterException, "Only log groups in the Standard log class support field index policies.") // wording unverified
        }
        let fields = try Self.indexedFields(input.policyDocument)
        let now = nowMillis
        let old = try await indexPolicy(group)
        var since: [String: Int64] = [:]
        for name in fields.keys { since[name] = old?.since[name] ?? now }
        let record = IndexPolicyRecord(document: input.policyDocument, fields: fields, since: since, lastUpdate: now)
        let at = Date(timeIntervalSince1970: Double(now) / 1000)
        _ = try await resources.put(ResourceRecord(kind: Self.indexPolicyKind, scope: group.scope, name: String(group.id),
                                                   body: Array(try JSONEncoder().encode(record)), createdAt: at, updatedAt: at), ifAbsent: false)
        return CloudWatchLogs.PutIndexPolicyResponse(indexPolicy: shape(record, group))
    }

    func shape(_ p: IndexPolicyRecord, _ group: LogGroupRecord) -> CloudWatchLogs.IndexPolicy {
        CloudWatchLogs.IndexPolicy(logGroupIdentifier: Self.groupArn(group.scope, group.name), lastUpdateTime: Int(p.lastUpdate),
                                   policyDocument: p.document, source: "LOG_GROUP")
    }

    public func describeIndexPolicies(_ input: CloudWatchLogs.DescribeIndexPoliciesRequest, _ ctx: CallContext) async throws -> CloudWatchLogs.DescribeIndexPoliciesResponse {
        guard input.logGroupIdentifiers.count == 1 else {
            throw AWSError(Errors.invalidParameterException, "DescribeIndexPolicies takes exactly one log group identifier.") // wording unverified
        }
        let group = try await requireGroup(name: nil, identifier: input.logGroupIdentifiers[0], ctx)
        let policies = try await indexPolicy(group).map { [shape($0, group)] } ?? []
        return CloudWatchLogs.DescribeIndexPoliciesResponse(indexPolicies: policies)
    }

    public func deleteIndexPolicy(_ input: CloudWatchLogs.DeleteIndexPolicyRequest, _ ctx: CallContext) async throws -> CloudWatchLogs.DeleteIndexPolicyResponse {
        let group = try await requireGroup(name: nil, identifier: input.logGroupIdentifier, ctx)
        let result = try await resources.delete(kind: Self.indexPolicyKind, scope: group.scope, names: [String(group.id)], allOrNothing: false)
        guard !result.deleted.isEmpty else {
            throw AWSError(Errors.resourceNotFoundException, "The log group has no index policy.") // wording unverified
        }
        return CloudWatchLogs.DeleteIndexPolicyResponse()
    }

    /// Each indexed field of each group that its events since indexing hold, with the first and
    /// last such event's time: read from the events, not remembered.
    public func describeFieldIndexes(_ input: CloudWatchLogs.DescribeFieldIndexesRequest, _ ctx: CallContext) async throws -> CloudWatchLogs.DescribeFieldIndexesResponse {
        guard (1...100).contains(input.logGroupIdentifiers.count) else {
            throw AWSError(Errors.invalidParameterException, "DescribeFieldIndexes takes 1 to 100 log group identifiers.") // wording unverified
        }
        var out: [CloudWatchLogs.FieldIndex] = []
        let now = nowMillis
        for identifier in input.logGroupIdentifiers {
            let group = try await requireGroup(name: nil, identifier: identifier, ctx)
            guard let policy = try await indexPolicy(group) else { continue }
            let streams = try await store.streams(groupID: group.id)
            let names = Dictionary(uniqueKeysWithValues: streams.map { ($0.id, $0.name) })
            let earliest = policy.since.values.min() ?? now
            // Per field: (first, last) event time among events ingested since it was indexed.
            let seen = FieldTimes()
            let log = "\(group.scope.accountId):\(group.name)"
            try await store.scan(streamIDs: streams.map(\.id), start: nil, end: nil, now: now) { batch in
                var local: [String: (Int64, Int64)] = [:]
                for e in batch where e.ingestionTime >= earliest {
                    let record = LogRecord(timestamp: e.timestamp, message: e.message, logStream: names[e.streamID] ?? "", log: log,
                                           ingestionTime: e.ingestionTime, ptr: "")
                    let fields = InsightsRun.fieldTexts(of: record)
                    for (name, since) in policy.since where e.ingestionTime >= since {
                        let key = name.hasPrefix("@@") ? String(name.dropFirst()) : name
                        guard fields[key] != nil else { continue }
                        let (a, b) = local[name] ?? (e.timestamp, e.timestamp)
                        local[name] = (min(a, e.timestamp), max(b, e.timestamp))
                    }
                }
                seen.times.withLock { all in
                    for (k, v) in local {
                        let (a, b) = all[k] ?? v
                        all[k] = (min(a, v.0), max(b, v.1))
                    }
                }
                return true
            }
            let found = seen.times.withLock { $0 }
            for name in policy.fields.keys.sorted() {
                guard let (first, last) = found[name] else { continue }
                out.append(CloudWatchLogs.FieldIndex(logGroupIdentifier: Self.groupArn(group.scope, group.name), fieldIndexName: name,
                                                     lastScanTime: Int(now), firstEventTime: Int(first), lastEventTime: Int(last),
                                                     type: policy.fields[name]))
            }
        }
        return CloudWatchLogs.DescribeFieldIndexesResponse(fieldIndexes: out)
    }

    /// For a query with `filterIndex field`: when each group's index on the field begins (0 for
    /// a default index), or nil for a group not indexed on it (the query skips it).
    func indexedSince(_ field: String, _ group: LogGroupRecord) async throws -> Int64? {
        guard group.logGroupClass == "STANDARD" else { return nil }
        if let since = try await indexPolicy(group)?.since[field] { return since }
        return Self.defaultIndexedFields.contains(field) ? 0 : nil
    }
}

/// Per field, the first and last time of an event holding it: filled by a scan's batches.
private final class FieldTimes: Sendable {
    let times = Mutex([String: (Int64, Int64)]())
}
