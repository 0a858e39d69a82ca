/// A malformed JSON document.
public struct JSONSyntaxError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public let offset: Int
    public var description: String { "\(message) at offset \(offset)" }
}

/// Parses JSON text into an untyped `WireValue` tree (objects become `.map`, integers that
/// fit become `.int`, other numbers `.double`).
///
/// The parser never recurses deeper than `maxDepth` and never traps on any input: every
/// malformed document ends in a `JSONSyntaxError`.
public struct JSONReader {
    /// The deepest nesting accepted (AWS documents are shallow; this bounds the stack).
    public static let maxDepth = 100

    /// Parses `bytes` as one JSON document.
    public static func parse(_ bytes: some Collection<UInt8>) throws -> WireValue {
        let array = Array(bytes)
        return try array.withUnsafeBufferPointer { buf in
            var reader = JSONReader(buf)
            defer { reader.scratch?.deallocate() }
            reader.skipWhitespace()
            let value = try reader.readValue(depth: 0)
            reader.skipWhitespace()
            guard reader.pos == buf.count else { throw reader.error("unexpected trailing characters") }
            return value
        }
    }

    /// Reads `bytes` as one JSON document with `body` pulling its values one at a time, for
    /// fast paths that want no tree (`beginObject`, `member`, `beginArray`, `element`,
    /// `string`, `int64`, `skipValue`).
    public static func pull<T>(_ bytes: [UInt8], _ body: (inout JSONReader) throws -> T) throws -> T {
        try bytes.withUnsafeBufferPointer { buf in
            var reader = JSONReader(buf)
            defer { reader.scratch?.deallocate() }
            let value = try body(&reader)
            reader.skipWhitespace()
            guard reader.pos == buf.count else { throw reader.error("unexpected trailing characters") }
            return value
        }
    }

    /// Consumes the `{` opening an object.
    public mutating func beginObject() throws { try expect(UInt8(ascii: "{")) }

    /// Consumes the `[` opening an array.
    public mutating func beginArray() throws { try expect(UInt8(ascii: "[")) }

    /// The name of the object's next member (its `:` consumed), or nil at the closing `}`.
    /// `first` is true before the first member and is updated.
    public mutating func member(_ first: inout Bool) throws -> String? {
        guard try more(UInt8(ascii: "}"), &first) else { return nil }
        skipWhitespace()
        guard pos < buf.count, buf[pos] == UInt8(ascii: "\"") else { throw error("expected a member name") }
        let key = try readString()
        try expect(UInt8(ascii: ":"))
        return key
    }

    /// True when the array has another element to read, false at the closing `]`.
    public mutating func element(_ first: inout Bool) throws -> Bool {
        try more(UInt8(ascii: "]"), &first)
    }

    /// The next value, which must be a string.
    public mutating func string() throws -> String {
        skipWhitespace()
        guard pos < buf.count, buf[pos] == UInt8(ascii: "\"") else { throw error("expected a string") }
        return try readString()
    }

