import Storage
import StorageEngine
import Synchronization
import TrailwatchCore

/// An in-memory copy of the `resources` table, so reads never wait on SQLite.
///
/// The embedded store is the only writer of its database, so the mirror is exact: it is
/// loaded once at open and changed only after a write has committed. Resources are small
/// (dashboards, trails, log group settings), so holding them all costs little.
final class ResourceMirror: Sendable {
    private struct Key: Hashable {
        let kind: String
        let account: String
        let region: String
    }

    /// One (kind, scope): records by name, and the names kept sorted for listing.
    private struct Bucket {
        var records: [String: ResourceRecord] = [:]
        var sortedNames: [String] = []

        mutating func upsert(_ r: ResourceRecord) {
            if records.updateValue(r, forKey: r.name) == nil {
                sortedNames.insert(r.name, at: insertionPoint(r.name))
            }
        }

        mutating func remove(_ name: String) {
            guard records.removeValue(forKey: name) != nil else { return }
            let i = insertionPoint(name)
            if i < sortedNames.count, sortedNames[i] == name { sortedNames.remove(at: i) }
        }

        /// The first position whose name is >= `name` (byte-wise, as SQLite's BINARY).
        func insertionPoint(_ name: String) -> Int {
            var lo = 0, hi = sortedNames.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if ResourceMirror.less(sortedNames[mid], name) { lo = mid + 1 } else { hi = mid }
            }
            return lo
        }
    }

    private let buckets = Mutex<[Key: Bucket]>([:])

    /// Byte-wise UTF-8 order, the order SQLite's BINARY collation and `list` use.
    static func less(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    func load(_ records: [ResourceRecord]) {
        buckets.withLock { b in
            b.removeAll()
            for r in records { b[Key(kind: r.kind, account: r.scope.accountId, region: r.scope.region), default: Bucket()].upsert(r) }
        }
    }

    func get(kind: String, scope: ResourceScope, name: String) -> ResourceRecord? {
        buckets.withLock { $0[Key(kind: kind, account: scope.accountId, region: scope.region)]?.records[name] }
    }

    func upsert(_ r: ResourceRecord) {
        buckets.withLock { $0[Key(kind: r.kind, account: r.scope.accountId, region: r.scope.region), default: Bucket()].upsert(r) }
    }

    func remove(kind: String, scope: ResourceScope, names: [String]) {
        buckets.withLock { b in
            let key = Key(kind: kind, account: scope.accountId, region: scope.region)
            for n in names { b[key]?.remove(n) }
        }
    }

    func list(kind: String, scope: ResourceScope, prefix: String?, after: String?, limit: Int) -> [ResourceRecord] {
        buckets.withLock { b -> [ResourceRecord] in
            guard let bucket = b[Key(kind: kind, account: scope.accountId, region: scope.region)] else { return [] }
            var i = 0
            if let prefix, !prefix.isEmpty { i = bucket.insertionPoint(prefix) }
            if let after {
                var j = bucket.insertionPoint(after)
                if j < bucket.sortedNames.count, bucket.sortedNames[j] == after { j += 1 }
                i = max(i, j)
            }
            var out: [ResourceRecord] = []
            while i < bucket.sortedNames.count, out.count < limit {
                let name = bucket.sortedNames[i]
                if let prefix, !prefix.isEmpty, !name.utf8.starts(with: prefix.utf8) { break }
                out.append(bucket.records[name]!)
                i += 1
            }
            return out
        }
    }

    func all(kind: String) -> [ResourceRecord] {
        buckets.withLock { b in
            b.filter { $0.key.kind == kind }
                .sorted { ($0.key.account, $0.key.region) < ($1.key.account, $1.key.region) }
                .flatMap { entry in entry.value.sortedNames.map { entry.value.records[$0]! } }
        }
    }

    func clear() { buckets.withLock { $0.removeAll() } }
}
