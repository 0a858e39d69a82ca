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
