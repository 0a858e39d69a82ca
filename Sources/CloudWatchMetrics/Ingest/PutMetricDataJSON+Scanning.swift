import Foundation
import TrailwatchCore

/// The byte-level reading PutMetricDataJSON's parser is built from: whitespace, punctuation,
/// strings without escapes, numbers, and skipping whatever it does not read.
extension PutMetricDataJSON.Parser {
    /// The bytes of the next string when it has no escapes.
    mutating func rawString() -> UnsafeBufferPointer<UInt8>? {
        ws()
        guard pos < buf.count, buf[pos] == UInt8(ascii: "\"") else { return nil }
        let start = pos + 1
        var i = start
        while i < buf.count {
            let c = buf[i]
            if c == UInt8(ascii: "\"") {
                pos = i + 1
                return UnsafeBufferPointer(rebasing: buf[start..<i])
            }
            if c == UInt8(ascii: "\\") || c < 0x20 { return nil }
            i += 1
        }
        return nil
    }

    /// Printable ASCII, `min...max` bytes, with a character other than space.
    static func plain(_ s: UnsafeBufferPointer<UInt8>, _ min: Int, _ max: Int) -> Bool {
        guard s.count >= min, s.count <= max else { return false }
        var nonSpace = false
        for c in s {
            guard c >= 0x20, c < 0x7F else { return false }
            if c != 0x20 { nonSpace = true }
        }
        return nonSpace
    }

    mutating func ws() {
        while pos < buf.count {
            let c = buf[pos]
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { pos += 1 } else { return }
        }
    }

    mutating func consume(_ c: UInt8) -> Bool {
        ws()
        guard pos < buf.count, buf[pos] == c else { return false }
        pos += 1
        return true
    }

    mutating func peekIs(_ c: UInt8) -> Bool {
        ws()
        return pos < buf.count && buf[pos] == c
    }

    /// A string without escapes fast; with escapes through the general reader.
    mutating func string() -> String? {
        ws()
        guard pos < buf.count, buf[pos] == UInt8(ascii: "\"") else { return nil }
        let start = pos + 1
        var i = start
        while i < buf.count {
            let c = buf[i]
            if c == UInt8(ascii: "\"") {
                pos = i + 1
                return String(decoding: UnsafeBufferPointer(rebasing: buf[start..<i]), as: UTF8.self)
            }
            if c == UInt8(ascii: "\\") || c < 0x20 { return nil }  // escapes: take the general path
            i += 1
        }
        return nil
    }

    /// Compares the next string with `key` without allocating; advances past it.
    mutating func key() -> UnsafeBufferPointer<UInt8>? {
        ws()
        guard pos < buf.count, buf[pos] == UInt8(ascii: "\"") else { return nil }
        let start = pos + 1
        var i = start
        while i < buf.count, buf[i] != UInt8(ascii: "\"") {
            if buf[i] == UInt8(ascii: "\\") || buf[i] < 0x20 { return nil }
            i += 1
        }
        guard i < buf.count else { return nil }
        pos = i + 1
        guard consume(UInt8(ascii: ":")) else { return nil }
        return UnsafeBufferPointer(rebasing: buf[start..<i])
    }

    /// `null` read as absent.
    mutating func null() -> Bool {
        ws()
        if pos + 4 <= buf.count, buf[pos] == UInt8(ascii: "n"), buf[pos + 1] == UInt8(ascii: "u"),
           buf[pos + 2] == UInt8(ascii: "l"), buf[pos + 3] == UInt8(ascii: "l") {
            pos += 4
            return true
        }
        return false
    }

    static let pow10: [Double] = (0...22).map { Foundation.pow(10, Double($0)) }

