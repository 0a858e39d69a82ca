/// A Bloom filter of the byte trigrams of a block's messages, written when the block is sealed
/// (DESIGN.md: "room for a token filter to skip blocks").
///
/// A query that needs every event to contain some bytes (`filter @message like "abc"`, or a
/// literal `/abc/`) skips a block when one of the term's trigrams is surely absent from it: a
/// substring's trigrams all occur in any text that contains it, so a skipped block cannot
/// hold a match. Trigrams, not tokens, because `like` matches substrings (`q7rar` inside
/// `zq7rare`); terms shorter than three bytes skip nothing. Matching is by bytes, case
/// sensitive, as `like` is.
///
/// Format: the filter's bits, least significant first, its length a power of two bytes
/// (at most `maxBytes`); every trigram sets `hashes` bits by double hashing.
package enum TrigramFilter {
    package static let hashes = 3
    /// About 10 bits per distinct trigram (≈ 2 % false positives), between 64 B and 16 KB (a
    /// sealed block of 8,192 events is ≈ 250 KB; a block with more than ≈ 13,000 distinct
    /// trigrams gets fewer bits each: 6.5 per trigram at 20,000 is still ≈ 5 %).
    package static let minBytes = 64, maxBytes = 16 * 1024

    /// The filter of `messages`.
    package static func build(_ messages: [String]) -> [UInt8] {
        // The trigram space is 24 bits: a 2 MB bitmap finds the distinct ones without hashing.
        var seen = [UInt64](repeating: 0, count: (1 << 24) / 64)
        var distinct: [UInt32] = []
        for m in messages {
            var m = m
            m.withUTF8 { b in
                guard b.count >= 3 else { return }
                var g = UInt32(b[0]) << 8 | UInt32(b[1])
                for i in 2..<b.count {
                    g = (g << 8 | UInt32(b[i])) & 0xFF_FFFF
                    let word = Int(g >> 6), bit = UInt64(1) << (g & 63)
                    if seen[word] & bit == 0 {
                        seen[word] |= bit
                        distinct.append(g)
                    }
                }
            }
        }
        var size = minBytes
        while size < maxBytes, size * 8 < distinct.count * 10 { size *= 2 }
        var bits = [UInt8](repeating: 0, count: size)
        let mask = UInt32(size * 8 - 1)
        for g in distinct {
            var (h, step) = start(g)
            for _ in 0..<hashes {
                let p = h & mask
                bits[Int(p >> 3)] |= 1 << (p & 7)
                h &+= step
            }
        }
        return bits
    }

    /// Whether text containing `term` may be in the block `filter` describes (false: surely not).
    package static func mayContain(_ filter: [UInt8], _ term: [UInt8]) -> Bool {
        guard term.count >= 3, !filter.isEmpty, filter.count & (filter.count - 1) == 0 else { return true }
        let mask = UInt32(filter.count * 8 - 1)
        var g = UInt32(term[0]) << 8 | UInt32(term[1])
        for i in 2..<term.count {
            g = (g << 8 | UInt32(term[i])) & 0xFF_FFFF
            var (h, step) = start(g)
            for _ in 0..<hashes {
                let p = h & mask
                if filter[Int(p >> 3)] & (1 << (p & 7)) == 0 { return false }
                h &+= step
            }
        }
        return true
    }

    /// Double hashing: the first bit position and the step between a trigram's bits.
    static func start(_ g: UInt32) -> (UInt32, UInt32) {
        ((g &* 0x9E37_79B1) ^ (g >> 11), ((g &* 0x85EB_CA77) >> 7) | 1)
    }
}
