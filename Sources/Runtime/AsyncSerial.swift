import Synchronization

/// Runs async work one caller at a time, in arrival order: a caller that finds the work busy
/// waits for its turn instead of running alongside (a background seal and an operator's
/// "seal everything now" must not race: the loser would skip the streams the other is on).
public final class AsyncSerial: Sendable {
    private struct State {
        var busy = false
        var waiting: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Mutex(State())

    public init() {}

    public func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        let mine = state.withLock { s -> Bool in
            if s.busy { return false }
            s.busy = true
            return true
        }
        if mine { return }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                // Released between the check above and here: take it now.
                if !s.busy { s.busy = true; return true }
                s.waiting.append(c)
                return false
            }
            if now { c.resume() }
        }
    }

    private func release() {
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if s.waiting.isEmpty { s.busy = false; return nil }
            return s.waiting.removeFirst()  // the turn passes on; busy stays set
        }
        next?.resume()
    }
}
