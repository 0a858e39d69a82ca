public import AWSShapes
import Foundation
import Storage
public import TrailwatchCore

/// One time series of a multi-time-series alarm: an alarm whose Metrics Insights query has
/// GROUP BY, so that each group it returns is a contributor, evaluated on its own with the
/// alarm's rule (M of N, TreatMissingData, threshold).
///
/// ```
/// each round: the query's groups ─► a contributor per group (id: a hash of its attributes)
///   a contributor's change of state ─► AlarmContributorStateUpdate item + the actions of
///                                      its new state (AlarmContributorAction items)
///   a known contributor the query no longer returns ─► evaluated as missing data
///   a contributor in INSUFFICIENT_DATA has nothing to report: it is not kept
///   the alarm: ALARM while any contributor is, else OK while any is, else INSUFFICIENT_DATA
///              (a StateUpdate item; the notifications are the contributors')
/// ```
public struct AlarmContributorRecord: Codable, Sendable, Equatable {
    /// 16 hex digits: FNV-1a (64 bits) of the sorted attributes, stable across rounds.
    public var id: String
    /// The GROUP BY keys and the contributor's values for them.
    public var attributes: [String: String]
    public var stateValue: String
    public var stateReason: String
    public var stateReasonData: String?
    /// Epoch seconds.
    public var stateTransitioned: Double

