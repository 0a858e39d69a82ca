#if canImport(Glibc)
import Glibc
#endif
import CZlib
import Dispatch
package import Foundation
import Synchronization

/// The metric store's write-ahead log: an append-only file of records, fsynced in groups.
///
/// ```
/// append ─► pending ─┐  writer loop (own queue, one at a time):
/// append ─► pending ─┼─► write every pending record in one write(2) ─► fdatasync
/// append ─► pending ─┘   ─► each record's afterCommit, in log order ─► resume callers
/// ```
/// A caller is resumed after the fsync that holds its record: an answer sent then is durable.
/// Records live in segment files `<first seq>.log`; `rotate()` starts a new segment and
/// `truncate(through:)` deletes the segments that only hold records already checkpointed,
/// so dropping replayed data is an unlink, not a delete of rows.
///
/// Record: `length u32 · crc32 u32 · seq u64 · body`, little-endian. Replay stops at the first
/// torn or corrupt record: a crash can only tear the tail, whose callers were never answered.
package final class MetricLog: Sendable {
    package struct Record: Sendable {
        package let seq: Int64
        package let body: [UInt8]
    }

    private struct Job: Sendable {
        let body: [UInt8]
        let afterCommit: @Sendable (Int64) -> Void
        let finish: @Sendable (Result<Int64, any Error>) -> Void
    }

    private struct State {
        var pending: [Job] = []
        var draining = false
        var nextSeq: Int64 = 1
        /// The open segment and the first seq written to it.
        var handle: FileHandle?
        var segmentStart: Int64 = 1
        var segmentBytes = 0
        /// Closed segments: first seq -> last seq.
        var closed: [(first: Int64, last: Int64)] = []
    }

    package let directory: URL
    private let state: Mutex<State>
    private let queue = DispatchQueue(label: "trailwatch.metric-log")
    /// A segment past this size is closed at the next write.
    package static let segmentLimit = 64 * 1024 * 1024

    /// Opens (creating) the log's directory; `replay()` then reads what is in it.
    package init(directory: URL) throws {
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        state = Mutex(State())
    }

    /// Reads every intact record, removing any torn tail; afterwards appends continue after the
    /// last record read.
    package func replay() throws -> [Record] {
        var records: [Record] = []
        var closed: [(first: Int64, last: Int64)] = []
        for (first, url) in try segments() {
            let data = try Data(contentsOf: url)
            var pos = 0
            var last: Int64 = first - 1
            data.withUnsafeBytes { raw in
                let b = raw.bindMemory(to: UInt8.self)
                while pos + 16 <= b.count {
                    let length = Int(Self.u32(b, pos))
                    let crc = Self.u32(b, pos + 4)
                    guard pos + 16 + length <= b.count else { break }
                    let seq = Int64(bitPattern: Self.u64(b, pos + 8))
                    let body = Array(UnsafeBufferPointer(rebasing: b[(pos + 16)..<(pos + 16 + length)]))
                    guard Self.crc(body, seq: seq) == crc else { break }
                    records.append(Record(seq: seq, body: body))
                    last = seq
                    pos += 16 + length
                }
            }
            if pos < data.count {
                // A torn tail: keep the intact prefix.
                let h = try FileHandle(forWritingTo: url)
                try h.truncate(atOffset: UInt64(pos))
                try h.close()
            }
            closed.append((first, last))
        }
        let next = (records.last?.seq ?? 0) + 1
        state.withLock { s in
            s.nextSeq = next
            s.closed = closed.filter { $0.last >= $0.first }
            for c in closed where c.last < c.first {
                try? FileManager.default.removeItem(at: directory.appendingPathComponent("\(c.first).log"))
            }
        }
        return records
    }

    private func segments() throws -> [(Int64, URL)] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .compactMap { name -> (Int64, URL)? in
                guard name.hasSuffix(".log"), let first = Int64(name.dropLast(4)) else { return nil }
                return (first, directory.appendingPathComponent(name))
            }
            .sorted { $0.0 < $1.0 }
    }

    /// Appends `body`; returns its seq once it is on disk. `afterCommit` runs on the log's
    /// queue, in seq order, before the caller resumes.
    package func append(_ body: [UInt8], afterCommit: @escaping @Sendable (Int64) -> Void) async throws -> Int64 {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int64, any Error>) in
            let job = Job(body: body, afterCommit: afterCommit, finish: { continuation.resume(with: $0) })
            let start = state.withLock { s -> Bool in
                s.pending.append(job)
                if s.draining { return false }
                s.draining = true
                return true
            }
            if start { queue.async { self.drain() } }
        }
    }

    /// Runs `work` on the log's queue between two groups of appends: no record is written or
    /// applied while it runs.
    package func exclusive<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            queue.async { continuation.resume(with: Result { try work() }) }
        }
    }

    private func drain() {
        while true {
            let batch = state.withLock { s -> [Job] in
                if s.pending.isEmpty {
                    s.draining = false
                    return []
                }
                let b = s.pending
                s.pending = []
                return b
            }
            if batch.isEmpty { return }
            write(batch)
        }
    }

    private func write(_ batch: [Job]) {
        do {
            let (handle, firstSeq) = try state.withLock { s -> (FileHandle, Int64) in
                if s.handle == nil || s.segmentBytes > Self.segmentLimit { try openSegment(&s) }
                return (s.handle!, s.nextSeq)
            }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(batch.reduce(0) { $0 + $1.body.count + 16 })
            for (i, job) in batch.enumerated() {
                let seq = firstSeq + Int64(i)
                Self.put32(&bytes, UInt32(job.body.count))
                Self.put32(&bytes, Self.crc(job.body, seq: seq))
                Self.put64(&bytes, UInt64(bitPattern: seq))
                bytes.append(contentsOf: job.body)
            }
            try handle.write(contentsOf: bytes)
            guard fdatasync(handle.fileDescriptor) == 0 else { throw POSIXError(.EIO) }
            state.withLock { s in
                s.nextSeq = firstSeq + Int64(batch.count)
                s.segmentBytes += bytes.count
            }
            for (i, job) in batch.enumerated() { job.afterCommit(firstSeq + Int64(i)) }
            for (i, job) in batch.enumerated() { job.finish(.success(firstSeq + Int64(i))) }
        } catch {
            // The segment may hold a partial write: start a fresh one for what comes next.
            state.withLock { s in
                try? s.handle?.close()
                s.handle = nil
            }
            for job in batch { job.finish(.failure(error)) }
        }
    }

    private func openSegment(_ s: inout State) throws {
        if let h = s.handle {
            try h.close()
            s.closed.append((s.segmentStart, s.nextSeq - 1))
        }
        let url = directory.appendingPathComponent("\(s.nextSeq).log")
        FileManager.default.createFile(atPath: url.path, contents: nil)
        let h = try FileHandle(forWritingTo: url)
        try h.seekToEnd()
        // The new file's directory entry must reach the disk too, or a crash could lose the
        // whole segment with every record fsynced into it.
        try Self.syncDirectory(directory)
        s.handle = h
        s.segmentStart = s.nextSeq
        s.segmentBytes = 0
    }

    /// fsyncs a directory, making the files created (or removed) in it durable.
    package static func syncDirectory(_ url: URL) throws {
        let fd = open(url.path, O_RDONLY | O_DIRECTORY)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }

    /// Closes the open segment so the next append starts a new one (call on the log's queue,
    /// through `exclusive`, before a checkpoint captures the head).
    package func rotate() {
        state.withLock { s in
            if let h = s.handle {
                try? h.close()
                s.handle = nil
                if s.nextSeq > s.segmentStart { s.closed.append((s.segmentStart, s.nextSeq - 1)) } else {
                    try? FileManager.default.removeItem(at: directory.appendingPathComponent("\(s.segmentStart).log"))
                }
            }
        }
    }

    /// Deletes closed segments whose records all have seq <= `seq`.
    package func truncate(through seq: Int64) {
        let doomed = state.withLock { s -> [Int64] in
            let d = s.closed.filter { $0.last <= seq }.map(\.first)
            s.closed.removeAll { $0.last <= seq }
            return d
        }
        for first in doomed { try? FileManager.default.removeItem(at: directory.appendingPathComponent("\(first).log")) }
    }

    /// Deletes every record (test-suite resets).
    package func removeAll() {
        state.withLock { s in
            try? s.handle?.close()
            s.handle = nil
            s.closed = []
        }
        for (_, url) in (try? segments()) ?? [] { try? FileManager.default.removeItem(at: url) }
    }

    // MARK: Encoding

    package static func crc(_ body: [UInt8], seq: Int64) -> UInt32 {
        var s = UInt64(bitPattern: seq).littleEndian
        var c = withUnsafeBytes(of: &s) { UInt32(crc32(0, $0.bindMemory(to: UInt8.self).baseAddress, 8)) }
        body.withUnsafeBufferPointer { c = UInt32(crc32(UInt(c), $0.baseAddress, UInt32($0.count))) }
        return c
    }

    package static func put32(_ b: inout [UInt8], _ v: UInt32) { for k in 0..<4 { b.append(UInt8(truncatingIfNeeded: v >> (8 * k))) } }
    package static func put64(_ b: inout [UInt8], _ v: UInt64) { for k in 0..<8 { b.append(UInt8(truncatingIfNeeded: v >> (8 * k))) } }

    package static func u32(_ b: UnsafeBufferPointer<UInt8>, _ at: Int) -> UInt32 {
        var v: UInt32 = 0
        for k in 0..<4 { v |= UInt32(b[at + k]) << (8 * k) }
        return v
    }

    package static func u64(_ b: UnsafeBufferPointer<UInt8>, _ at: Int) -> UInt64 {
        var v: UInt64 = 0
        for k in 0..<8 { v |= UInt64(b[at + k]) << (8 * k) }
        return v
    }
}
