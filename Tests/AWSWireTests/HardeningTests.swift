@testable import AWSWire
import Foundation
import Testing
import TrailwatchCore

/// Numbers and names from requests that once trapped the server, and the classes they stand for.
@Suite("Hardening")
struct HardeningTests {
    let json = DocumentDecoder(model: TestModel.model, dialect: .json)
    let cbor = DocumentDecoder(model: TestModel.model, dialect: .cbor)

    @Test("unrepresentable timestamps are serialization errors", arguments: [
        WireValue.double(1e30), .double(-1e30), .double(.nan), .double(.infinity), .int(Int64.max), .int(-253_402_300_800),
    ])
    func timestampOutOfRange(value: WireValue) {
        #expect(throws: AWSError.self) { try json.decode(.map(["Name": .string("a"), "When": value]), shape: 0) }
    }

    @Test("a CBOR tag-1 timestamp past year 9999 is refused")
    func cborTimestamp() {
        #expect(throws: AWSError.self) {
            try cbor.decode(.map(["Name": .string("a"), "When": .timestamp(Date(timeIntervalSince1970: 1e20))]), shape: 0)
        }
    }

    @Test("timestamps in range decode")
    func timestampInRange() throws {
        let v = try json.decode(.map(["Name": .string("a"), "When": .double(253_402_300_799)]), shape: 0)
        guard case .map(let m) = v, case .timestamp(let d)? = m["When"] else { Issue.record("no timestamp"); return }
        #expect(d.timeIntervalSince1970 == 253_402_300_799)
    }

    @Test("an integer shape holds 32 bits; a long 64")
    func integerWidth() throws {
        #expect(throws: AWSError.self) { try json.decode(.map(["Name": .string("a"), "Count": .int(9_223_372_036_854_775_800)]), shape: 0) }
        #expect(throws: AWSError.self) { try json.decode(.map(["Name": .string("a"), "Count": .int(Int64(Int32.max) + 1)]), shape: 0) }
        _ = try json.decode(.map(["Name": .string("a"), "Big": .int(Int64.max)]), shape: 0)
        let query = QueryDecoder(model: TestModel.model)
        #expect(throws: AWSError.self) { try query.decode([("Name", "a"), ("Count", "9223372036854775800")], shape: 0) }
        _ = try query.decode([("Name", "a"), ("Big", "9223372036854775800")], shape: 0)
    }

    @Test("Query timestamps past year 9999 are invalid")
    func queryTimestamp() {
        let query = QueryDecoder(model: TestModel.model)
        #expect(throws: AWSError.self) { try query.decode([("Name", "a"), ("When", "17961487389999999999")], shape: 0) }
        #expect(Timestamps.parseISO8601("17961487389999999999") == nil)
        #expect(Timestamps.parseISO8601("0000-01-01T00:00:00Z") == nil)
    }

    /// `.member.1` × 50,000 built a 100,000-node chain whose release overflowed the stack.
    @Test("a Query name of more than 64 dotted parts is refused")
    func deepQueryName() {
        let query = QueryDecoder(model: TestModel.model)
        let key = "Children" + String(repeating: ".member.1", count: 50_000)
        #expect(throws: AWSError.self) { try query.decode([(key, "x")], shape: 0) }
    }

    @Test("HTTP dates with absurd fields are nil, not a trap", arguments: [
        "Sun, 30 Aug 999999999999999999 12:36:00 GMT", "Sun, 30 Aug 2015 99999999999999999:00:00 GMT",
        "Sun, 99 Aug 2015 12:36:00 GMT", "Sun, 30 Aug 2015 12:61:00 GMT",
    ])
    func httpDates(text: String) {
        #expect(SigV4.parseHTTPDate(text) == nil)
    }

    @Test("printing any date cannot trap")
    func printingDates() {
        for t in [1e30, -1e30, Double.nan, .infinity] {
            let d = Date(timeIntervalSince1970: t)
            _ = Timestamps.iso8601(d)
            _ = Timestamps.amzDate(d)
            _ = Timestamps.rfc822(d)
        }
    }

    @Test("saturating conversions")
    func saturating() {
        let cases: [(Double, Int64)] = [(1e30, .max), (-1e30, .min), (.nan, 0), (9.3e18, .max), (-42.9, -42)]
        for (value, expected) in cases { #expect(Int64(saturating: value) == expected) }
        #expect(Int32(saturating: 1e10) == .max)
    }
}
