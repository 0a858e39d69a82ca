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
    ])
    func malformed(_ text: String) {
        #expect(throws: JSONSyntaxError.self) { _ = try JSONReader.parse(Array(text.utf8)) }
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
