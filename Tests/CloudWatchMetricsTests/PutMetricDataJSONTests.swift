import AWSShapes
import CloudWatchMetrics
import Foundation
import Storage
import Testing
import TrailwatchCore

/// The PutMetricData fast path (PutMetricDataJSON) reads plainly valid awsJson bodies straight
/// into a batch and answers nil for everything else, which the generic model-driven path then
/// judges. So: what it decodes must be exactly what the generic path makes of the same body,
/// and nothing it is given may make it trap.
@Suite("PutMetricData fast path")
struct PutMetricDataJSONTests {
    static let now: Int64 = 1_796_148_738
    static let scope = ResourceScope(accountId: "123456789012", region: "us-east-1")

    /// Every datum form: Value, Values with Counts, StatisticValues; Dimensions out of order;
    /// Unit; Timestamp as epoch seconds (integral and fractional); StorageResolution 1 and 60;
    /// a datum with nothing but a name and -0.
    static let body = #"{"Namespace":"App/Web","MetricData":[{"MetricName":"Latency","Dimensions":[{"Name":"Service","Value":"api"},{"Name":"Host","Value":"i-1"}],"Timestamp":1796145138,"Value":12.5,"Unit":"Milliseconds","StorageResolution":1},{"MetricName":"Sizes","Values":[1,2.5,4],"Counts":[2,1,3],"Unit":"Bytes","Timestamp":1796145138.75},{"MetricName":"Requests","StatisticValues":{"SampleCount":4,"Sum":10,"Minimum":1,"Maximum":4},"Unit":"Count","StorageResolution":60},{"MetricName":"Plain","Value":-0}]}"#

    /// The same request with MetricData before Namespace (the parser comes back for it).
    static let bodyDataFirst = #"{"MetricData":[{"MetricName":"Latency","Dimensions":[{"Name":"Service","Value":"api"},{"Name":"Host","Value":"i-1"}],"Timestamp":1796145138,"Value":12.5,"Unit":"Milliseconds","StorageResolution":1},{"MetricName":"Sizes","Values":[1,2.5,4],"Counts":[2,1,3],"Unit":"Bytes","Timestamp":1796145138.75},{"MetricName":"Requests","StatisticValues":{"SampleCount":4,"Sum":10,"Minimum":1,"Maximum":4},"Unit":"Count","StorageResolution":60},{"MetricName":"Plain","Value":-0}],"Namespace":"App/Web"}"#

    static func fast(_ bytes: [UInt8]) -> MetricBatch? {
        PutMetricDataJSON.decode(bytes, scope: scope, now: now)
    }

    /// The generic path without the wire layer: JSONReader's tree read by the generated input
    /// shape (as the awsJson codec hands it over: model names are the wire names, null is
    /// absent), then MetricDataValidation, then batched as the store is given it.
    static func generic(_ bytes: [UInt8]) -> MetricBatch? {
        guard let doc = try? JSONReader.parse(bytes),
              let input = try? CloudWatch.PutMetricDataInput(wire: doc),
              let samples = try? MetricDataValidation().samples(input, scope: scope, now: Date(timeIntervalSince1970: Double(now)))
        else { return nil }
        let batches = MetricBatch.batches(samples)
        return batches.count == 1 ? batches[0] : nil
    }

    /// One datum of a batch, as the store reads it.
    struct Datum: Equatable, CustomStringConvertible {
        var key: SeriesKey
        var timestamp: Int64
        var highResolution: Bool
        var cell: MetricCell
        var description: String {
            "\(key.metric.metricName) \(key.metric.dimensions.map { "\($0.name)=\($0.value)" }) \(key.unit) t=\(timestamp) "
                + "hr=\(highResolution) n=\(cell.count) sum=\(cell.sum) min=\(cell.min) max=\(cell.max)"
        }
    }

    static func datums(_ b: MetricBatch) -> [Datum] {
        (0..<b.count).map { Datum(key: b.seriesKey($0), timestamp: b.timestamps[$0], highResolution: b.highResolution[$0], cell: b.cell($0)) }
    }

