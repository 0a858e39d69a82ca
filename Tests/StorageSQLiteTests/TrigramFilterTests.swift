import StorageEngine
import Testing

/// The block filter may say "maybe" wrongly, never "no" wrongly.
@Suite("Trigram filter")
struct TrigramFilterTests {
    @Test("every substring of every message may be contained (no false negatives)")
    func noFalseNegatives() {
        var rng = SystemRandomNumberGenerator()
        let messages = (0..<2000).map { i in
            "{\"status\":\(200 + i % 7),\"request\":\"\(String(UInt64.random(in: 0...UInt64.max, using: &rng), radix: 16))\",\"msg\":\"é line \(i)\"}"
        }
        let filter = TrigramFilter.build(messages)
        for m in messages.prefix(300) {
            let bytes = Array(m.utf8)
            for start in stride(from: 0, to: bytes.count - 3, by: 5) {
                let term = Array(bytes[start..<min(bytes.count, start + 3 + start % 9)])
                #expect(TrigramFilter.mayContain(filter, term), "\(m) \(term)")
            }
        }
    }

    @Test("a term absent from the block is ruled out; short terms never are")
    func rulesOut() {
        let filter = TrigramFilter.build((0..<1000).map { "GET /api/v1/items/\($0) 200 handled" })
        #expect(!TrigramFilter.mayContain(filter, Array("zq7rare".utf8)))
        #expect(!TrigramFilter.mayContain(filter, Array("POST".utf8)))
        #expect(TrigramFilter.mayContain(filter, Array("zq".utf8)))
        #expect(TrigramFilter.mayContain(filter, Array("items/42 200".utf8)))
        #expect(TrigramFilter.mayContain([], Array("anything".utf8)))
        #expect(filter.count <= TrigramFilter.maxBytes && filter.count >= TrigramFilter.minBytes)
    }
}