    static func id(for attributes: [String: String]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for (k, v) in attributes.sorted(by: { $0.key < $1.key }) {
            for byte in Array(k.utf8) + [0] + Array(v.utf8) + [0] {
                hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
            }
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

extension AlarmEvaluation {
    /// Evaluates each contributor of a multi-time-series alarm, then the alarm itself.
    func decideContributors(_ alarm: inout AlarmRecord, rule: AlarmRule, members: [(attributes: [String: String], points: [AlarmDatapoint])],
                            empty: [AlarmDatapoint], scope: ResourceScope, now: Int64, into changes: inout Changes) async throws {
        guard let current = AlarmStateValue(rawValue: alarm.stateValue) else { return }
        let at = alarms.clock.now().timeIntervalSince1970
        let before = alarm.contributors
        var change = AlarmChange()
        var next: [AlarmContributorRecord] = []
        var seen = Set<String>()
        func evaluate(_ c: inout AlarmContributorRecord, _ points: [AlarmDatapoint]) async throws {
            let state = AlarmStateValue(rawValue: c.stateValue) ?? .insufficientData
            let outcome = AlarmEvaluator.evaluate(rule, datapoints: points, current: state, now: now)
            guard let new = outcome.state, new != state else { return }
            change += try await alarms.contributorTransition(alarm, &c, to: new, reason: outcome.reason, reasonData: outcome.reasonData,
                                                              scope: scope, at: at)
        }
        for member in members {
            let id = AlarmContributorRecord.id(for: member.attributes)
            guard seen.insert(id).inserted else { continue }
            var c = before?.first { $0.id == id }
                ?? AlarmContributorRecord(id: id, attributes: member.attributes, stateValue: AlarmStateValue.insufficientData.rawValue,
                                          stateReason: "Unchecked: Initial alarm creation", stateTransitioned: at) // wording unverified
            try await evaluate(&c, member.points)
            next.append(c)
        }
        for var c in before ?? [] where !seen.contains(c.id) {
            try await evaluate(&c, empty)
            next.append(c)
        }
        let (state, reason) = Self.aggregate(next)
        // A contributor without data has nothing to report: it is kept while it has a state.
        next.removeAll { $0.stateValue == AlarmStateValue.insufficientData.rawValue }
        alarm.contributors = next
        if state != current {
            change += try await alarms.transitionRecords(&alarm, to: state, reason: reason, reasonData: nil, scope, actions: false)
            changes.changed.append((scope, alarm.name))
        } else if before != next || alarm.stateReason != reason {
            alarm.stateReason = reason
            alarm.stateReasonData = nil
            change.records.insert(try alarm.resource(scope: scope, created: Date(timeIntervalSince1970: at)), at: 0)
        } else {
            return
        }
        changes.pending += change
        if changes.pending.records.count >= Self.batchRecords { try await store(&changes) }
    }

    /// The alarm's state over its contributors', and its reason (wording unverified).
    static func aggregate(_ contributors: [AlarmContributorRecord]) -> (AlarmStateValue, String) {
        let alarming = contributors.filter { $0.stateValue == AlarmStateValue.alarm.rawValue }.count
        let ok = contributors.filter { $0.stateValue == AlarmStateValue.ok.rawValue }.count
        let n = contributors.count
        if alarming > 0 { return (.alarm, "\(alarming) out of \(n) contributors in ALARM state.") }
        if ok > 0 { return (.ok, "No contributor in ALARM state: \(ok) out of \(n) contributors in OK state.") }
        return (.insufficientData, n == 0 ? "Insufficient Data: the query returned no time series."
            : "Insufficient Data: none of the \(n) contributors has enough data.")
    }
}

extension AlarmService {
    /// A contributor's change of state: its history item and its actions (the alarm's lists).
    func contributorTransition(_ alarm: AlarmRecord, _ c: inout AlarmContributorRecord, to state: AlarmStateValue, reason: String,
                               reasonData: String?, scope: ResourceScope, at now: Double) async throws -> AlarmChange {
        let old = c
        c.stateValue = state.rawValue
        c.stateReason = reason
        c.stateReasonData = reasonData
        c.stateTransitioned = now
        var records = [try AlarmHistory.item(
            alarmName: alarm.name, scope: scope, type: "AlarmContributorStateUpdate",
            summary: "Contributor updated from \(old.stateValue) to \(c.stateValue)", // wording unverified
            data: AlarmHistory.stateData(old: (old.stateValue, old.stateReason, old.stateReasonData), new: (c.stateValue, c.stateReason, c.stateReasonData)),
            at: now, contributor: c)]
        // The notification tells the contributor's change, in the alarm's message.
        var was = alarm, now_ = alarm
        was.stateValue = old.stateValue; was.stateReason = old.stateReason
        now_.stateValue = c.stateValue; now_.stateReason = c.stateReason; now_.stateReasonData = c.stateReasonData; now_.stateUpdated = now
        let acted = try await run(now_, old: was, scope: scope, at: now, contributor: c)
        records += acted.records
        return AlarmChange(records: records, outbox: acted.outbox)
    }

    /// DescribeAlarmContributors page size (AWS does not document one).
    static let contributorsPage = 100

    /// DescribeAlarmContributors: the contributors of a multi-time-series alarm that are in
    /// ALARM; an alarm on one time series has none.
    public func describeAlarmContributors(_ input: CloudWatch.DescribeAlarmContributorsInput, _ ctx: CallContext) async throws -> CloudWatch.DescribeAlarmContributorsOutput {
        guard let alarm = try await load(input.alarmName, ctx.scope) else {
            throw AWSError(CloudWatch.Errors.resourceNotFoundException, "Alarm \(input.alarmName) not found") // wording unverified
        }
        var offset = 0
        if let token = input.nextToken {
            guard let n = PageToken.decode(token, kind: "contributors").flatMap(Int.init), n >= 0 else {
                throw AWSError(CloudWatch.Errors.invalidNextToken, "The service couldn't process your request because the NextToken is invalid.")
            }
            offset = n
        }
        let alarming = (alarm.contributors ?? []).filter { $0.stateValue == AlarmStateValue.alarm.rawValue }
        let page = alarming.dropFirst(offset).prefix(Self.contributorsPage)
        let end = offset + page.count
        return CloudWatch.DescribeAlarmContributorsOutput(
            alarmContributors: page.map {
                CloudWatch.AlarmContributor(contributorId: $0.id, contributorAttributes: $0.attributes, stateReason: $0.stateReason,
                                            stateTransitionedTimestamp: Date(timeIntervalSince1970: $0.stateTransitioned))
            },
            nextToken: end < alarming.count ? PageToken.encode(String(end), kind: "contributors") : nil)
    }
}
