import Synchronization

/// A change's audit record riding in the change's own transaction (DESIGN.md: a management
/// call's CloudTrail record is durable no later than its answer, in one commit, not two).
///
/// The pipeline prepares the record before the handler runs and sets `current` around it; the
/// first write the handler makes through the backend's writer also inserts the record, in the
/// same transaction, and learns its store position once that commits. After the handler, the
/// recorder amends the stored record with what only the answer knows (response elements, an
/// error). A call whose handler writes nothing gets its record written before its answer, as
/// its own write.
public final class DurableRecordSlot: Sendable {
    @TaskLocal public static var current: DurableRecordSlot?

    /// The backend's record (CloudTrail's `TrailEventRecord`), opaque here.
    public let record: any Sendable
    public let eventID: String

    private struct State {
        var claimed = false
        var seq: Int64?
    }

    private let state = Mutex(State())

    public init(record: any Sendable, eventID: String) {
        self.record = record
        self.eventID = eventID
    }

    /// True for the first write that takes the record into its transaction.
    public func claim() -> Bool {
        state.withLock { s in
            if s.claimed { return false }
            s.claimed = true
            return true
        }
    }

    /// The write that claimed the record did not commit: the next one may take it.
    public func release() {
        state.withLock { s in if s.seq == nil { s.claimed = false } }
    }

    /// The record committed at store position `seq`.
    public func committed(seq: Int64) {
        state.withLock { $0.seq = seq }
    }

    /// Where the record is stored, once its transaction committed.
    public var committedSeq: Int64? { state.withLock { $0.seq } }
}
