import Foundation

/// The JSON fields a query reads, found in a message's bytes without building its document.
///
/// Logs Insights discovers every field of a JSON message (`a.b.c` for nested objects, `a.0`
/// for list members), but a query only ever reads the fields it names: a projection walks
/// the message once, validating it as JSON, decodes only the values at the wanted paths, and
/// skips everything else without allocating. The answer is the same as discovering every
/// field and dropping the rest: a message that is not a JSON object gives no fields at all.
struct JSONProjection: Sendable {
    /// Dotted paths wanted exactly.
    let wanted: PathSet
    /// Every proper prefix of a wanted path: the objects and lists to walk into.
    let prefixes: PathSet
    /// Paths under which every field is wanted (the lists an `unnest` expands).
    let subtrees: PathSet

    /// A few paths, looked up by length and bytes: a query names a handful of fields, and
    /// hashing every key of every message was a W4 hot spot.
    struct PathSet: Sendable {
        let paths: [[UInt8]]
        init(_ set: Set<[UInt8]>) { paths = Array(set) }
        var isEmpty: Bool { paths.isEmpty }
        var count: Int { paths.count }

        func contains(_ path: [UInt8]) -> Bool {
            path.withUnsafeBufferPointer { contains($0) }
        }

        func contains(_ path: UnsafeBufferPointer<UInt8>) -> Bool {
            for p in paths where p.count == path.count {
                if p.withUnsafeBufferPointer({ memcmp($0.baseAddress!, path.baseAddress!, path.count) == 0 }) { return true }
            }
            return false
        }
    }

    init(fields: Set<String>, subtrees: Set<String>) {
        var wanted = Set<[UInt8]>(), prefixes = Set<[UInt8]>()
        for f in fields {
            let bytes = Array(f.utf8)
            wanted.insert(bytes)
            for (i, b) in bytes.enumerated() where b == UInt8(ascii: ".") { prefixes.insert(Array(bytes[..<i])) }
        }
        var trees = Set<[UInt8]>()
        for s in subtrees {
            let bytes = Array(s.utf8)
            trees.insert(bytes)
            for (i, b) in bytes.enumerated() where b == UInt8(ascii: ".") { prefixes.insert(Array(bytes[..<i])) }
        }
        self.wanted = PathSet(wanted)
        self.prefixes = PathSet(prefixes)
        self.subtrees = PathSet(trees)
    }

    /// A walk's buffers, kept by the caller between messages so a message costs no allocation
    /// for them.
    struct Scratch {
        var path: [UInt8] = []
        var found: [(String, Value)] = []
    }

    /// Adds the wanted fields of `message` to `fields`; nothing when it is not a JSON object.
    func extract(_ message: String, into fields: inout [String: Value]) {
        var scratch = Scratch()
        extract(message, into: &fields, scratch: &scratch)
    }

    func extract(_ message: String, into fields: inout [String: Value], scratch: inout Scratch) {
        var message = message
        message.withUTF8 { bytes in
            guard bytes.first == UInt8(ascii: "{") else { return }
            var s = Walk(p: bytes, projection: self, scratch: &scratch)
            if (try? s.document()) != nil {
                for (k, v) in s.found { fields[k] = v }
            }
            s.found.removeAll(keepingCapacity: true)
            s.path.removeAll(keepingCapacity: true)
            swap(&scratch.path, &s.path)
            swap(&scratch.found, &s.found)
        }
    }

    /// Whether `path` lies in (or is) a subtree wanted whole.
    func inSubtree(_ path: [UInt8]) -> Bool {
        if subtrees.isEmpty { return false }
        return path.withUnsafeBufferPointer { p in
            if subtrees.contains(p) { return true }
            var end = p.count
            while let dot = p[..<end].lastIndex(of: UInt8(ascii: ".")) {
                if subtrees.contains(UnsafeBufferPointer(rebasing: p[..<dot])) { return true }
                end = dot
            }
            return false
        }
    }

    struct Malformed: Error {}

    /// One pass over a message.
    struct Walk {
        let p: UnsafeBufferPointer<UInt8>
        let projection: JSONProjection
        var i = 0
        var path: [UInt8] = []
        var found: [(String, Value)] = []

        init(p: UnsafeBufferPointer<UInt8>, projection: JSONProjection, scratch: inout Scratch) {
            self.p = p
            self.projection = projection
            swap(&path, &scratch.path)
            swap(&found, &scratch.found)
        }

