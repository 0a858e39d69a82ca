import AWSWire
import Foundation
import Testing
import TrailwatchCore

@Suite("Codecs round-trip every shape family")
struct CodecRoundTripTests {
    let model = TestModel.model

    @Test("JSON: encode by shape, parse, decode by shape gives the same tree")
    func json() throws {
        let bytes = JSONShapeEncoder(model: model).encode(TestModel.full, shape: 0)
        let doc = try JSONReader.parse(bytes)
        let back = try DocumentDecoder(model: model, dialect: .json).decode(doc, shape: 0)
        #expect(back == TestModel.full)
    }

    @Test("CBOR: encode by shape, parse, decode by shape gives the same tree")
    func cbor() throws {
        let bytes = CBORShapeEncoder(model: model).encode(TestModel.full, shape: 0)
        let doc = try CBORReader.decode(bytes)
        let back = try DocumentDecoder(model: model, dialect: .cbor).decode(doc, shape: 0)
        #expect(back == TestModel.full)
    }

    @Test("Query: botocore-style form parameters decode to the same tree")
    func query() throws {
        let form = TestModel.queryForm(TestModel.full, shape: 0)
        #expect(form.contains { $0.0 == "Names.member.2" && $0.1 == "b c" })
        #expect(form.contains { $0.0 == "Flat.2" && $0.1 == "f2" })
        let back = try QueryDecoder(model: model).decode(form, shape: 0)
        #expect(back == TestModel.full)
    }

    @Test("Query: an empty list is sent as 'Name=' and decodes empty")
    func queryEmptyList() throws {
        let back = try QueryDecoder(model: model).decode([("Name", "x"), ("Names", "")], shape: 0)
        #expect(back["Names"] == .list([]))
    }

    @Test("XML: Query answers carry members, lists as <member>, maps as <entry>")
    func xml() throws {
        let codec = WireCodec(proto: .awsQuery, model: model)
        let response = codec.encodeOutput(model.operations["Op"]!, TestModel.full, requestID: "rid")
        let root = try XMLReader.parse(response.body)
        #expect(root.name == "OpResponse")
        #expect(root.attributes["xmlns"] == "http://example.com/doc/")
        let result = try #require(root.child("OpResult"))
        #expect(result.child("Name")?.text == "alpha")
        #expect(result.child("Count")?.text == "42")
        #expect(result.child("Enabled")?.text == "true")
        #expect(result.child("When")?.text == "2023-11-14T22:13:20.500Z")
        #expect(result.child("Data")?.text == "AAEC/w==")
        #expect(result.child("Names")?.children("member").map(\.text) == ["a", "b c"])
        #expect(result.children("Flat").map(\.text) == ["f1", "f2"])
        let entries = result.child("Labels")?.children("entry") ?? []
        #expect(entries.map { $0.child("key")?.text } == ["k 2", "k1"])
        #expect(entries.first?.child("value")?.text == "v&2")
        #expect(result.child("Children")?.children("member").last?.child("Unit")?.text == "Bytes")
        #expect(root.child("ResponseMetadata")?.child("RequestId")?.text == "rid")
    }

    @Test("JSON timestamps are epoch seconds and blobs base64")
    func jsonScalars() throws {
        let bytes = JSONShapeEncoder(model: model).encode(.map(["Name": .string("a"), "When": .timestamp(Date(timeIntervalSince1970: 1.5)), "Data": .blob([1])]), shape: 0)
        let doc = try JSONReader.parse(bytes)
        #expect(doc["When"] == .double(1.5))
        #expect(doc["Data"] == .string("AQ=="))
    }

    @Test("A value of the wrong type is a SerializationException naming the member")
    func wrongType() {
        let doc: WireValue = .map(["Name": .string("a"), "Count": .string("many")])
        #expect {
            _ = try DocumentDecoder(model: model, dialect: .json).decode(doc, shape: 0)
        } throws: { error in
            guard let e = error as? AWSError else { return false }
            return e.type.code == "SerializationException" && e.message.contains("'count'")
        }
    }

    @Test("Query: a malformed number is InvalidParameterValue")
    func queryBadNumber() {
        #expect(throws: AWSError.self) { _ = try QueryDecoder(model: model).decode([("Count", "x")], shape: 0) }
    }
}

@Suite("Model constraints are checked and worded as AWS does")
struct ValidatorTests {
    let validator = Validator(model: TestModel.model)

    @Test("Missing required member")
    func missing() {
        let v = validator.violations(of: .map([:]), shape: 0)
        #expect(v.map(\.text) == ["Value null at 'name' failed to satisfy constraint: Member must not be null"])
        #expect(v.first?.queryPath == "Name")
    }

    @Test("Length, range, enum, pattern and list size")
    func constraints() {
        let value: WireValue = .map([
            "Name": .string("TOO LONG NAME"),
            "Count": .int(101),
            "Names": .list([.string("a"), .string("b"), .string("c"), .string("d")]),
            "Child": .map(["Unit": .string("Parsecs")]),
        ])
        let texts = validator.violations(of: value, shape: 0).map(\.text)
        #expect(texts.contains("Value 'TOO LONG NAME' at 'name' failed to satisfy constraint: Member must have length less than or equal to 10"))
        #expect(texts.contains("Value 'TOO LONG NAME' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-z ]+"))
        #expect(texts.contains("Value '101' at 'count' failed to satisfy constraint: Member must have value less than or equal to 100"))
        #expect(texts.contains("Value '[a, b, c, d]' at 'names' failed to satisfy constraint: Member must have length less than or equal to 3"))
        #expect(texts.contains("Value 'Parsecs' at 'child.unit' failed to satisfy constraint: Member must satisfy enum value set: [Seconds, Bytes]"))
    }

    @Test("The combined message counts the errors")
    func message() {
        let v = validator.violations(of: .map(["Name": .string(""), "Count": .int(-1)]), shape: 0)
        let e = Validator.error(for: v, service: .logs, code: AWSErrorType("InvalidParameterException"))
        #expect(e.message.hasPrefix("3 validation errors detected: Value '' at 'name'"))
        #expect(e.message.contains("; Value '-1' at 'count'"))
    }

    @Test("CloudWatch answers missing members with MissingParameter and Query paths")
    func cloudWatchMissing() {
        let v = validator.violations(of: .map(["Children": .list([.map([:])])]), shape: 0)
        let e = Validator.error(for: v, service: .cloudWatch, code: CommonErrors.validationError)
        #expect(e.type.queryCode == "MissingParameter")
        #expect(e.message == "The parameter Name is required.")
    }
}
