extension StringProtocol {
    /// The string without leading and trailing spaces, tabs, CR and LF.
    ///
    /// Foundation's `trimmingCharacters(in:)` bridges through NSString and was measured at a
    /// third of the CPU of a signed request; this stays on UTF-8.
    public func trimmingASCIIWhitespace() -> String {
        let utf8 = String(self).utf8
        var start = utf8.startIndex
        var end = utf8.endIndex
        func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }
        while start < end, isSpace(utf8[start]) { start = utf8.index(after: start) }
        while end > start, isSpace(utf8[utf8.index(before: end)]) { end = utf8.index(before: end) }
        return String(decoding: utf8[start..<end], as: UTF8.self)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension String {
    /// Whether `needle` occurs in the string, compared byte for byte as UTF-8 (what log
    /// matching wants: case-sensitive, no Unicode normalisation) with `memchr` and `memcmp`. The standard
    /// library's `contains(_:)` takes microseconds per call, which was a third of ingestion.
    public func containsBytes(_ needle: String) -> Bool {
        if needle.isEmpty { return true }
        var haystack = self
        var needle = needle
        return haystack.withUTF8 { h in
            needle.withUTF8 { n in
                guard n.count <= h.count, let hb = h.baseAddress, let nb = n.baseAddress else { return false }
                let first = Int32(nb.pointee)
                let last = h.count - n.count
                var i = 0
                while i <= last {
                    guard let hit = memchr(hb + i, first, last - i + 1) else { return false }
                    let at = hb.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                    if memcmp(hb + at, nb, n.count) == 0 { return true }
                    i = at + 1
                }
                return false
            }
        }
    }
}
