import Foundation
public import Runtime
public import Storage
import Synchronization
public import TrailwatchCore

/// The audit recorder: every answered call becomes a CloudTrail event.
///
/// A management call that changes something (not read-only, not a data event) is written
/// before its answer goes out, through the group commit, so a crash cannot erase the record of
/// an acknowledged change. Read-only calls and data events only go into a buffer (the request
/// pays for little more than a lock), written every second by the `cloudtrail.recorder` job and
/// at shutdown: they may become visible up to a second after their answer.
public final class TrailRecorder: AuditRecorder, Sendable {
    let store: any TrailEventStore
    private let buffer = Mutex<[APICall]>([])
    /// Set when some trail selects data events.
    private let dataEvents = Atomic<Bool>(false)
    /// Flushes this often.
    let interval: Double

    public init(store: any TrailEventStore, interval: Double = 1) {
        self.store = store
        self.interval = interval
    }

    public func wants(service: String, operation: String) -> Bool {
        !EventRecordBuilder.isDataEvent(service: service, operation: operation) || dataEvents.load(ordering: .relaxed)
    }

    /// True for the calls whose record is durable before their answer.
    static func isDurableBeforeAnswer(_ call: APICall) -> Bool {
        !EventRecordBuilder.isReadOnly(call.operation) && !EventRecordBuilder.isDataEvent(service: call.service, operation: call.operation)
    }

    public func record(_ calls: [APICall]) async throws {
        let now = calls.filter(Self.isDurableBeforeAnswer)
        let later = now.count == calls.count ? [] : calls.filter { !Self.isDurableBeforeAnswer($0) }
        if !later.isEmpty { buffer.withLock { $0.append(contentsOf: later) } }
        guard !now.isEmpty else { return }
        do {
            try await store.append(now.map { EventRecordBuilder.build($0) })
        } catch {
            // Not lost while the process lives: the next flush tries again.
            buffer.withLock { $0.append(contentsOf: now) }
            throw error
        }
    }

    /// Whether data events are recorded (some trail's selectors ask for them).
    public func recordDataEvents(_ on: Bool) {
        dataEvents.store(on, ordering: .relaxed)
    }

    /// Writes everything buffered so far.
    public func flush() async throws {
        let calls = buffer.withLock { b -> [APICall] in
            let out = b
            b.removeAll(keepingCapacity: true)
            return out
        }
        guard !calls.isEmpty else { return }
        do {
            try await store.append(calls.map { EventRecordBuilder.build($0) })
        } catch {
            // Kept for the next flush.
            buffer.withLock { $0.insert(contentsOf: calls, at: 0) }
            throw error
        }
    }

    /// Flushes every second on every node (each buffers its own calls), and at shutdown.
    public var job: Job {
        Job("cloudtrail.recorder", every: interval, singleton: false, atShutdown: { [self] in try await flush() }) { [self] in
            try await flush()
        }
    }
}
