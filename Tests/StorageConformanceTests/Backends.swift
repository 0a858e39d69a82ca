import Foundation
import Runtime
import Storage
import StorageSQLite
import TrailwatchCore

/// Every backend the conformance kits run against: each test gets a fresh, empty backend on
/// the clock it passes. [11] adds PostgreSQL here.
struct BackendFactory: Sendable, CustomStringConvertible {
    let description: String
    let make: @Sendable (_ clock: any WallClock) throws -> any StorageBackend

    static let all: [BackendFactory] = [
        BackendFactory(description: "sqlite-memory") { clock in try SQLiteBackend(location: .memory, clock: clock) },
        BackendFactory(description: "sqlite-file") { clock in
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tw-kit-\(UUID().uuidString)")
            return try SQLiteBackend(location: .file(dir.appendingPathComponent("trailwatch.sqlite")), clock: clock)
        },
    ]
}
