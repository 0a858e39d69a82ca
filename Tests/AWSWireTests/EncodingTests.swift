import AWSWire
import Foundation
import Testing
import TrailwatchCore

@Suite("Byte encodings")
struct EncodingTests {
    @Test("gzip inflates what it deflates, across sizes")
    func gzipRoundTrip() throws {
        for n in [0, 1, 1000, 300_000] {
            let input = (0..<n).map { UInt8(truncatingIfNeeded: $0 * 31 % 251) }
            #expect(try Gzip.inflate(Gzip.deflate(input), limit: n + 1) == input)
        }
    }

    @Test("gzip refuses output past its limit and corrupt input")
    func gzipLimits() {
        let big = Gzip.deflate([UInt8](repeating: 7, count: 100_000))
        #expect(throws: GzipError.self) { _ = try Gzip.inflate(big, limit: 1000) }
        #expect(throws: GzipError.self) { _ = try Gzip.inflate([1, 2, 3, 4, 5], limit: 1000) }
        #expect(throws: GzipError.self) { _ = try Gzip.inflate(big.prefix(big.count / 2), limit: 1_000_000) }
    }

    @Test("ISO 8601 forms AWS accepts")
    func iso8601() {
        let t = Date(timeIntervalSince1970: 1_440_938_160)
        #expect(Timestamps.parseISO8601("2015-08-30T12:36:00Z") == t)
        #expect(Timestamps.parseISO8601("2015-08-30T12:36:00.000Z") == t)
        #expect(Timestamps.parseISO8601("2015-08-30T14:36:00+02:00") == t)
        #expect(Timestamps.parseISO8601("20150830T123600Z") == t)
        #expect(Timestamps.parseISO8601("1440938160") == t)
        #expect(Timestamps.parseISO8601("2015-13-30T12:36:00Z") == nil)
        #expect(Timestamps.iso8601(t) == "2015-08-30T12:36:00.000Z")
        #expect(Timestamps.amzDate(t) == "20150830T123600Z")
        #expect(Timestamps.rfc822(t) == "Sun, 30 Aug 2015 12:36:00 GMT")
        #expect(Timestamps.iso8601Seconds(Date(timeIntervalSince1970: 1_440_938_160.999)) == "2015-08-30T12:36:00Z")
        #expect(Timestamps.iso8601(Date(timeIntervalSince1970: 1_440_938_160.045)) == "2015-08-30T12:36:00.045Z")
        // The ends of the representable range keep four-digit years.
        #expect(Timestamps.iso8601(Date(timeIntervalSince1970: Timestamps.representableSeconds.lowerBound)) == "0001-01-01T00:00:00.000Z")
        #expect(Timestamps.amzDate(Date(timeIntervalSince1970: Timestamps.representableSeconds.upperBound)) == "99991231T235959Z")
    }

    @Test("percent-encoding follows SigV4's UriEncode")
    func percent() {
        #expect(PercentEncoding.encode("a b/c~d*") == "a%20b%2Fc~d%2A")
        #expect(PercentEncoding.encode("a b/c", keepSlash: true) == "a%20b/c")
        #expect(PercentEncoding.decode("a+b%2Fc", plusIsSpace: true) == "a b/c")
        #expect(PercentEncoding.parseForm("Action=X&Empty=&Flag").map { "\($0.0)=\($0.1)" } == ["Action=X", "Empty=", "Flag="])
    }

    @Test("CBOR decodes indefinite lengths, half floats and tag 1")
    func cbor() throws {
        // {_ "a": [_ 1, -2], "t": 1(1.5), "h": 1.5 (half) }
        let bytes: [UInt8] = [0xBF, 0x61, 0x61, 0x9F, 0x01, 0x21, 0xFF,
                              0x61, 0x74, 0xC1, 0xFB, 0x3F, 0xF8, 0, 0, 0, 0, 0, 0,
                              0x61, 0x68, 0xF9, 0x3E, 0x00, 0xFF]
        let v = try CBORReader.decode(bytes)
        #expect(v["a"] == .list([.int(1), .int(-2)]))
        #expect(v["t"] == .timestamp(Date(timeIntervalSince1970: 1.5)))
        #expect(v["h"] == .double(1.5))
        #expect(throws: CBORSyntaxError.self) { _ = try CBORReader.decode([0x9F, 0x01]) }
    }

    @Test("XML reader handles entities, CDATA and attributes")
    func xml() throws {
        let doc = try XMLReader.parse(Array(#"<?xml version="1.0"?><A x="1&amp;2"><B>a &lt; b</B><C><![CDATA[<raw>]]></C><!-- c --><B/></A>"#.utf8))
        #expect(doc.attributes["x"] == "1&2")
        #expect(doc.children("B").map(\.text) == ["a < b", ""])
        #expect(doc.child("C")?.text == "<raw>")
        #expect(throws: XMLSyntaxError.self) { _ = try XMLReader.parse(Array("<A><B></A>".utf8)) }
    }
}