    /// The next value, which must be an integer that fits 64 bits.
    public mutating func int64() throws -> Int64 {
        skipWhitespace()
        // The common case, up to 18 plain digits, read in place; anything else as a number.
        let start = pos
        let negative = pos < buf.count && buf[pos] == UInt8(ascii: "-")
        if negative { pos += 1 }
        let first = pos
        var v: Int64 = 0
        while pos < buf.count, pos - first < 18, case let d = buf[pos] &- UInt8(ascii: "0"), d < 10 {
            v = v * 10 + Int64(d)
            pos += 1
        }
        if pos > first, pos < buf.count {
            switch buf[pos] {
            case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "0")...UInt8(ascii: "9"): break
            default: return negative ? -v : v
            }
        }
        pos = start
        guard pos < buf.count, case .int(let i) = try readValue(depth: 0) else { throw error("expected an integer") }
        return i
    }

    /// Reads past the next value, whatever it is.
    public mutating func skipValue() throws {
        skipWhitespace()
        _ = try readValue(depth: 0)
    }

    private mutating func expect(_ c: UInt8) throws {
        skipWhitespace()
        guard pos < buf.count, buf[pos] == c else { throw error("expected '\(Character(Unicode.Scalar(c)))'") }
        pos += 1
    }

    /// After `first`, a `,` before each further item; false (consumed) at `close`.
    private mutating func more(_ close: UInt8, _ first: inout Bool) throws -> Bool {
        skipWhitespace()
        guard pos < buf.count else { throw error("unexpected end of document") }
        if buf[pos] == close { pos += 1; return false }
        if !first {
            guard buf[pos] == UInt8(ascii: ",") else { throw error("expected ','") }
            pos += 1
        }
        first = false
        return true
    }

    private let buf: UnsafeBufferPointer<UInt8>
    private var pos = 0

    /// Where escaped strings are decoded: as long as the document (a string never decodes
    /// longer than its text), allocated at the first escape and freed with the reader.
    private var scratch: UnsafeMutablePointer<UInt8>?

    private init(_ buf: UnsafeBufferPointer<UInt8>) { self.buf = buf }

    private func error(_ message: String) -> JSONSyntaxError { JSONSyntaxError(message: message, offset: pos) }

    private mutating func skipWhitespace() {
        while pos < buf.count {
            switch buf[pos] {
            case 0x20, 0x09, 0x0A, 0x0D: pos += 1
            default: return
            }
        }
    }

    private mutating func readValue(depth: Int) throws -> WireValue {
        guard depth < JSONReader.maxDepth else { throw error("document nested too deeply") }
        guard pos < buf.count else { throw error("unexpected end of document") }
        switch buf[pos] {
        case UInt8(ascii: "{"): return try readObject(depth: depth)
        case UInt8(ascii: "["): return try readArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try readString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try readNumber()
        default: throw error("unexpected character")
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws {
        let n = literal.utf8CodeUnitCount
        guard pos + n <= buf.count else { throw error("unexpected end of document") }
        let p = literal.utf8Start
        for i in 0..<n where buf[pos + i] != p[i] { throw error("invalid literal") }
        pos += n
    }

    private mutating func readObject(depth: Int) throws -> WireValue {
        pos += 1
        var fields: [String: WireValue] = [:]
        skipWhitespace()
        if pos < buf.count, buf[pos] == UInt8(ascii: "}") { pos += 1; return .map(fields) }
        while true {
            skipWhitespace()
            guard pos < buf.count, buf[pos] == UInt8(ascii: "\"") else { throw error("expected a member name") }
            let key = try readString()
            skipWhitespace()
            guard pos < buf.count, buf[pos] == UInt8(ascii: ":") else { throw error("expected ':'") }
            pos += 1
            skipWhitespace()
            fields[key] = try readValue(depth: depth + 1)
            skipWhitespace()
            guard pos < buf.count else { throw error("unexpected end of document") }
            if buf[pos] == UInt8(ascii: ",") { pos += 1; continue }
            if buf[pos] == UInt8(ascii: "}") { pos += 1; return .map(fields) }
            throw error("expected ',' or '}'")
        }
    }

    private mutating func readArray(depth: Int) throws -> WireValue {
        pos += 1
        var items: [WireValue] = []
        skipWhitespace()
        if pos < buf.count, buf[pos] == UInt8(ascii: "]") { pos += 1; return .list(items) }
        while true {
            skipWhitespace()
            items.append(try readValue(depth: depth + 1))
            skipWhitespace()
            guard pos < buf.count else { throw error("unexpected end of document") }
            if buf[pos] == UInt8(ascii: ",") { pos += 1; continue }
            if buf[pos] == UInt8(ascii: "]") { pos += 1; return .list(items) }
            throw error("expected ',' or ']'")
        }
    }

    /// Reads a string starting at the opening quote.
    ///
    /// Eight bytes at a time while none is special; a string without escapes is made straight
    /// from the document, one with escapes is decoded in the same pass into `scratch`.
    mutating func readString() throws -> String {
        pos += 1
        let start = pos
        var i = special(from: start)
        guard i < buf.count else { pos = buf.count; throw error("unterminated string") }
        if buf[i] == UInt8(ascii: "\"") {
            pos = i + 1
            return String(decoding: UnsafeBufferPointer(rebasing: buf[start..<i]), as: UTF8.self)
        }
        if scratch == nil { scratch = .allocate(capacity: buf.count) }
        let out = scratch!, base = buf.baseAddress!, raw = UnsafeRawPointer(base), n = buf.count
        out.update(from: base + start, count: i - start)
        var o = i - start
        while true {
            // Eight bytes stored at once; up to the first special one they count.
            while i + 8 <= n {
                let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                UnsafeMutableRawPointer(out + o).storeBytes(of: w, as: UInt64.self)
                let m = Self.specialBytes(w)
                if m != 0 {
                    let k = m.trailingZeroBitCount >> 3
                    i += k
                    o += k
                    break
                }
                o += 8
                i += 8
            }
            guard i < n else { pos = n; throw error("unterminated string") }
            let c = base[i]
            if c == UInt8(ascii: "\"") { break }
            if c < 0x20 { pos = i; throw error("control character in string") }
            if c != UInt8(ascii: "\\") {
                out[o] = c
                o += 1
                i += 1
                continue
            }
            guard i + 1 < n else { pos = n; throw error("unterminated string") }
            let e = base[i + 1]
            i += 2
            if e == UInt8(ascii: "\"") {
                // By far the most common escape (JSON in JSON).
                out[o] = 0x22
                o += 1
                continue
            }
            switch e {
            case UInt8(ascii: "\""): out[o] = 0x22
            case UInt8(ascii: "\\"): out[o] = 0x5C
            case UInt8(ascii: "/"): out[o] = 0x2F
            case UInt8(ascii: "b"): out[o] = 0x08
            case UInt8(ascii: "f"): out[o] = 0x0C
            case UInt8(ascii: "n"): out[o] = 0x0A
            case UInt8(ascii: "r"): out[o] = 0x0D
            case UInt8(ascii: "t"): out[o] = 0x09
            case UInt8(ascii: "u"):
                var scalar = try hex4(at: i)
                i += 4
                if (0xD800..<0xDC00).contains(scalar) {
                    // A high surrogate must be followed by an escaped low surrogate.
                    if i + 1 < n, base[i] == UInt8(ascii: "\\"), base[i + 1] == UInt8(ascii: "u") {
                        let low = try hex4(at: i + 2)
                        i += 6
                        scalar = (0xDC00..<0xE000).contains(low) ? 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00) : 0xFFFD
                    } else {
                        scalar = 0xFFFD
                    }
                } else if (0xDC00..<0xE000).contains(scalar) {
                    scalar = 0xFFFD
                }
                o += writeUTF8(Unicode.Scalar(scalar) ?? "\u{FFFD}", to: out + o)
                continue
            default:
                pos = i - 1
                throw error("invalid escape")
            }
            o += 1
        }
        pos = i + 1
        return String(decoding: UnsafeBufferPointer(start: out, count: o), as: UTF8.self)
    }

    /// The four hex digits at `at` as a number.
    private func hex4(at: Int) throws -> UInt32 {
        guard at + 4 <= buf.count else { throw JSONSyntaxError(message: "invalid unicode escape", offset: at) }
        var v: UInt32 = 0
        for i in at..<at + 4 {
            let c = buf[i]
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw JSONSyntaxError(message: "invalid unicode escape", offset: i)
            }
            v = v << 4 | d
        }
        return v
    }

    /// The index of the first byte from `i` that is `"`, `\\` or a control character (or one
    /// past the end), eight bytes at a time.
    @inline(__always)
    private func special(from i: Int) -> Int {
        var i = i
        if let base = buf.baseAddress {
            let raw = UnsafeRawPointer(base)
            while i + 8 <= buf.count {
                let m = Self.specialBytes(raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                if m != 0 { return i + m.trailingZeroBitCount >> 3 }
                i += 8
            }
        }
        while i < buf.count {
            let c = buf[i]
            if c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") || c < 0x20 { return i }
            i += 1
        }
        return i
    }

    /// The high bit set in the bytes of `w` that are `"`, `\\` or below 0x20; the lowest one
    /// set is always exact (a borrow only runs upward from a real match).
    @inline(__always)
    static func specialBytes(_ w: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101, high: UInt64 = 0x8080_8080_8080_8080
        let q = w ^ (ones &* 0x22), b = w ^ (ones &* 0x5C)
        return (((q &- ones) & ~q) | ((b &- ones) & ~b) | ((w &- ones &* 0x20) & ~w)) & high
    }

    private mutating func readNumber() throws -> WireValue {
        let start = pos
        if buf[pos] == UInt8(ascii: "-") { pos += 1 }
        var isInteger = true
        var digits = 0
        while pos < buf.count, buf[pos] >= UInt8(ascii: "0"), buf[pos] <= UInt8(ascii: "9") { pos += 1; digits += 1 }
        guard digits > 0 else { throw error("invalid number") }
        if pos < buf.count, buf[pos] == UInt8(ascii: ".") {
            isInteger = false
            pos += 1
            var frac = 0
            while pos < buf.count, buf[pos] >= UInt8(ascii: "0"), buf[pos] <= UInt8(ascii: "9") { pos += 1; frac += 1 }
            guard frac > 0 else { throw error("invalid number") }
        }
        if pos < buf.count, buf[pos] == UInt8(ascii: "e") || buf[pos] == UInt8(ascii: "E") {
            isInteger = false
            pos += 1
            if pos < buf.count, buf[pos] == UInt8(ascii: "+") || buf[pos] == UInt8(ascii: "-") { pos += 1 }
            var exp = 0
            while pos < buf.count, buf[pos] >= UInt8(ascii: "0"), buf[pos] <= UInt8(ascii: "9") { pos += 1; exp += 1 }
            guard exp > 0 else { throw error("invalid number") }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: buf[start..<pos]), as: UTF8.self)
        if isInteger, let i = Int64(text) { return .int(i) }
        guard let d = Double(text) else { throw error("invalid number") }
        return .double(d)
    }
}

/// Writes the UTF-8 encoding of `scalar` at `p`; returns its length (1 to 4).
func writeUTF8(_ scalar: Unicode.Scalar, to p: UnsafeMutablePointer<UInt8>) -> Int {
    let v = scalar.value
    switch v {
    case 0..<0x80:
        p[0] = UInt8(v)
        return 1
    case 0x80..<0x800:
        p[0] = UInt8(0xC0 | (v >> 6))
        p[1] = UInt8(0x80 | (v & 0x3F))
        return 2
    case 0x800..<0x10000:
        p[0] = UInt8(0xE0 | (v >> 12))
        p[1] = UInt8(0x80 | ((v >> 6) & 0x3F))
        p[2] = UInt8(0x80 | (v & 0x3F))
        return 3
    default:
        p[0] = UInt8(0xF0 | (v >> 18))
        p[1] = UInt8(0x80 | ((v >> 12) & 0x3F))
        p[2] = UInt8(0x80 | ((v >> 6) & 0x3F))
        p[3] = UInt8(0x80 | (v & 0x3F))
        return 4
    }
}