    /// Nil when the two batches store the same thing; else what differs. (A single sample is a
    /// value in one batch and may be a cell in the other: cells are compared through `cell(i)`.)
    static func difference(_ a: MetricBatch, _ b: MetricBatch) -> String? {
        if a.scope != b.scope || a.namespace != b.namespace { return "namespace \(a.namespace) vs \(b.namespace)" }
        let da = datums(a), db = datums(b)
        if da != db { return "datums \(da) vs \(db)" }
        if a.keyBytes != b.keyBytes || a.keyEnds != b.keyEnds || a.keyHashes != b.keyHashes { return "canonical key bytes differ" }
        return nil
    }

    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes.prefix(600), as: UTF8.self) }

    // MARK: Valid bodies

    @Test("reads Namespace and every datum form")
    func reads() throws {
        let batch = try #require(Self.fast(Array(Self.body.utf8)))
        #expect(batch.namespace == "App/Web")
        #expect(batch.scope == Self.scope)
        #expect(batch.count == 4)
        func series(_ name: String, _ dims: [(String, String)], _ unit: String) -> SeriesKey {
            SeriesKey(scope: Self.scope,
                      metric: MetricIdentity(namespace: "App/Web", metricName: name, dimensions: dims.map { MetricDimension(name: $0.0, value: $0.1) }),
                      unit: unit)
        }
        let expected = [series("Latency", [("Host", "i-1"), ("Service", "api")], "Milliseconds"), series("Sizes", [], "Bytes"),
                        series("Requests", [], "Count"), series("Plain", [], "None")]
        let keys = (0..<batch.count).map { batch.seriesKey($0) }
        #expect(keys == expected)
        #expect(keys.first?.metric.dimensions.map(\.name) == ["Host", "Service"])  // sorted by name
        for (i, k) in expected.enumerated() where i < batch.count {
            #expect(Array(batch.key(i)) == MetricBatch.canonicalKey(k), "datum \(i): canonical key bytes")
        }
        #expect(batch.timestamps == [1_796_145_138, 1_796_145_138, Self.now, Self.now])  // .75 rounds down; no Timestamp is now
        #expect(batch.highResolution == [true, false, false, false])
        guard batch.count == 4 else { return }
        #expect(batch.values[0] == 12.5)
        #expect(batch.cell(0) == MetricCell(value: 12.5))
        let sizes = batch.cell(1)
        #expect(sizes == MetricCell(values: [1, 2.5, 4], counts: [2, 1, 3]))
        #expect(sizes.count == 6 && sizes.sum == 16.5 && sizes.min == 1 && sizes.max == 4)
        let requests = batch.cell(2)
        #expect(requests == MetricCell(statisticSet: 4, sum: 10, min: 1, max: 4))
        #expect(requests.count == 4 && requests.sum == 10 && requests.min == 1 && requests.max == 4 && !requests.distributionKnown)
        #expect(batch.cell(3) == MetricCell(value: 0))
    }

    @Test("the member order does not matter; whitespace is allowed")
    func order() throws {
        let a = try #require(Self.fast(Array(Self.body.utf8)))
        let b = try #require(Self.fast(Array(Self.bodyDataFirst.utf8)))
        #expect(Self.difference(a, b) == nil)
        let spaced = Array(" \n{ \"Namespace\" :\t\"N\" , \"MetricData\" : [ { \"MetricName\" : \"m\" , \"Value\" : 1 } ] }\r\n ".utf8)
        #expect(Self.fast(spaced)?.count == 1)
    }

    @Test("decodes the same batch as the generic path")
    func sameAsGeneric() throws {
        for body in [Self.body, Self.bodyDataFirst] {
            let bytes = Array(body.utf8)
            let f = try #require(Self.fast(bytes))
            let g = try #require(Self.generic(bytes), "the generic path refuses the valid body")
            #expect(Self.difference(f, g) == nil, "\(Self.difference(f, g) ?? "")")
        }
    }

    struct Body: Sendable, CustomTestStringConvertible {
        let name: String
        let text: String
        /// Whether the fast path must decode it (nil: decoding or declining are both right).
        let decodes: Bool?
        var testDescription: String { name }
    }

    /// Bodies the fast path could get wrong. Declining is always allowed; decoding must give
    /// the generic path's answer. The last six were decoded by the fast path while the generic
    /// path refused them or stored something else (checked against the server too).
    @Test("decodes only what the generic path accepts, to the same batch", arguments: [
        Body(name: "escaped name (generic path)", text: #"{"Namespace":"N","MetricData":[{"MetricName":"m\u0041","Value":1}]}"#, decodes: false),
        Body(name: "unknown members skipped", text: #"{"Namespace":"N","Other":{"a":[1,"x\"y",null,true]},"MetricData":[{"MetricName":"m","Value":1,"Extra":[[]]}]}"#, decodes: true),
        Body(name: "null members absent", text: #"{"Namespace":"N","MetricData":[{"MetricName":"m","Value":1,"Unit":null,"Dimensions":null,"Timestamp":null}]}"#, decodes: true),
        Body(name: "repeated value member: the last wins", text: #"{"Namespace":"N","MetricData":[{"MetricName":"m","Value":1,"Value":2}]}"#, decodes: nil),
        Body(name: "repeated Namespace", text: #"{"Namespace":"A","MetricData":[{"MetricName":"m","Value":1}],"Namespace":"B"}"#, decodes: nil),
        Body(name: "EntityMetricData (generic path)", text: #"{"Namespace":"N","MetricData":[{"MetricName":"m","Value":1}],"EntityMetricData":[]}"#, decodes: false),
        Body(name: "repeated Dimensions member", text: #"{"Namespace":"N","MetricData":[{"MetricName":"m","Value":1,"Dimensions":[{"Name":"a","Value":"1"}],"Dimensions":[{"Name":"b","Value":"2"}]}]}"#, decodes: nil),
        Body(name: "MetricData, Namespace, MetricData", text: #"{"MetricData":[{"MetricName":"first","Value":1}],"Namespace":"N","MetricData":[{"MetricName":"second","Value":1}]}"#, decodes: nil),
        Body(name: "bare word in a skipped member", text: #"{"Namespace":"N","Junk":xyz,"MetricData":[{"MetricName":"m","Value":1}]}"#, decodes: nil),
        Body(name: "control character in a skipped key", text: #"{"Namespace":"N","MetricData":[{"MetricName":"m","Value":1,"X\#u{01}":"y"}]}"#, decodes: nil),
        Body(name: "control character in a skipped string", text: #"{"Namespace":"N","Other":"a\#u{01}b","MetricData":[{"MetricName":"m","Value":1}]}"#, decodes: nil),
        Body(name: "StrictEntityValidation not a boolean", text: #"{"Namespace":"N","StrictEntityValidation":"yes","MetricData":[{"MetricName":"m","Value":1}]}"#, decodes: nil),
    ])
    func agrees(_ c: Body) {
        let bytes = Array(c.text.utf8)
        let f = Self.fast(bytes)
        if let decodes = c.decodes { #expect((f != nil) == decodes, "fast path \(f == nil ? "declined" : "decoded")") }
        guard let f else { return }
        guard let g = Self.generic(bytes) else {
            Issue.record("the fast path decoded \(Self.datums(f)); the generic path refuses the body")
            return
        }
        if let d = Self.difference(f, g) { Issue.record("the fast path differs from the generic path: \(d)") }
    }

    // MARK: Refusals

    @Test("every truncation of a valid body is declined")
    func truncations() {
        for body in [Self.body, Self.bodyDataFirst] {
            let bytes = Array(body.utf8)
            #expect(Self.fast(bytes) != nil, "the whole body decodes")
            var declined = 0
            for n in 0..<bytes.count {
                if Self.fast(Array(bytes[..<n])) == nil {
                    declined += 1
                } else {
                    Issue.record("a \(n)-byte prefix decoded: \(Self.text(Array(bytes[..<n])))")
                }
            }
            #expect(declined == bytes.count)
        }
    }

    @Test("more than 1000 datums are declined, as the generic path refuses them")
    func tooMany() {
        #expect(MetricDataValidation.maxDatums == 1000)
        func body(_ n: Int, dataFirst: Bool) -> [UInt8] {
            let items = Array(repeating: #"{"MetricName":"m","Value":1}"#, count: n).joined(separator: ",")
            return Array((dataFirst ? #"{"MetricData":[\#(items)],"Namespace":"N"}"# : #"{"Namespace":"N","MetricData":[\#(items)]}"#).utf8)
        }
        for dataFirst in [false, true] {
            #expect(Self.fast(body(1000, dataFirst: dataFirst))?.count == 1000, "dataFirst \(dataFirst)")
            #expect(Self.fast(body(1001, dataFirst: dataFirst)) == nil, "dataFirst \(dataFirst)")
            #expect(Self.fast(body(5000, dataFirst: dataFirst)) == nil, "dataFirst \(dataFirst)")
            #expect(Self.generic(body(1001, dataFirst: dataFirst)) == nil, "dataFirst \(dataFirst)")
        }
        #expect(Self.fast(Array(#"{"Namespace":"N","MetricData":[]}"#.utf8)) == nil)
    }

    // MARK: Hostile bodies

    /// Decodes `bytes` on the fast path (a trap fails the whole run). When it answers a batch,
    /// the batch is well formed, and when the body is valid JSON the generic path must accept
    /// it and store the same. Returns whether the fast path decoded.
    @discardableResult
    static func check(_ bytes: [UInt8], _ context: String) -> Bool {
        guard let batch = fast(bytes) else { return false }
        #expect((1...1000).contains(batch.count), "\(context)")
        for i in 0..<batch.count {
            #expect(batch.timestamps[i] >= now - 14 * 86400 && batch.timestamps[i] <= now + 7200, "\(context)")
            _ = batch.seriesKey(i)
        }
        if let g = generic(bytes) {
            if let d = difference(batch, g) { Issue.record("fast and generic paths differ (\(d)): \(context)") }
        } else if (try? JSONReader.parse(bytes)) != nil {
            Issue.record("the fast path decoded valid JSON the generic path refuses: \(context)")
        }
        return true
    }

    static func replacingFirst(_ bytes: [UInt8], _ target: String, _ replacement: String) -> [UInt8] {
        let t = Array(target.utf8)
        guard t.count <= bytes.count,
              let i = (0...(bytes.count - t.count)).first(where: { bytes[$0..<($0 + t.count)].elementsEqual(t) }) else {
            Issue.record("\(target) is not in the body")
            return bytes
        }
        var out = Array(bytes[..<i])
        out += Array(replacement.utf8)
        out += bytes[(i + t.count)...]
        return out
    }

    static let inserts: [UInt8] = Array(#"{"\[],:}"#.utf8)

    /// One to three byte-level mutations: flip a bit, overwrite a byte, insert a structural
    /// byte (`{ " \ [ ] , : }`), delete a byte, or repeat a short span.
    static func mutate(_ bytes: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var b = bytes
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            guard !b.isEmpty else { break }
            let i = Int.random(in: 0..<b.count, using: &rng)
            switch Int.random(in: 0..<5, using: &rng) {
            case 0: b[i] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &rng)
            case 1: b[i] = UInt8.random(in: 0...255, using: &rng)
            case 2: b.insert(inserts.randomElement(using: &rng)!, at: i)
            case 3: b.remove(at: i)
            default:
                let j = Int.random(in: i...min(b.count, i + 40), using: &rng)
                b.insert(contentsOf: Array(b[i..<j]), at: j)
            }
        }
        return b
    }

    @Test("seeded random mutations never trap, and decode only as the generic path does")
    func mutations() {
        var rng = SplitMix64(seed: 0x9E7A_F1A5_7000_0001)
        let bases = [Array(Self.body.utf8), Array(Self.bodyDataFirst.utf8)]
        var decoded = 0, declined = 0
        for trial in 0..<4000 {
            let mutated = Self.mutate(bases[trial % 2], &rng)
            if Self.check(mutated, "seed \(rng.seed), trial \(trial): \(Self.text(mutated))") { decoded += 1 } else { declined += 1 }
        }
        // Both outcomes occur, or the loop checked nothing.
        #expect(decoded > 0 && declined > 0, "seed \(rng.seed): \(decoded) decoded, \(declined) declined")
    }

    @Test("repeated keys never trap, and decode only as the generic path does")
    func repeatedKeys() {
        let base = Array(Self.body.utf8)
        let keys = ["Namespace", "MetricData", "MetricName", "Dimensions", "Name", "Timestamp", "Value", "Unit",
                    "StorageResolution", "Values", "Counts", "StatisticValues", "SampleCount", "Sum", "Minimum", "Maximum"]
        var decoded = 0
        for key in keys {
            for earlier in ["1", "-0", #""x""#, "null", "true", "[]", "{}", "[1]"] {
                let mutated = Self.replacingFirst(base, #""\#(key)":"#, #""\#(key)":\#(earlier),"\#(key)":"#)
                if Self.check(mutated, "\(key) repeated after \(earlier): \(Self.text(mutated))") { decoded += 1 }
            }
        }
        #expect(decoded > 0, "no body with a repeated key decoded")  // `null` first is plainly absent
    }

    @Test("out-of-range and malformed numbers never trap, and decode only as the generic path does")
    func numbers() {
        let base = Array(Self.body.utf8)
        let targets = [#""Value":12.5"#, #""Timestamp":1796145138,"#, #""Values":[1,"#, #""SampleCount":4"#, #""StorageResolution":1}"#]
        let specials = ["1e400", "-1e400", "1e-400", "-0", "-0.0", "0e0", "1E+2", "1.0", "NaN", "Infinity", #""NaN""#, #""Infinity""#,
                        #""-Infinity""#, #""1""#, "1" + String(repeating: "0", count: 400), "0." + String(repeating: "0", count: 400) + "1",
                        "123456789012345678901234567890", "9007199254740993", "1.5e", "--1", "01", "+1", ".5", "1.", "true", "null", "[]", "{}"]
        for target in targets {
            // The target with its number swapped: keep the punctuation around it.
            let head = String(target.prefix { $0 != ":" }) + ":" + (target.contains("[") ? "[" : "")
            let tail = target.hasSuffix(",") ? "," : (target.hasSuffix("}") ? "}" : "")
            for special in specials {
                let mutated = Self.replacingFirst(base, target, head + special + tail)
                Self.check(mutated, "\(target) as \(special.prefix(40)): \(Self.text(mutated))")
            }
        }
        func value(_ v: String) -> [UInt8] { Self.replacingFirst(base, #""Value":12.5"#, #""Value":\#(v)"#) }
        #expect(Self.fast(value("1e400")) == nil)
        #expect(Self.fast(value(#""NaN""#)) == nil)
        #expect(Self.fast(value("NaN")) == nil)
        #expect(Self.fast(value("-0.0"))?.values.first == 0)
        #expect(Self.fast(Self.replacingFirst(base, #""Timestamp":1796145138,"#, #""Timestamp":1e400,"#)) == nil)
    }

    @Test("deep nesting never traps; a shallow unknown member is skipped")
    func nesting() {
        let base = Array(Self.body.utf8)
        for depth in [1, 10, 63, 64, 65, 99, 100, 101, 1000, 100_000] {
            let arrays = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
            let objects = String(repeating: #"{"a":"#, count: depth) + "1" + String(repeating: "}", count: depth)
            let unclosed = String(repeating: "[", count: depth)
            for (label, deep) in [("arrays", arrays), ("objects", objects), ("unclosed", unclosed)] {
                let top = Self.replacingFirst(base, #"{"Namespace""#, #"{"Deep":\#(deep),"Namespace""#)
                let inDatum = Self.replacingFirst(base, #""Value":12.5"#, #""Value":12.5,"Deep":\#(deep)"#)
                let asValue = Self.replacingFirst(base, #""Value":12.5"#, #""Value":\#(deep)"#)
                let decodedTop = Self.check(top, "\(label) \(depth) deep at the top")
                let decodedInDatum = Self.check(inDatum, "\(label) \(depth) deep in a datum")
                #expect(!Self.check(asValue, "\(label) \(depth) deep as a Value"), "\(label) \(depth) deep read as a Value")
                if depth <= 10 && label != "unclosed" {
                    #expect(decodedTop && decodedInDatum, "\(label) \(depth) deep: an unknown member should be skipped")
                }
                if label == "unclosed" || depth >= 1000 {
                    #expect(!decodedTop && !decodedInDatum, "\(label) \(depth) deep decoded")
                }
            }
        }
        #expect(Self.fast(Array((String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)).utf8)) == nil)
    }
}
