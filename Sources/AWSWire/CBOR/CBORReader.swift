import Foundation
public import TrailwatchCore

/// A malformed CBOR item.
public struct CBORSyntaxError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// Decodes RFC 8949 CBOR (as smithy-rpc-v2-cbor uses it) into an untyped `WireValue`:
/// byte strings become `.blob`, tag 1 becomes `.timestamp`, maps need text keys.
/// Definite and indefinite lengths are both read; nesting is bounded.
public struct CBORReader {
    public static let maxDepth = 100

    /// Decodes one data item filling all of `bytes`.
    public static func decode(_ bytes: some Collection<UInt8>) throws -> WireValue {
        let array = Array(bytes)
        return try array.withUnsafeBufferPointer { buf in
            var r = CBORReader(buf: buf)
            let v = try r.item(depth: 0)
            guard r.pos == buf.count else { throw CBORSyntaxError(message: "trailing bytes after the data item") }
            return v
        }
    }

    private let buf: UnsafeBufferPointer<UInt8>
    private var pos = 0

    private init(buf: UnsafeBufferPointer<UInt8>) { self.buf = buf }

    private mutating func byte() throws -> UInt8 {
        guard pos < buf.count else { throw CBORSyntaxError(message: "unexpected end of data") }
        defer { pos += 1 }
        return buf[pos]
    }

    private mutating func uint(_ n: Int) throws -> UInt64 {
        guard pos + n <= buf.count else { throw CBORSyntaxError(message: "unexpected end of data") }
        var v: UInt64 = 0
        for i in 0..<n { v = v << 8 | UInt64(buf[pos + i]) }
        pos += n
        return v
    }

    /// The argument of an initial byte; nil for indefinite length (31).
    private mutating func argument(_ info: UInt8) throws -> UInt64? {
        switch info {
        case 0..<24: return UInt64(info)
        case 24: return try uint(1)
        case 25: return try uint(2)
        case 26: return try uint(4)
        case 27: return try uint(8)
        case 31: return nil
        default: throw CBORSyntaxError(message: "reserved additional information \(info)")
        }
    }

    private mutating func bytes(_ n: UInt64) throws -> ArraySlice<UInt8> {
        guard n <= UInt64(buf.count - pos) else { throw CBORSyntaxError(message: "length past end of data") }
        let start = pos
        pos += Int(n)
        return ArraySlice(buf[start..<pos])
    }

    private mutating func isBreak() -> Bool {
        if pos < buf.count, buf[pos] == 0xFF { pos += 1; return true }
        return false
    }

    private mutating func item(depth: Int) throws -> WireValue {
        guard depth < CBORReader.maxDepth else { throw CBORSyntaxError(message: "nested too deeply") }
        let initial = try byte()
        let major = initial >> 5
        let info = initial & 0x1F
        switch major {
        case 0:
            guard let v = try argument(info) else { throw CBORSyntaxError(message: "indefinite integer") }
            guard v <= UInt64(Int64.max) else { return .double(Double(v)) }
            return .int(Int64(v))
        case 1:
            guard let v = try argument(info) else { throw CBORSyntaxError(message: "indefinite integer") }
            guard v < UInt64(Int64.max) else { return .double(-1 - Double(v)) }
            return .int(-1 - Int64(v))
        case 2, 3:
            var data: [UInt8] = []
            if let n = try argument(info) {
                data = Array(try bytes(n))
            } else {
                while !isBreak() {
                    let chunk = try byte()
                    guard chunk >> 5 == major, let n = try argument(chunk & 0x1F) else {
                        throw CBORSyntaxError(message: "invalid indefinite string chunk")
                    }
                    data.append(contentsOf: try bytes(n))
                }
            }
            if major == 2 { return .blob(data) }
            guard let s = String(validating: data, as: UTF8.self) else { throw CBORSyntaxError(message: "invalid UTF-8 in text string") }
            return .string(s)
        case 4:
            var items: [WireValue] = []
            if let n = try argument(info) {
                guard n <= UInt64(buf.count - pos) else { throw CBORSyntaxError(message: "array length past end of data") }
                items.reserveCapacity(Int(n))
                for _ in 0..<n { items.append(try item(depth: depth + 1)) }
            } else {
                while !isBreak() { items.append(try item(depth: depth + 1)) }
            }
            return .list(items)
        case 5:
            var fields: [String: WireValue] = [:]
            func entry(_ r: inout CBORReader) throws {
                guard case .string(let k) = try r.item(depth: depth + 1) else {
                    throw CBORSyntaxError(message: "map keys must be text strings")
                }
                fields[k] = try r.item(depth: depth + 1)
            }
            if let n = try argument(info) {
                guard n <= UInt64(buf.count - pos) else { throw CBORSyntaxError(message: "map length past end of data") }
                for _ in 0..<n { try entry(&self) }
            } else {
                while !isBreak() { try entry(&self) }
            }
            return .map(fields)
        case 6:
            guard let tag = try argument(info) else { throw CBORSyntaxError(message: "indefinite tag") }
            let inner = try item(depth: depth + 1)
            if tag == 1, let secs = inner.doubleValue { return .timestamp(Date(timeIntervalSince1970: secs)) }
            return inner
        default:
            switch info {
            case 20: return .bool(false)
            case 21: return .bool(true)
            case 22, 23: return .null
            case 25:
                return .double(halfToDouble(UInt16(try uint(2))))
            case 26:
                let bits = UInt32(try uint(4))
                return .double(Double(Float(bitPattern: bits)))
            case 27:
                return .double(Double(bitPattern: try uint(8)))
            default:
                throw CBORSyntaxError(message: "unsupported simple value \(info)")
            }
        }
    }
}

/// IEEE 754 half precision to double (RFC 8949 appendix D).
func halfToDouble(_ half: UInt16) -> Double {
    let exp = Int(half >> 10) & 0x1F
    let mant = Double(half & 0x3FF)
    let value: Double
    if exp == 0 {
        value = mant * 0x1p-24
    } else if exp != 31 {
        value = (mant + 1024) * Double(sign: .plus, exponent: exp - 25, significand: 1)
    } else {
        value = mant == 0 ? .infinity : .nan
    }
    return half & 0x8000 != 0 ? -value : value
}
