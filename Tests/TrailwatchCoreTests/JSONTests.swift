import Testing
import TrailwatchCore

@Suite("JSON reader and writer")
struct JSONTests {
    @Test("round-trips nested documents, escapes and unicode")
    func roundTrip() throws {
        let text = #"{"a":[1,-2,3.5,true,false,null],"s":"q\"\\\n\t\u00e9\ud83d\ude00/","o":{"x":{}}}"#
        let v = try JSONReader.parse(Array(text.utf8))
        #expect(v["a"] == .list([.int(1), .int(-2), .double(3.5), .bool(true), .bool(false), .null]))
        #expect(v["s"] == .string("q\"\\\n\té😀/"))
        var w = JSONWriter()
        w.value(v)
        #expect(try JSONReader.parse(w.bytes) == v)
    }

    @Test("refuses malformed input without trapping", arguments: [
        "", "{", "[1,]", "{\"a\" 1}", "tru", "\"abc", "01x", "{\"a\":1}}", "[\"\u{01}\"]", "-", "1e", "\"\\x\"",
        "\"abc\\\"", "\"\\u12\"", "\"\\u12g4\"", "\"a\\\u{0A}\"", "\"\\",
    ])
    func malformed(_ text: String) {
        #expect(throws: JSONSyntaxError.self) { _ = try JSONReader.parse(Array(text.utf8)) }
    }

    @Test("decodes escapes anywhere in a string; lone surrogates become U+FFFD")
    func escapes() throws {
        let cases: [(String, String)] = [
            (#""\\""#, "\\"), (#""a\"b""#, "a\"b"), (#""\u0041\u00e9\u20ac""#, "Aé€"), (#""x\ud800y""#, "x\u{FFFD}y"),
            (#""\udc00""#, "\u{FFFD}"), (#""\ud83d\u0041""#, "\u{FFFD}"), (#""plain é""#, "plain é"), (#""\/\b\f\r""#, "/\u{08}\u{0C}\r"),
        ]
        for (text, expected) in cases {
            #expect(try JSONReader.parse(Array(text.utf8)) == .string(expected), "\(text)")
        }
        // Whatever the writer escapes, the reader gives back.
        var rng = SplitMix64(seed: 0x0150_4E5E_ED00_0001)
        for trial in 0..<200 {
            let scalars = (0..<Int.random(in: 0..<40, using: &rng)).map { _ -> Character in
                let pool: [UInt32] = [0x22, 0x5C, 0x0A, 0x01, 0x41, 0xE9, 0x20AC, 0x1F600, 0x7F]
                return Character(Unicode.Scalar(pool.randomElement(using: &rng)!)!)
            }
            let original = String(scalars)
            var w = JSONWriter()
            w.string(original)
            #expect(try JSONReader.parse(w.bytes) == .string(original), "seed \(rng.seed), trial \(trial): \(original.debugDescription)")
        }
    }

    @Test("pulls values one at a time")
    func pull() throws {
        let text = #"{"name": "a\"b", "items": [ {"n": 1}, {"n": -2} ], "skip": {"x": [1, {"y": null}]}}"#
        let (name, ns) = try JSONReader.pull(Array(text.utf8)) { r -> (String, [Int64]) in
            var name = "", ns: [Int64] = []
            try r.beginObject()
            var first = true
            while let key = try r.member(&first) {
                switch key {
                case "name": name = try r.string()
                case "items":
                    try r.beginArray()
                    var f = true
                    while try r.element(&f) {
                        try r.beginObject()
                        var g = true
                        while try r.member(&g) != nil { ns.append(try r.int64()) }
                    }
                default: try r.skipValue()
                }
            }
            return (name, ns)
        }
        #expect(name == "a\"b" && ns == [1, -2])
        #expect(throws: JSONSyntaxError.self) { try JSONReader.pull(Array(#"{"a":1} x"#.utf8)) { r in try r.beginObject(); var f = true; while try r.member(&f) != nil { try r.skipValue() } } }
        #expect(throws: JSONSyntaxError.self) { try JSONReader.pull(Array(#"[1 2]"#.utf8)) { r in try r.beginArray(); var f = true; while try r.element(&f) { _ = try r.int64() } } }
        #expect(throws: JSONSyntaxError.self) { try JSONReader.pull(Array(#"1.5"#.utf8)) { r in try r.int64() } }
        #expect(throws: JSONSyntaxError.self) { try JSONReader.pull(Array(#"-"#.utf8)) { r in try r.int64() } }
        #expect(throws: JSONSyntaxError.self) { try JSONReader.pull(Array(#"99999999999999999999"#.utf8)) { r in try r.int64() } }
        for n in [0, -1, 7, 1_790_000_000_000, Int64.max, Int64.min, 999_999_999_999_999_999] {
            #expect(try JSONReader.pull(Array(" \(n) ".utf8)) { r in try r.int64() } == n)
            #expect(try JSONReader.pull(Array("[\(n)]".utf8)) { r in try r.beginArray(); var f = true; _ = try r.element(&f); let v = try r.int64(); _ = try r.element(&f); return v } == n)
        }
    }

    @Test("bounds nesting depth")
    func depth() {
        let deep = String(repeating: "[", count: 1000) + String(repeating: "]", count: 1000)
        #expect(throws: JSONSyntaxError.self) { _ = try JSONReader.parse(Array(deep.utf8)) }
    }

    @Test("base64 round-trips")
    func base64() {
        for n in 0..<10 {
            let bytes = (0..<n).map { UInt8($0 * 37 & 0xFF) }
            #expect(Base64.decode(Base64.encode(bytes)) == bytes)
        }
        #expect(Base64.encode(Array("hello".utf8)) == "aGVsbG8=")
        #expect(Base64.decode("!!") == nil)
    }
}
