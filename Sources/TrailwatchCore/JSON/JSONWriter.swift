import Foundation

/// Appends JSON text to a byte buffer. Callers drive the structure; the writer escapes
/// strings and prints integral doubles with `.0` so readers keep them floating-point.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []

    public init(reserving capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    mutating func raw(_ s: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    /// Appends already-encoded JSON.
    public mutating func rawBytes(_ b: [UInt8]) { bytes.append(contentsOf: b) }

    public mutating func beginObject() { bytes.append(UInt8(ascii: "{")) }
    public mutating func endObject() { bytes.append(UInt8(ascii: "}")) }
    public mutating func beginArray() { bytes.append(UInt8(ascii: "[")) }
    public mutating func endArray() { bytes.append(UInt8(ascii: "]")) }
    public mutating func comma() { bytes.append(UInt8(ascii: ",")) }
    public mutating func colon() { bytes.append(UInt8(ascii: ":")) }
    public mutating func null() { raw("null") }
    public mutating func bool(_ b: Bool) { if b { raw("true") } else { raw("false") } }
    public mutating func int(_ i: Int64) { bytes.append(contentsOf: String(i).utf8) }

    /// Writes a double; NaN and infinities (which JSON cannot carry) become the strings AWS
    /// uses for them.
    public mutating func double(_ d: Double) {
        if d.isNaN { raw("\"NaN\""); return }
        if d.isInfinite { if d > 0 { raw("\"Infinity\"") } else { raw("\"-Infinity\"") }; return }
        if d == d.rounded(), abs(d) < 1e15 {
            bytes.append(contentsOf: String(Int64(d)).utf8)
            bytes.append(contentsOf: ".0".utf8)
        } else {
            bytes.append(contentsOf: "\(d)".utf8)
        }
    }

    /// Writes a key known when compiling (no character that needs escaping) and a colon.
    public mutating func field(_ k: StaticString) {
        bytes.append(UInt8(ascii: "\""))
        raw(k)
        raw("\":")
    }

    /// Writes `key` and a colon.
    public mutating func key(_ k: String) {
        string(k)
        colon()
    }

    /// Writes a quoted, escaped string.
    public mutating func string(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { utf8 in
            var runStart = 0
            for i in 0..<utf8.count {
                let c = utf8[i]
                let escape: StaticString?
                switch c {
                case 0x22: escape = "\\\""
                case 0x5C: escape = "\\\\"
                case 0x0A: escape = "\\n"
                case 0x0D: escape = "\\r"
                case 0x09: escape = "\\t"
                case 0x08: escape = "\\b"
                case 0x0C: escape = "\\f"
                case 0..<0x20: escape = nil
                default: continue
                }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i]))
                if let escape {
                    raw(escape)
                } else {
                    let hex: [UInt8] = Array("0123456789abcdef".utf8)
                    raw("\\u00")
                    bytes.append(hex[Int(c >> 4)])
                    bytes.append(hex[Int(c & 0xF)])
                }
                runStart = i + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<utf8.count]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Writes an untyped node (maps as objects, timestamps as epoch seconds, blobs base64).
    public mutating func value(_ v: WireValue) {
        switch v {
        case .null: null()
        case .bool(let b): bool(b)
        case .int(let i): int(i)
        case .double(let d): double(d)
        case .string(let s): string(s)
        case .blob(let b): string(Base64.encode(b))
        case .timestamp(let t): double(t.timeIntervalSince1970)
        case .list(let l):
            beginArray()
            for (i, e) in l.enumerated() {
                if i > 0 { comma() }
                value(e)
            }
            endArray()
        case .map(let m):
            beginObject()
            for (i, k) in m.keys.sorted().enumerated() {
                if i > 0 { comma() }
                key(k)
                value(m[k]!)
            }
            endObject()
        }
    }
}
