import Storage
import TrailwatchCore

/// A sealed, compressed run of one stream's events (DESIGN.md: logs are stored per stream in
/// time-ordered blocks, compressed once sealed, each with its time bounds).
///
/// Layout before compression: a varint count, then per event (in position order) the zigzag
/// deltas of timestamp, seq and ingestion time from the previous event, the message's UTF-8
/// length and its bytes. Compressed with zlib (gzip framing) as one stream, so similar lines
/// share their dictionary.
enum LogBlock {
    static func encode(_ events: [LogEventRecord]) -> [UInt8] {
        var w = ByteWriter()
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
        return Gzip.deflate(w.bytes, level: 6)
    }

    static func decode(_ body: [UInt8], streamID: Int64) throws -> [LogEventRecord] {
        let raw = try Gzip.inflate(body, limit: 1 << 30)
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
