package import Storage
import TrailwatchCore

/// A run of one stream's events (DESIGN.md: logs are stored per stream in time-ordered
/// blocks, compressed once sealed, each with its time bounds).
///
/// Every PutLogEvents is written as one `raw` block, so a request costs one row however many
/// events it holds; maintenance later merges a stream's settled raw blocks, in position order,
/// into `zstd` blocks (`sealed` ones, zlib, are still read: stores written before zstd hold them).
///
/// Layout (compressed as one stream when sealed, so similar lines share their dictionary): a
/// varint count, then per event the zigzag deltas of timestamp, seq and ingestion time from
/// the previous event, the message's UTF-8 length and its bytes.
package enum LogBlock {
    /// The `format` column of `log_blocks`.
    package enum Format: Int64 {
        case raw = 0
        /// zlib (stores sealed before zstd).
        case sealed = 1
        case zstd = 2

        package var isSealed: Bool { self != .raw }
    }

    /// zstd's level for sealing: BENCHMARKS.md, W4 third pass, measured the ratio and speed.
    static let zstdLevel: Int32 = 9

    package static func encode(_ events: [LogEventRecord], _ format: Format) -> [UInt8] {
        var w = ByteWriter(capacity: events.reduce(16) { $0 + $1.message.utf8.count + 12 })
        w.varint(UInt64(events.count))
        var ts: Int64 = 0, seq: Int64 = 0, ingested: Int64 = 0
        for e in events {
            w.signed(e.timestamp &- ts)
            w.signed(e.seq &- seq)
            w.signed(e.ingestionTime &- ingested)
            ts = e.timestamp
            seq = e.seq
            ingested = e.ingestionTime
            w.string(e.message)
        }
        switch format {
        case .raw: return w.bytes
        case .sealed: return Gzip.deflate(w.bytes, level: 6)
        case .zstd: return Zstd.compress(w.bytes, level: zstdLevel)
        }
    }

    package static func decode(_ body: [UInt8], _ format: Format, streamID: Int64) throws -> [LogEventRecord] {
        let raw: [UInt8]
        switch format {
        case .raw: raw = body
        case .sealed: raw = try Gzip.inflate(body, limit: 1 << 30)
        case .zstd: raw = try Zstd.decompress(body, limit: 1 << 30)
        }
        var r = ByteReader(raw)
        let n = Int(try r.varint())
        var out: [LogEventRecord] = []
        out.reserveCapacity(n)
        var ts: Int64 = 0, seq: Int64 = 0, ingested: Int64 = 0
        for _ in 0..<n {
            ts &+= try r.signed()
            seq &+= try r.signed()
            ingested &+= try r.signed()
            out.append(LogEventRecord(streamID: streamID, timestamp: ts, seq: seq, ingestionTime: ingested, message: try r.string()))
        }
        return out
    }
}
