import CZlib

/// The AWS event-stream binary framing (`application/vnd.amazon.eventstream`) that streaming
/// operations such as StartLiveTail answer with: each message is a prelude (total length,
/// headers length, prelude CRC32), string headers, the payload, and a CRC32 of everything
/// before it, all big-endian.
public enum EventStream {
    /// An `event` message of `eventType` with a JSON payload.
    public static func event(_ eventType: String, json payload: [UInt8]) -> [UInt8] {
        message(headers: [(":message-type", "event"), (":event-type", eventType), (":content-type", "application/json")], payload: payload)
    }

    /// An `exception` message (a modelled error inside the stream).
    public static func exception(_ type: String, json payload: [UInt8]) -> [UInt8] {
        message(headers: [(":message-type", "exception"), (":exception-type", type), (":content-type", "application/json")], payload: payload)
    }

    public static func message(headers: [(String, String)], payload: [UInt8]) -> [UInt8] {
        var h: [UInt8] = []
        for (name, value) in headers {
            let n = Array(name.utf8), v = Array(value.utf8)
            h.append(UInt8(n.count))
            h.append(contentsOf: n)
            h.append(7)  // string
            h.append(UInt8(v.count >> 8))
            h.append(UInt8(v.count & 0xFF))
            h.append(contentsOf: v)
        }
        let total = 12 + h.count + payload.count + 4
        var out: [UInt8] = []
        out.reserveCapacity(total)
        append32(&out, UInt32(total))
        append32(&out, UInt32(h.count))
        append32(&out, crc32(out))
        out.append(contentsOf: h)
        out.append(contentsOf: payload)
        append32(&out, crc32(out))
        return out
    }

    static func append32(_ out: inout [UInt8], _ v: UInt32) {
        out.append(UInt8(v >> 24))
        out.append(UInt8((v >> 16) & 0xFF))
        out.append(UInt8((v >> 8) & 0xFF))
        out.append(UInt8(v & 0xFF))
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { UInt32(CZlib.crc32(0, $0.baseAddress, UInt32($0.count))) }
    }
}