    /// A number; also the strings "NaN", "Infinity", "-Infinity" for doubles.
    mutating func number(allowSpecial: Bool) -> Double? {
        ws()
        guard pos < buf.count else { return nil }
        if buf[pos] == UInt8(ascii: "\"") {
            guard allowSpecial, let s = string() else { return nil }
            switch s {
            case "NaN": return .nan
            case "Infinity": return .infinity
            case "-Infinity": return -.infinity
            default: return nil
            }
        }
        let start = pos
        var negative = false
        if buf[pos] == UInt8(ascii: "-") { negative = true; pos += 1 }
        var mantissa: UInt64 = 0
        var digits = 0
        var fraction = 0
        var exact = true
        while pos < buf.count, buf[pos] >= 0x30, buf[pos] <= 0x39 {
            if digits < 19 { mantissa = mantissa * 10 + UInt64(buf[pos] - 0x30) } else { exact = false }
            digits += 1
            pos += 1
        }
        guard digits > 0 else { return nil }
        if pos < buf.count, buf[pos] == UInt8(ascii: ".") {
            pos += 1
            var fd = 0
            while pos < buf.count, buf[pos] >= 0x30, buf[pos] <= 0x39 {
                if digits < 19 { mantissa = mantissa * 10 + UInt64(buf[pos] - 0x30); fraction += 1 } else { exact = false }
                digits += 1
                fd += 1
                pos += 1
            }
            guard fd > 0 else { return nil }
        }
        if pos < buf.count, buf[pos] == UInt8(ascii: "e") || buf[pos] == UInt8(ascii: "E") {
            exact = false
            pos += 1
            if pos < buf.count, buf[pos] == UInt8(ascii: "+") || buf[pos] == UInt8(ascii: "-") { pos += 1 }
            var ed = 0
            while pos < buf.count, buf[pos] >= 0x30, buf[pos] <= 0x39 { pos += 1; ed += 1 }
            guard ed > 0 else { return nil }
        }
        // Exact when the mantissa and the power of ten are both exact doubles (Clinger).
        if exact, mantissa < (1 << 53), fraction < Self.pow10.count {
            let v = Double(mantissa) / Self.pow10[fraction]
            return negative ? -v : v
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: buf[start..<pos]), as: UTF8.self)
        return Double(text)
    }

    mutating func numberList() -> [Double]? {
        guard consume(UInt8(ascii: "[")) else { return nil }
        var out: [Double] = []
        if consume(UInt8(ascii: "]")) { return out }
        repeat {
            guard let v = number(allowSpecial: true) else { return nil }
            out.append(v)
        } while consume(UInt8(ascii: ","))
        return consume(UInt8(ascii: "]")) ? out : nil
    }

    /// Skips any JSON value (for keys the fast path does not use).
    mutating func skipValue(depth: Int = 0) -> Bool {
        guard depth < 64 else { return false }
        ws()
        guard pos < buf.count else { return false }
        switch buf[pos] {
        case UInt8(ascii: "\""):
            pos += 1
            while pos < buf.count {
                if buf[pos] == UInt8(ascii: "\\") { pos += 2; continue }
                if buf[pos] == UInt8(ascii: "\"") { pos += 1; return true }
                // JSON forbids raw control characters in strings: the general path refuses them.
                if buf[pos] < 0x20 { return false }
                pos += 1
            }
            return false
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let close = buf[pos] == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
            let isObject = buf[pos] == UInt8(ascii: "{")
            pos += 1
            if consume(close) { return true }
            repeat {
                if isObject { guard key() != nil else { return false } }
                guard skipValue(depth: depth + 1) else { return false }
            } while consume(UInt8(ascii: ","))
            return consume(close)
        default:
            let start = pos
            while pos < buf.count, !",]} \n\r\t".utf8.contains(buf[pos]) { pos += 1 }
            return Self.isLiteral(UnsafeBufferPointer(rebasing: buf[start..<pos]))
        }
    }

    /// `true`, `false`, `null` or a JSON number: the only bare tokens JSON has.
    static func isLiteral(_ t: UnsafeBufferPointer<UInt8>) -> Bool {
        if equals(t, "true") || equals(t, "false") || equals(t, "null") { return true }
        var i = 0
        func digits() -> Int {
            let start = i
            while i < t.count, t[i] >= UInt8(ascii: "0"), t[i] <= UInt8(ascii: "9") { i += 1 }
            return i - start
        }
        if i < t.count, t[i] == UInt8(ascii: "-") { i += 1 }
        let whole = i
        guard digits() > 0, t[whole] != UInt8(ascii: "0") || i == whole + 1 else { return false }
        if i < t.count, t[i] == UInt8(ascii: ".") {
            i += 1
            guard digits() > 0 else { return false }
        }
        if i < t.count, t[i] == UInt8(ascii: "e") || t[i] == UInt8(ascii: "E") {
            i += 1
            if i < t.count, t[i] == UInt8(ascii: "+") || t[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() > 0 else { return false }
        }
        return i == t.count
    }

    /// `true` or `false`.
    mutating func boolean() -> Bool? {
        ws()
        let start = pos
        while pos < buf.count, buf[pos] >= UInt8(ascii: "a"), buf[pos] <= UInt8(ascii: "z") { pos += 1 }
        let word = UnsafeBufferPointer(rebasing: buf[start..<pos])
        if Self.equals(word, "true") { return true }
        if Self.equals(word, "false") { return false }
        return nil
    }

    static func equals(_ k: UnsafeBufferPointer<UInt8>, _ s: StaticString) -> Bool {
        guard k.count == s.utf8CodeUnitCount else { return false }
        let p = s.utf8Start
        for i in 0..<k.count where k[i] != p[i] { return false }
        return true
    }
}
