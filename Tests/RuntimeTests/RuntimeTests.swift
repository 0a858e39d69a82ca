import Foundation
import Logging
import Runtime
import Synchronization
import Testing
import TrailwatchCore

/// A value tasks share in a test.
final class Shared<T: Sendable>: Sendable {
    private let value: Mutex<T>
    init(_ v: T) { value = Mutex(v) }
    var get: T { value.withLock { $0 } }
    func update(_ f: (inout T) -> Void) { value.withLock { f(&$0) } }
}

/// Waits (yielding, without sleeping) until `condition` holds; fails after many tries.
func eventually(_ what: String, _ condition: () -> Bool) async {
    for _ in 0..<100_000 {
        if condition() { return }
        await Task.yield()
    }
    Issue.record("never happened: \(what)")
}

@Suite("Manual clock")
struct ManualClockTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("advance wakes the sleepers that are due, and only those")
    func advanceWakes() async throws {
        let clock = ManualClock(t0)
        let woke = Shared<[Int]>([])
        let a = Task { try await clock.sleep(seconds: 10); woke.update { $0.append(10) } }
        let b = Task { try await clock.sleep(seconds: 30); woke.update { $0.append(30) } }
        await eventually("two sleepers") { clock.sleeperCount == 2 }
        clock.advance(by: 9)
        #expect(clock.sleeperCount == 2)
        clock.advance(by: 1)
        try await a.value
        #expect(woke.get == [10])
        #expect(clock.sleeperCount == 1)
        clock.set(t0.addingTimeInterval(30))
        try await b.value
        #expect(woke.get == [10, 30])
    }

    @Test("a deadline already passed returns at once; cancellation throws")
    func pastAndCancelled() async throws {
        let clock = ManualClock(t0)
        try await clock.sleep(until: t0.addingTimeInterval(-1))
        let task = Task { try await clock.sleep(seconds: 60) }
        await eventually("asleep") { clock.sleeperCount == 1 }
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(clock.sleeperCount == 0)
    }
}

@Suite("Jobs")
struct JobTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("a job runs every period of the injected clock, and when woken")
    func schedule() async throws {
        let clock = ManualClock(t0)
        let runs = Shared(0)
        let wakeup = Wakeup()
        let job = Job("count", every: 60, wakeup: wakeup) { runs.update { $0 += 1 } }
        let runner = JobRunner(jobs: [job], clock: clock, lease: LocalLease(), node: "n", logger: Logger(label: "test"))
        let task = Task { try await runner.run() }
        await eventually("asleep") { clock.sleeperCount == 1 }
        #expect(runs.get == 0)
        clock.advance(by: 60)
        await eventually("first run") { runs.get == 1 && clock.sleeperCount == 1 }
        clock.advance(by: 59)
        #expect(runs.get == 1)
        wakeup.signal()
        await eventually("woken run") { runs.get == 2 }
        task.cancel()
        _ = try? await task.value
    }

    @Test("an aligned job runs at the clock's multiples of its period, however long a run takes")
    func aligned() async throws {
        let clock = ManualClock(t0.addingTimeInterval(4))
        let times = Shared<[Double]>([])
        let job = Job("round", every: 10, aligned: true) {
            times.update { $0.append(clock.now().timeIntervalSince(self.t0)) }
            clock.advance(by: 3)  // the run takes 3 s of clock time
        }
        let runner = JobRunner(jobs: [job], clock: clock, lease: LocalLease(), node: "n", logger: Logger(label: "test"))
        let task = Task { try await runner.run() }
        await eventually("asleep") { clock.sleeperCount == 1 }
        clock.advance(by: 5)
        #expect(times.get.isEmpty)
        clock.advance(by: 1)
        await eventually("first round") { times.get.count == 1 && clock.sleeperCount == 1 }
        clock.advance(by: 7)
        await eventually("second round") { times.get.count == 2 && clock.sleeperCount == 1 }
        #expect(times.get == [10, 20])
        task.cancel()
        _ = try? await task.value
    }

    @Test("runsAtStart jobs run before the first period; atShutdown runs after the loops stop")
    func startAndShutdown() async throws {
        let clock = ManualClock(t0)
        let events = Shared<[String]>([])
        let job = Job("j", every: 3600, runsAtStart: true, atShutdown: { events.update { $0.append("last") } }) {
            events.update { $0.append("run") }
        }
        let runner = JobRunner(jobs: [job], clock: clock, lease: LocalLease(), node: "n", logger: Logger(label: "test"))
        let task = Task { try await runner.run() }
        await eventually("ran at start") { events.get == ["run"] && clock.sleeperCount == 1 }
        task.cancel()
        _ = try? await task.value
        #expect(events.get == ["run", "last"])
    }

    @Test("a singleton job does not run without its lease; a failing job runs again")
    func leaseAndFailure() async throws {
        struct Refused: Lease {
            func acquire(_ name: String, holder: String, seconds: Double) async throws -> Bool { false }
            func release(_ name: String, holder: String) async throws {}
        }
        let runs = Shared(0)
        struct Boom: Error {}
        let failing = Job("f", every: 1) {
            runs.update { $0 += 1 }
            throw Boom()
        }
        let clock = ManualClock(t0)
        let refused = JobRunner(jobs: [failing], clock: clock, lease: Refused(), node: "n", logger: Logger(label: "test"))
        #expect(await refused.runOnce(failing) == false)
        #expect(runs.get == 0)
        let local = JobRunner(jobs: [failing], clock: clock, lease: LocalLease(), node: "n", logger: Logger(label: "test"))
        #expect(await local.runOnce(failing))
        #expect(await local.runOnce(failing))
        #expect(runs.get == 2)
        let notSingleton = Job("s", every: 1, singleton: false) { runs.update { $0 += 1 } }
        #expect(await refused.runOnce(notSingleton))
    }

    @Test("AsyncLock admits one holder at a time")
    func asyncLock() async throws {
        let lock = AsyncLock()
        let inside = Shared(0)
        let most = Shared(0)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<50 {
                group.addTask {
                    await lock.withLock {
                        inside.update { $0 += 1 }
                        let n = inside.get
                        most.update { $0 = max($0, n) }
                        await Task.yield()
                        inside.update { $0 -= 1 }
                    }
                }
            }
        }
        #expect(most.get == 1)
    }
}
