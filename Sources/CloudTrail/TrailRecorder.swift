import Foundation
public import Storage
import Synchronization
public import TrailwatchCore

/// The audit recorder: every answered call becomes a CloudTrail event. `record` only appends
/// to a buffer (the request path pays for little more than a lock); `flush` builds the records
/// and writes them in one transaction, and `run` flushes every second (readers flush first).
public final class TrailRecorder: AuditRecorder, Sendable {
    let store: any TrailEventStore
    private let buffer = Mutex<[APICall]>([])
    /// Set when some trail selects data events.
    private let dataEvents = Atomic<Bool>(false)
    /// Flushes this often.
    let interval: Duration

    public init(store: any TrailEventStore, interval: Duration = .seconds(1)) {
        self.store = store
        self.interval = interval
    }

    public func wants(service: String, operation: String) -> Bool {
        !EventRecordBuilder.isDataEvent(service: service, operation: operation) || dataEvents.load(ordering: .relaxed)
    }

    public func record(_ call: APICall) {
        buffer.withLock { $0.append(call) }
    }

    /// Whether data events are recorded (some trail's selectors ask for them).
    public func recordDataEvents(_ on: Bool) {
        dataEvents.store(on, ordering: .relaxed)
    }

    /// Writes everything recorded so far.
    public func flush() async throws {
        let calls = buffer.withLock { b -> [APICall] in
            let out = b
            b.removeAll(keepingCapacity: true)
            return out
        }
        guard !calls.isEmpty else { return }
        try await store.append(calls.map { EventRecordBuilder.build($0) })
    }

    /// Flushes every `interval` until cancelled, then once more.
    public func run() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            try? await flush()
        }
        try? await flush()
    }
}
