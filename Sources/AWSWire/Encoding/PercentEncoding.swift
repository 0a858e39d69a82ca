/// Percent-encoding as AWS uses it: form bodies, query strings and SigV4 canonical forms.
public enum PercentEncoding {
    /// Decodes `%XX` escapes (and `+` as space when `plusIsSpace`); malformed escapes are kept
    /// literally, as AWS front ends do.
    public static func decode(_ s: Substring, plusIsSpace: Bool) -> String {
        let utf8 = Array(s.utf8)
        return utf8.withUnsafeBufferPointer { decode($0[...], plusIsSpace: plusIsSpace) }
    }

    /// `decode` over bytes: form bodies are parsed as bytes, never as Characters (a
    /// 1,000-datum Query PutMetricData has 6,000 pairs).
    static func decode(_ bytes: Slice<UnsafeBufferPointer<UInt8>>, plusIsSpace: Bool) -> String {
        var plain = true
        for c in bytes where c == UInt8(ascii: "%") || (plusIsSpace && c == UInt8(ascii: "+")) {
            plain = false
            break
        }
        if plain { return String(decoding: UnsafeBufferPointer(rebasing: bytes), as: UTF8.self) }
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let c = bytes[i]
            if c == UInt8(ascii: "%"), i + 2 < bytes.endIndex, let h = hex(bytes[i + 1]), let l = hex(bytes[i + 2]) {
                out.append(h << 4 | l)
                i += 3
            } else if c == UInt8(ascii: "+"), plusIsSpace {
                out.append(0x20)
                i += 1
            } else {
                out.append(c)
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses `a=1&b=2` into ordered pairs (form bodies and query strings).
    public static func parseForm(_ s: Substring, plusIsSpace: Bool = true) -> [(String, String)] {
        var s = s
        return s.withUTF8 { parseForm(bytes: $0, plusIsSpace: plusIsSpace) }
    }

    /// Parses a form body given as bytes.
    public static func parseForm(bytes: UnsafeBufferPointer<UInt8>, plusIsSpace: Bool = true) -> [(String, String)] {
        var out: [(String, String)] = []
        var start = 0
        while start < bytes.count {
            var end = start
            var eq = -1
            while end < bytes.count, bytes[end] != UInt8(ascii: "&") {
                if eq < 0, bytes[end] == UInt8(ascii: "=") { eq = end }
                end += 1
            }
            if end > start {
                if eq >= 0 {
                    out.append((decode(bytes[start..<eq], plusIsSpace: plusIsSpace), decode(bytes[(eq + 1)..<end], plusIsSpace: plusIsSpace)))
                } else {
                    out.append((decode(bytes[start..<end], plusIsSpace: plusIsSpace), ""))
                }
            }
            start = end + 1
        }
        return out
    }

    /// RFC 3986 encoding of everything but unreserved characters (`A-Za-z0-9-_.~`), and of
    /// `/` too unless `keepSlash` (SigV4's UriEncode).
    public static func encode(_ s: String, keepSlash: Bool = false) -> String {
        var out = [UInt8]()
        out.reserveCapacity(s.utf8.count)
        let hexDigits = Array("0123456789ABCDEF".utf8)
        for c in s.utf8 {
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"),
                 UInt8(ascii: "."), UInt8(ascii: "~"):
                out.append(c)
            case UInt8(ascii: "/") where keepSlash:
                out.append(c)
            default:
                out.append(UInt8(ascii: "%"))
                out.append(hexDigits[Int(c >> 4)])
                out.append(hexDigits[Int(c & 0xF)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
