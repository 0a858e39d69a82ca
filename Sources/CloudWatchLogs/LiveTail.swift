public import AWSShapes
import Foundation
import Storage
import Synchronization
public import TrailwatchCore

/// Live Tail sessions: ingestion publishes each committed batch here; every session holds the
/// events its filters select until its next once-a-second `sessionUpdate`.
final class LiveTailHub: Sendable {
    final class Session: Sendable {
        let groups: [Int64: String]
        let streamNames: Set<String>?
        let prefixes: [String]?
        let pattern: FilterPattern?
        let pending = Mutex<[WireValue]>([])
        let dropped = Atomic<Int>(0)

        init(groups: [Int64: String], streamNames: Set<String>?, prefixes: [String]?, pattern: FilterPattern?) {
            self.groups = groups
            self.streamNames = streamNames
            self.prefixes = prefixes
            self.pattern = pattern
        }

        /// Takes what arrived since the last update (at most `max`; the rest are sampled away).
        func drain(max: Int) -> (events: [WireValue], sampled: Bool) {
            let all = pending.withLock { p -> [WireValue] in
                let out = p
                p.removeAll(keepingCapacity: true)
                return out
            }
            return (Array(all.prefix(max)), all.count > max)
        }
    }

    private let sessions = Mutex<[UUID: Session]>([:])

    func add(_ s: Session) -> UUID {
        let id = UUID()
        sessions.withLock { $0[id] = s }
        return id
    }

    func remove(_ id: UUID) { sessions.withLock { $0[id] = nil } }

    var isEmpty: Bool { sessions.withLock { $0.isEmpty } }

    /// Hands committed events of `stream` in group `groupID` to the sessions that select them.
    func publish(groupID: Int64, stream: String, records: [LogEventRecord]) {
        let matching = sessions.withLock { $0.values.filter { $0.groups[groupID] != nil } }
        for s in matching {
            if let names = s.streamNames, !names.contains(stream) { continue }
            if let prefixes = s.prefixes, !prefixes.contains(where: { stream.hasPrefix($0) }) { continue }
            let label = s.groups[groupID] ?? ""
            let selected = records.compactMap { r -> WireValue? in
                if let p = s.pattern, !p.matches(r.message) { return nil }
                return .map(["logStreamName": .string(stream), "logGroupIdentifier": .string(label), "message": .string(r.message),
                             "timestamp": .int(r.timestamp), "ingestionTime": .int(r.ingestionTime)])
            }
            if !selected.isEmpty { s.pending.withLock { $0.append(contentsOf: selected) } }
        }
    }
}

extension LogsService {
    /// Live Tail sessions end after three hours, as on AWS.
    static let liveTailMaxSeconds = 3 * 3600
    static let liveTailEventsPerUpdate = 500

    /// StartLiveTail: an event stream of one `sessionStart`, then a `sessionUpdate` every
    /// second with the events ingested since, until the client goes or three hours pass.
    public func startLiveTail(_ input: CloudWatchLogs.StartLiveTailRequest, _ ctx: CallContext) async throws -> AsyncStream<[UInt8]> {
        let ids = input.logGroupIdentifiers
        guard !ids.isEmpty, ids.count <= 10 else {
            throw AWSError(Errors.invalidParameterException, "logGroupIdentifiers must contain between 1 and 10 log groups.")
        }
        if input.logStreamNames != nil && input.logStreamNamePrefixes != nil {
            throw AWSError(Errors.invalidParameterException, "You cannot specify both logStreamNames and logStreamNamePrefixes.")
        }
        if (input.logStreamNames != nil || input.logStreamNamePrefixes != nil) && ids.count != 1 {
            throw AWSError(Errors.invalidParameterException, "logStreamNames and logStreamNamePrefixes can be used with exactly one log group.")
        }
        var groups: [Int64: String] = [:]
        for id in ids {
            if id.hasSuffix("*") {
                throw AWSError(Errors.invalidParameterException, "Log group ARNs in logGroupIdentifiers can't end with an asterisk (*).")
            }
            let g = try await requireGroup(name: nil, identifier: id, ctx)
            groups[g.id] = id
        }
        let pattern = try Self.pattern(input.logEventFilterPattern)
        let session = LiveTailHub.Session(groups: groups, streamNames: input.logStreamNames.map(Set.init),
                                          prefixes: input.logStreamNamePrefixes, pattern: pattern)
        let hub = liveTail
        let sessionID = hub.add(session)
        var start: [String: WireValue] = ["requestId": .string(ctx.requestID), "sessionId": .string(sessionID.uuidString.lowercased()),
                                          "logGroupIdentifiers": .list(ids.map { .string($0) })]
        if let n = input.logStreamNames { start["logStreamNames"] = .list(n.map { .string($0) }) }
        if let p = input.logStreamNamePrefixes { start["logStreamNamePrefixes"] = .list(p.map { .string($0) }) }
        if let f = input.logEventFilterPattern { start["logEventFilterPattern"] = .string(f) }
        let first = Self.json(.map(start))
        // initial-response (awsJson event streams open with the output's other members, none
        // here), sessionStart, then an update every second of the clock, then the timeout.
        let step = Mutex(0)
        let clock = self.clock
        let last = Self.liveTailMaxSeconds + 2
        return AsyncStream(unfolding: {
            let n = step.withLock { n -> Int in
                defer { n += 1 }
                return n
            }
            switch n {
            case 0:
                return EventStream.event("initial-response", json: Array("{}".utf8))
            case 1:
                return EventStream.event("sessionStart", json: first)
            case 2..<last:
                do { try await clock.sleep(seconds: 1) } catch {
                    hub.remove(sessionID)
                    return nil
                }
                let (events, sampled) = session.drain(max: Self.liveTailEventsPerUpdate)
                return EventStream.event("sessionUpdate", json: Self.json(.map([
                    "sessionMetadata": .map(["sampled": .bool(sampled)]), "sessionResults": .list(events)])))
            case last:
                hub.remove(sessionID)
                return EventStream.exception("SessionTimeoutException",
                                             json: Self.json(.map(["message": .string("Session timed out after 3 hours.")])))
            default:
                return nil
            }
        }, onCancel: { hub.remove(sessionID) })
    }

    static func json(_ v: WireValue) -> [UInt8] {
        var w = JSONWriter()
        w.value(v)
        return w.bytes
    }
}
