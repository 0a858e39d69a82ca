import AWSShapes
import Storage
import Synchronization
import TrailwatchCore

/// The alarms as the evaluation job last read them, decoded: each round reads the stored
/// records (so an alarm another node or a request changed is seen at the next round) and
/// decodes again only those whose bytes changed since. With 10,000 alarms, decoding every
/// record every 10 s was most of a round.
final class AlarmIndex: Sendable {
    struct Entry: Sendable {
        var scope: ResourceScope
        var alarm: AlarmRecord
        /// The evaluation rule, nil for a composite alarm or one this build cannot evaluate.
        var rule: AlarmRule?
        /// The alarm's metric math queries, decoded once.
        var metrics: [CloudWatch.MetricDataQuery]?
        fileprivate var body: [UInt8]
    }

    private struct Key: Hashable {
        var scope: ResourceScope
        var name: String
    }

    private let entries = Mutex<[Key: Entry]>([:])

    /// The alarms as the last refresh left them.
    func current() -> [Entry] {
        entries.withLock { Array($0.values) }
    }

    /// Every stored alarm, decoded; records that no longer exist are forgotten.
    func refresh(_ records: [ResourceRecord]) throws -> [Entry] {
        let previous = entries.withLock { all -> [Key: Entry] in
            defer { all = [:] }
            return all
        }
        var next: [Key: Entry] = [:]
        next.reserveCapacity(records.count)
        var out: [Entry] = []
        out.reserveCapacity(records.count)
        for record in records {
            let key = Key(scope: record.scope, name: record.name)
            let entry: Entry
            if let known = previous[key], known.body == record.body {
                entry = known
            } else {
                let alarm = try AlarmRecord(record)
                entry = Entry(scope: record.scope, alarm: alarm, rule: alarm.rule, metrics: alarm.metrics, body: record.body)
            }
            next[key] = entry
            out.append(entry)
        }
        entries.withLock { $0 = next }
        return out
    }
}
