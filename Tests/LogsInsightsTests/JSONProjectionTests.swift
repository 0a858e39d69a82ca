@testable import LogsInsights
import Testing
import TrailwatchCore

/// The projection must answer exactly what full discovery answers, restricted to the fields
/// asked for: same values, same types, nothing for a message that is not a JSON object.
@Suite("JSON projection")
struct JSONProjectionTests {
    static let messages = [
        #"{"status":500,"path":"/pay","latency":12.5,"ok":true,"none":null}"#,
        #"{"user":{"id":"u1","ip":"10.0.0.5","tags":["a","b"]},"n":-1.5e3}"#,
        #"{"esc":"line\nnext \"quoted\" \u00e9 \ud83d\ude00","we\"ird":1}"#,
        #"{"list":[{"k":1},{"k":2}],"deep":{"a":{"b":{"c":"x"}}}}"#,
        #"  {"lead":"space"}"#,
        #"{"broken": }"#,
        #"{"trailing":1} x"#,
        #"{"a":1}{"b":2}"#,
        #"{"dup":1,"dup":2}"#,
        #"[1,2,3]"#,
        "plain text",
        #"{"unterminated":"abc}"#,
    ]
    static let fieldSets: [Set<String>] = [
        ["status", "path", "latency", "ok", "none"],
        ["user.id", "user.tags.1", "n", "user"],
        ["esc", "we\"ird"],
        ["list.0.k", "list.1.k", "deep.a.b.c", "deep.a"],
        ["lead", "trailing", "a", "b", "dup", "broken", "unterminated"],
    ]

    @Test("same fields as full discovery", arguments: messages)
    func matchesDiscovery(_ message: String) {
        let full = InsightsRun.fields(of: LogRecord(timestamp: 0, message: message, logStream: "", log: "", ingestionTime: 0, ptr: ""))
        for wanted in Self.fieldSets {
            var got: [String: Value] = [:]
            JSONProjection(fields: wanted, subtrees: []).extract(message, into: &got)
            #expect(got == full.filter { wanted.contains($0.key) }, "\(message) \(wanted)")
        }
    }

    @Test("a subtree (unnest) takes everything under it")
    func subtree() {
        let message = #"{"list":[{"k":1,"v":{"w":"x"}},{"k":2}],"other":3}"#
        var got: [String: Value] = [:]
        JSONProjection(fields: [], subtrees: ["list"]).extract(message, into: &got)
        #expect(got == ["list.0.k": .number(1), "list.0.v.w": .string("x"), "list.1.k": .number(2)])
    }

    @Test("the eight-byte string skip finds exactly the bytes the byte loop stops at")
    func swarSpecial() {
        func scalar(_ x: UInt64) -> Bool {
            (0..<8).contains { k in let b = UInt8(truncatingIfNeeded: x >> (8 * k)); return b == 0x22 || b == 0x5C || b < 0x20 }
        }
        let plain = UInt64(0x6161_6161_6161_6161)
        for b in 0...255 {
            for k in 0..<8 {
                let x = plain & ~(UInt64(0xFF) << (8 * k)) | UInt64(b) << (8 * k)
                #expect(JSONProjection.Walk.special(x) == scalar(x), "byte \(b) at \(k)")
            }
        }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<100_000 {
            let x = UInt64.random(in: 0...UInt64.max, using: &rng)
            #expect(JSONProjection.Walk.special(x) == scalar(x), "\(String(x, radix: 16))")
        }
    }

    @Test("long strings with an escape or a control character late in them")
    func longStrings() {
        let pad = String(repeating: "y", count: 37)
        for message in [#"{"a":"\#(pad)"q\#(pad)","n":1}"#, "{\"a\":\"\(pad)\u{01}\(pad)\",\"n\":1}", #"{"a":"\#(pad)é\#(pad)","n":-12}"#] {
            let full = InsightsRun.fields(of: LogRecord(timestamp: 0, message: message, logStream: "", log: "", ingestionTime: 0, ptr: ""))
            var got: [String: Value] = [:]
            JSONProjection(fields: ["n"], subtrees: []).extract(message, into: &got)
            #expect(got == full.filter { $0.key == "n" }, "\(message)")
        }
    }
}
