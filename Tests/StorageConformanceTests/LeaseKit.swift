import Foundation
import Runtime
import Storage
import Testing
import TrailwatchCore

/// The `Lease` contract (Runtime/Lease.swift), run against every backend's lease.
@Suite("Lease conformance")
struct LeaseKit {
    let t0 = Date(timeIntervalSince1970: 1_790_000_000)

    func make(_ factory: BackendFactory) throws -> (any Lease, ManualClock) {
        let clock = ManualClock(t0)
        return (try factory.make(clock).lease, clock)
    }

    @Test("one holder at a time; the holder renews; after expiry another takes over and the first is refused", arguments: BackendFactory.all)
    func takeOver(_ factory: BackendFactory) async throws {
        let (lease, clock) = try make(factory)
        #expect(try await lease.acquire("job", holder: "A", seconds: 10))
        #expect(try await lease.acquire("job", holder: "B", seconds: 10) == false)
        clock.advance(by: 5)
        #expect(try await lease.acquire("job", holder: "B", seconds: 10) == false)
        #expect(try await lease.acquire("job", holder: "A", seconds: 10))
        clock.advance(by: 11)
        #expect(try await lease.acquire("job", holder: "B", seconds: 10))
        #expect(try await lease.acquire("job", holder: "A", seconds: 10) == false)
        #expect(try await lease.acquire("job", holder: "B", seconds: 10))
    }

    @Test("renewing extends the lease to now + seconds", arguments: BackendFactory.all)
    func renewalExtends(_ factory: BackendFactory) async throws {
        let (lease, clock) = try make(factory)
        #expect(try await lease.acquire("job", holder: "A", seconds: 10))
        clock.advance(by: 8)
        #expect(try await lease.acquire("job", holder: "A", seconds: 10))  // now held to t0 + 18
        clock.advance(by: 5)                                                // t0 + 13: past the first term
        #expect(try await lease.acquire("job", holder: "B", seconds: 10) == false)
        clock.advance(by: 4.9)                                              // t0 + 17.9
        #expect(try await lease.acquire("job", holder: "B", seconds: 10) == false)
        clock.advance(by: 0.2)                                              // t0 + 18.1
        #expect(try await lease.acquire("job", holder: "B", seconds: 10))
    }

    @Test("a lease lapses at acquire time + seconds", arguments: BackendFactory.all)
    func lapseInstant(_ factory: BackendFactory) async throws {
        let (lease, clock) = try make(factory)
        #expect(try await lease.acquire("job", holder: "A", seconds: 30))
        clock.advance(by: 29.5)
        #expect(try await lease.acquire("job", holder: "B", seconds: 30) == false)
        clock.advance(by: 0.5)
        #expect(try await lease.acquire("job", holder: "B", seconds: 30))
    }

    @Test("a holder may re-acquire its own lease at any time, even after it lapsed", arguments: BackendFactory.all)
    func reacquireOwn(_ factory: BackendFactory) async throws {
        let (lease, clock) = try make(factory)
        #expect(try await lease.acquire("job", holder: "A", seconds: 1))
        #expect(try await lease.acquire("job", holder: "A", seconds: 1))
        clock.advance(by: 100)
        #expect(try await lease.acquire("job", holder: "A", seconds: 1))
        #expect(try await lease.acquire("job", holder: "B", seconds: 1) == false)
    }

    @Test("release by a non-holder changes nothing", arguments: BackendFactory.all)
    func releaseByOther(_ factory: BackendFactory) async throws {
        let (lease, _) = try make(factory)
        #expect(try await lease.acquire("job", holder: "A", seconds: 10))
        try await lease.release("job", holder: "B")
        #expect(try await lease.acquire("job", holder: "B", seconds: 10) == false)
        #expect(try await lease.acquire("job", holder: "A", seconds: 10))
        // Releasing a lease nobody holds, or never taken, is not an error.
        try await lease.release("never", holder: "A")
    }

    @Test("release by the holder lets another acquire at once", arguments: BackendFactory.all)
    func releaseByHolder(_ factory: BackendFactory) async throws {
        let (lease, _) = try make(factory)
        #expect(try await lease.acquire("job", holder: "A", seconds: 10))
        try await lease.release("job", holder: "A")
        #expect(try await lease.acquire("job", holder: "B", seconds: 10))
        #expect(try await lease.acquire("job", holder: "A", seconds: 10) == false)
        // A's late release does not take the lease from B.
        try await lease.release("job", holder: "A")
        #expect(try await lease.acquire("job", holder: "A", seconds: 10) == false)
    }

    @Test("leases of different names are independent", arguments: BackendFactory.all)
    func names(_ factory: BackendFactory) async throws {
        let (lease, _) = try make(factory)
        #expect(try await lease.acquire("x", holder: "A", seconds: 10))
        #expect(try await lease.acquire("y", holder: "B", seconds: 10))
        #expect(try await lease.acquire("x", holder: "B", seconds: 10) == false)
        #expect(try await lease.acquire("y", holder: "A", seconds: 10) == false)
        try await lease.release("x", holder: "A")
        #expect(try await lease.acquire("y", holder: "A", seconds: 10) == false)
    }

    @Test("concurrent acquires of a free lease: exactly one holder wins", arguments: BackendFactory.all)
    func concurrentAcquire(_ factory: BackendFactory) async throws {
        let (lease, _) = try make(factory)
        let holders = (0..<20).map { "node-\($0)" }
        let winners = try await withThrowingTaskGroup(of: String?.self, returning: [String].self) { group in
            for h in holders { group.addTask { try await lease.acquire("job", holder: h, seconds: 10) ? h : nil } }
            return try await group.reduce(into: []) { if let w = $1 { $0.append(w) } }
        }
        #expect(winners.count == 1)
        let winner = try #require(winners.first)
        #expect(try await lease.acquire("job", holder: winner, seconds: 10))
    }
}
