import Foundation
public import Runtime
public import Storage
import Synchronization
public import TrailwatchCore

/// The audit recorder: every answered call becomes a CloudTrail event.
///
/// A management call that changes something (not read-only, not a data event) has its record
/// written in the same transaction as its first write (`prepare` and `DurableRecordSlot`), or,
/// when it writes nothing, before its answer goes out: a crash cannot erase the record of an
/// acknowledged change. What only the answer knows (response elements) is amended within a
/// second. Read-only calls and data events only go into a buffer (the request
/// pays for little more than a lock), written every second by the `cloudtrail.recorder` job and
/// at shutdown: they may become visible up to a second after their answer.
public final class TrailRecorder: AuditRecorder, Sendable {
    let store: any TrailEventStore
    private let buffer = Mutex<[APICall]>([])
    /// Records written with their change, completed once the answer was known.
    private let amendments = Mutex<[TrailEventRecord]>([])
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

    public func prepare(_ call: APICall) -> DurableRecordSlot? {
        guard Self.isDurableBeforeAnswer(call) else { return nil }
        let id = EventRecordBuilder.eventID(at: call.time)
        return DurableRecordSlot(record: EventRecordBuilder.build(call, eventID: id), eventID: id)
    }

    public func record(_ calls: [APICall], slot: DurableRecordSlot?) async throws {
        var calls = calls
        if let slot, let seq = slot.committedSeq, !calls.isEmpty {
            // The record committed with the change; what only the answer knows (response
            // elements, an error after the write) follows within a second.
            let call = calls.removeFirst()
            if let written = slot.record as? TrailEventRecord, var final = EventRecordBuilder.completed(written, with: call) {
                final.seq = seq
                let amended = final
                amendments.withLock { $0.append(amended) }
            }
        } else if let slot, !calls.isEmpty, Self.isDurableBeforeAnswer(calls[0]) {
            // Nothing was written: the record is, before the answer, with the id prepared.
            try await appendDurably([EventRecordBuilder.build(calls.removeFirst(), eventID: slot.eventID)], calls: [])
        }
        let now = calls.filter(Self.isDurableBeforeAnswer)
        let later = now.count == calls.count ? [] : calls.filter { !Self.isDurableBeforeAnswer($0) }
        if !later.isEmpty { buffer.withLock { $0.append(contentsOf: later) } }
        guard !now.isEmpty else { return }
        try await appendDurably(now.map { EventRecordBuilder.build($0) }, calls: now)
    }

    private func appendDurably(_ records: [TrailEventRecord], calls: [APICall]) async throws {
        do {
            try await store.append(records)
        } catch {
            // Not lost while the process lives: the next flush tries again.
            buffer.withLock { $0.append(contentsOf: calls) }
            throw error
        }
    }

    /// Records calls that were not prepared (tests, other services' own calls).
    public func record(_ calls: [APICall]) async throws {
        try await record(calls, slot: nil)
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
        let amended = amendments.withLock { a -> [TrailEventRecord] in
            defer { a.removeAll(keepingCapacity: true) }
            return a
        }
        do {
            try await store.amend(amended)
        } catch {
            amendments.withLock { $0.insert(contentsOf: amended, at: 0) }
            throw error
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
