import Synchronization

/// How long each job's runs take, in monotonic time: what `GET /_trailwatch/stats` reports as
/// `job.<name>.runs`, `.totalMicros`, `.maxMicros` and `.lastMicros`, and what W9 reads to
/// check that every alarm round finishes inside its interval.
public final class JobStatistics: Sendable {
    public struct Figures: Sendable, Equatable {
        public var runs = 0
        public var totalMicros: Int64 = 0
        public var maxMicros: Int64 = 0
        public var lastMicros: Int64 = 0
    }

    private let figures = Mutex<[String: Figures]>([:])

    public init() {}

    func record(_ job: String, micros: Int64) {
        figures.withLock { all in
            var f = all[job] ?? Figures()
            f.runs += 1
            f.totalMicros += micros
            f.maxMicros = max(f.maxMicros, micros)
            f.lastMicros = micros
            all[job] = f
        }
    }

    public func snapshot() -> [String: Figures] {
        figures.withLock { $0 }
    }

    /// The figures as flat stats entries.
    public func entries() -> [String: Int64] {
        var out: [String: Int64] = [:]
        for (name, f) in snapshot() {
            out["job.\(name).runs"] = Int64(f.runs)
            out["job.\(name).totalMicros"] = f.totalMicros
            out["job.\(name).maxMicros"] = f.maxMicros
            out["job.\(name).lastMicros"] = f.lastMicros
        }
        return out
    }
}