        mutating func document() throws {
            try value(interesting: true)
            space()
            guard i == p.count else { throw Malformed() }
        }

        mutating func space() {
            while i < p.count, p[i] == 0x20 || p[i] == 0x0A || p[i] == 0x0D || p[i] == 0x09 { i += 1 }
        }

        mutating func expect(_ c: UInt8) throws {
            space()
            guard i < p.count, p[i] == c else { throw Malformed() }
            i += 1
        }

        /// A value at `path`. Uninteresting values are only checked and skipped.
        mutating func value(interesting: Bool) throws {
            space()
            guard i < p.count else { throw Malformed() }
            let want = interesting && !path.isEmpty && (projection.wanted.contains(path) || projection.inSubtree(path))
            switch p[i] {
            case UInt8(ascii: "{"): try object(interesting: interesting)
            case UInt8(ascii: "["): try array(interesting: interesting)
            case UInt8(ascii: "\""):
                if want { found.append((key, .string(try string()))) } else { try skipString() }
            case UInt8(ascii: "t"):
                try literal("true")
                if want { found.append((key, .string("true"))) }
            case UInt8(ascii: "f"):
                try literal("false")
                if want { found.append((key, .string("false"))) }
            case UInt8(ascii: "n"):
                try literal("null")
            default:
                let start = i
                while i < p.count, Self.numberByte(p[i]) { i += 1 }
                guard i > start else { throw Malformed() }
                if want { found.append((key, .number(try number(start)))) }
            }
        }

        var key: String { String(decoding: path, as: UTF8.self) }

        /// The number in p[start..<i]: short integers read directly, the rest by `Double`.
        func number(_ start: Int) throws -> Double {
            var j = start, negative = false
            if p[j] == UInt8(ascii: "-") { negative = true; j += 1 }
            if i - j > 0, i - j <= 15 {
                var n: Int64 = 0
                var digits = true
                for k in j..<i {
                    let d = p[k] &- UInt8(ascii: "0")
                    if d > 9 { digits = false; break }
                    n = n * 10 + Int64(d)
                }
                // JSON allows no leading zero ("01"); Double would read it, so the slow path decides.
                if digits, p[j] != UInt8(ascii: "0") || i - j == 1 { return Double(negative ? -n : n) }
            }
            guard let d = Double(String(decoding: UnsafeBufferPointer(rebasing: p[start..<i]), as: UTF8.self)) else { throw Malformed() }
            return d
        }

        static func numberByte(_ b: UInt8) -> Bool {
            (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "-") || b == UInt8(ascii: "+")
                || b == UInt8(ascii: ".") || b == UInt8(ascii: "e") || b == UInt8(ascii: "E")
        }

        mutating func literal(_ word: StaticString) throws {
            let n = word.utf8CodeUnitCount
            guard i + n <= p.count else { throw Malformed() }
            for k in 0..<n where p[i + k] != word.utf8Start[k] { throw Malformed() }
            i += n
        }

        /// Whether the walk must look inside the container at `path`.
        func descends(_ interesting: Bool) -> Bool {
            interesting && (path.isEmpty || projection.prefixes.contains(path) || projection.inSubtree(path))
        }

        mutating func object(interesting: Bool) throws {
            let inside = descends(interesting)
            i += 1
            space()
            if i < p.count, p[i] == UInt8(ascii: "}") { i += 1; return }
            while true {
                space()
                guard i < p.count, p[i] == UInt8(ascii: "\"") else { throw Malformed() }
                let saved = path.count
                if inside {
                    if !path.isEmpty { path.append(UInt8(ascii: ".")) }
                    try appendKey()
                } else {
                    try skipString()
                }
                try expect(UInt8(ascii: ":"))
                try value(interesting: inside)
                path.removeLast(path.count - saved)
                space()
                guard i < p.count else { throw Malformed() }
                if p[i] == UInt8(ascii: ",") { i += 1; continue }
                if p[i] == UInt8(ascii: "}") { i += 1; return }
                throw Malformed()
            }
        }

