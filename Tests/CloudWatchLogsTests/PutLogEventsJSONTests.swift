@testable import CloudWatchLogs
import Testing

/// The PutLogEvents fast path reads plainly valid bodies and leaves everything else (nil) to
/// the model-driven path, which gives AWS's exact error.
@Suite("PutLogEvents fast path")
struct PutLogEventsJSONTests {
    @Test("reads names and events, with escapes, and ignores a sequence token")
    func reads() throws {
        let body = #"{"logGroupName":"/app/web","logStreamName":"i-1 a","sequenceToken":"x","logEvents":[{"timestamp":1,"message":"{\"a\":\"b\\c\"}"},{"message":"two\n","timestamp":2}]}"#
        let r = try #require(PutLogEventsJSON.decode(Array(body.utf8)))
        #expect(r.logGroupName == "/app/web")
        #expect(r.events.map(\.timestamp) == [1, 2])
        #expect(r.events.map(\.message) == [#"{"a":"b\c"}"#, "two\n"])
    }

    @Test("leaves to the generic path what it must judge", arguments: [
        #"{"logGroupName":"g","logStreamName":"s","logEvents":[]}"#,                                   // no events
        #"{"logGroupName":"g","logStreamName":"s"}"#,                                                   // missing member
        #"{"logGroupName":"g","logStreamName":"s","logEvents":[{"timestamp":1.5,"message":"m"}]}"#,    // wrong type
        #"{"logGroupName":"g","logStreamName":"s","logEvents":[{"timestamp":-1,"message":"m"}]}"#,     // below the minimum
        #"{"logGroupName":"g","logStreamName":"s","logEvents":[{"timestamp":1,"message":""}]}"#,       // empty message
        #"{"logGroupName":"g","logStreamName":"s","logEvents":[{"timestamp":1}]}"#,                    // no message
        #"{"logGroupName":"g!","logStreamName":"s","logEvents":[{"timestamp":1,"message":"m"}]}"#,     // group name pattern
        #"{"logGroupName":"g","logStreamName":"a:b","logEvents":[{"timestamp":1,"message":"m"}]}"#,    // stream name pattern
        #"{"logGroupName":"g","logStreamName":"s","logEvents":[{"timestamp":1,"message":"m"}],"entity":{}}"#, // unknown to the fast path
        #"{"logGroupName":"g","logStreamName":"s","sequenceToken":"","logEvents":[{"timestamp":1,"message":"m"}]}"#,
        #"{"logGroupName":"g","logStreamName":"s","logEvents":[{"timestamp":1,"message":"m"}],"logEvents":[{"timestamp":2,"message":"n"}]}"#,
        #"{"logGroupName":"g","logStreamName":"s","logEvents":[{"timestamp":1,"message":"m"}]"#,       // truncated
        #"{"logGroupName":"g","logStreamName":"s","logEvents":[{"timestamp":1,"message":"m"}]} []"#,   // trailing
    ])
    func declines(_ body: String) {
        #expect(PutLogEventsJSON.decode(Array(body.utf8)) == nil)
    }

    @Test("declines more than 10,000 events")
    func tooMany() {
        let events = Array(repeating: #"{"timestamp":1,"message":"m"}"#, count: 10_001).joined(separator: ",")
        #expect(PutLogEventsJSON.decode(Array(#"{"logGroupName":"g","logStreamName":"s","logEvents":[\#(events)]}"#.utf8)) == nil)
    }
}

@Suite("Filter pattern nesting")
struct FilterPatternNestingTests {
    @Test("JSON patterns nest at most 100 parentheses deep")
    func nesting() throws {
        func nested(_ n: Int) -> String { "{ " + String(repeating: "(", count: n) + "$.a = 1" + String(repeating: ")", count: n) + " }" }
        _ = try FilterPattern(nested(50))
        #expect(throws: (any Error).self) { try FilterPattern(nested(101)) }
    }

    /// Several `...` against a long line backtracked exponentially.
    @Test("space-delimited patterns with many ellipses match in polynomial time")
    func ellipses() throws {
        let p = try FilterPattern("[..., ..., ..., ..., ..., ..., ..., x=1]")
        let line = Array(repeating: "a", count: 200).joined(separator: " ")
        #expect(!p.matches(line))
        #expect(p.matches(line + " 1"))
    }
}
