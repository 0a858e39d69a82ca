public import Foundation
import Synchronization

/// The source of "now" for every component that reads time, and the only way anything waits
/// for time to pass (DESIGN.md: time is injected). Background jobs sleep on it, so tests move a
/// `ManualClock` instead of sleeping.
///
/// Implementations must be thread-safe; `now()` never goes backwards for `SystemClock` users
/// in practice, but components must not rely on that.
public protocol WallClock: Sendable {
    /// The current instant.
    func now() -> Date
    /// Returns once `now() >= deadline`; throws `CancellationError` if the task is cancelled
    /// first.
    func sleep(until deadline: Date) async throws
}

extension WallClock {
    /// Sleeps for `seconds` of this clock's time.
    public func sleep(seconds: Double) async throws {
        try await sleep(until: now().addingTimeInterval(seconds))
    }
}

/// The machine's clock.
public struct SystemClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }

    public func sleep(until deadline: Date) async throws {
        let seconds = deadline.timeIntervalSinceNow
        guard seconds > 0 else { return try Task.checkCancellation() }
        try await Task.sleep(for: .milliseconds(Int64(saturating: (seconds * 1000).rounded(.up))))
    }
}

/// A clock tests move by hand: `advance` and `set` wake every sleeper whose deadline has come.
public final class ManualClock: WallClock {
    private struct Sleeper {
        let id: UInt64
        let deadline: Date
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Date
        var sleepers: [Sleeper] = []
        var nextID: UInt64 = 0
    }

    private let state: Mutex<State>

    /// Starts the clock at `start`.
    public init(_ start: Date) { state = Mutex(State(now: start)) }

    public func now() -> Date { state.withLock { $0.now } }

    public func sleep(until deadline: Date) async throws {
        let id = state.withLock { s -> UInt64 in
            s.nextID += 1
            return s.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                let resumeNow = state.withLock { s -> (any Error)?? in
                    if Task.isCancelled { return .some(CancellationError()) }
                    if s.now >= deadline { return .some(nil) }
                    s.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: c))
                    return .none
                }
                switch resumeNow {
                case .some(.some(let error)): c.resume(throwing: error)
                case .some(.none): c.resume()
                case .none: break
                }
            }
        } onCancel: {
            let sleeper = state.withLock { s -> Sleeper? in
                guard let i = s.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return s.sleepers.remove(at: i)
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// How many tasks are asleep on this clock (tests wait for a job to go back to sleep).
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    /// Moves the clock forward by `seconds`, waking the sleepers that are due.
    public func advance(by seconds: TimeInterval) {
        wake { $0 += seconds }
    }

    /// Sets the clock to `date`, waking the sleepers that are due.
    public func set(_ date: Date) {
        wake { $0 = date }
    }

    private func wake(_ change: (inout Date) -> Void) {
        let due = state.withLock { s -> [Sleeper] in
            change(&s.now)
            let now = s.now
            let due = s.sleepers.filter { $0.deadline <= now }
            s.sleepers.removeAll { $0.deadline <= now }
            return due
        }
        for s in due { s.continuation.resume() }
    }
}