        mutating func array(interesting: Bool) throws {
            let inside = descends(interesting)
            i += 1
            space()
            if i < p.count, p[i] == UInt8(ascii: "]") { i += 1; return }
            var index = 0
            while true {
                let saved = path.count
                if inside {
                    path.append(UInt8(ascii: "."))
                    path.append(contentsOf: String(index).utf8)
                }
                try value(interesting: inside)
                path.removeLast(path.count - saved)
                index += 1
                space()
                guard i < p.count else { throw Malformed() }
                if p[i] == UInt8(ascii: ",") { i += 1; continue }
                if p[i] == UInt8(ascii: "]") { i += 1; return }
                throw Malformed()
            }
        }

        mutating func skipString() throws {
            i += 1
            while i < p.count {
                // Eight bytes at a time while none is a quote, a backslash or a control character.
                while i + 8 <= p.count {
                    let x = UnsafeRawPointer(p.baseAddress! + i).loadUnaligned(as: UInt64.self)
                    if Self.special(x) { break }
                    i += 8
                }
                guard i < p.count else { break }
                let b = p[i]
                if b > UInt8(ascii: "\\") || (b > UInt8(ascii: "\"") && b < UInt8(ascii: "\\")) || b == 0x20 || b == 0x21 { i += 1; continue }
                switch b {
                case UInt8(ascii: "\""): i += 1; return
                case UInt8(ascii: "\\"): i += 2
                default: throw Malformed()  // a control character
                }
            }
            throw Malformed()
        }

        /// Whether one of the eight bytes in `x` is `"`, `\` or below 0x20 (SWAR: a byte's
        /// high bit survives `(v - 0x01…) & ~v` only where v's byte is zero, or below n for
        /// `v - n·0x01…`).
        @inline(__always)
        static func special(_ x: UInt64) -> Bool {
            let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
            let quote = x ^ (ones &* 0x22), backslash = x ^ (ones &* 0x5C)
            let zeroQuote = (quote &- ones) & ~quote
            let zeroBackslash = (backslash &- ones) & ~backslash
            let control = (x &- ones &* 0x20) & ~x
            return (zeroQuote | zeroBackslash | control) & highs != 0
        }

        mutating func string() throws -> String {
            let start = i + 1
            var j = start
            while j < p.count, p[j] != UInt8(ascii: "\""), p[j] != UInt8(ascii: "\\"), p[j] >= 0x20 { j += 1 }
            if j < p.count, p[j] == UInt8(ascii: "\"") { // no escapes: the common case
                i = j + 1
                return String(decoding: UnsafeBufferPointer(rebasing: p[start..<j]), as: UTF8.self)
            }
            return String(decoding: try stringBytes(), as: UTF8.self)
        }

        /// Appends a key's bytes to `path` (decoding escapes only when it has any).
        mutating func appendKey() throws {
            let start = i + 1
            var j = start
            while j < p.count, p[j] != UInt8(ascii: "\""), p[j] != UInt8(ascii: "\\"), p[j] >= 0x20 { j += 1 }
            if j < p.count, p[j] == UInt8(ascii: "\"") {
                path.append(contentsOf: UnsafeBufferPointer(rebasing: p[start..<j]))
                i = j + 1
                return
            }
            path.append(contentsOf: try stringBytes())
        }

        /// A string's bytes with its escapes decoded.
        mutating func stringBytes() throws -> [UInt8] {
            i += 1
            var out: [UInt8] = []
            while i < p.count {
                let b = p[i]
                if b == UInt8(ascii: "\"") { i += 1; return out }
                if b < 0x20 { throw Malformed() }
                if b != UInt8(ascii: "\\") { out.append(b); i += 1; continue }
                guard i + 1 < p.count else { throw Malformed() }
                i += 2
                switch p[i - 1] {
                case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "/"): out.append(UInt8(ascii: "/"))
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar), i + 1 < p.count, p[i] == UInt8(ascii: "\\"), p[i + 1] == UInt8(ascii: "u") {
                        i += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw Malformed() }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    out.append(contentsOf: String(Character(Unicode.Scalar(scalar) ?? "\u{FFFD}")).utf8)
                default: throw Malformed()
                }
            }
            throw Malformed()
        }

        mutating func hex4() throws -> UInt32 {
            guard i + 4 <= p.count else { throw Malformed() }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let b = p[i]
                let d: UInt8
                switch b {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): d = b - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): d = b - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): d = b - UInt8(ascii: "A") + 10
                default: throw Malformed()
                }
                v = v << 4 | UInt32(d)
                i += 1
            }
            return v
        }
    }
}
