import AWSWire
import Foundation
import TrailwatchCore

/// A small service model with one shape of every family, for codec round trips.
enum TestModel {
    static let model = ServiceModel(
        service: .cloudWatch, apiVersion: "2010-08-01", targetPrefix: "Test", jsonVersion: "1.0",
        xmlNamespace: "http://example.com/doc/", queryCompatible: false,
        shapes: [
            Shape("Root", .structure, members: [
                Member("Name", 1, required: true),
                Member("Count", 2),
                Member("Big", 3),
                Member("Ratio", 4),
                Member("Enabled", 5),
                Member("When", 6),
                Member("Data", 7),
                Member("Names", 8),
                Member("Labels", 9),
                Member("Child", 10),
                Member("Children", 11),
                Member("Flat", 12, flattened: true),
            ]),  // 0
            Shape("Name", .string, min: 1, max: 10, pattern: "[a-z ]+"),  // 1
            Shape("Count", .integer, min: 0, max: 100),  // 2
            Shape("Big", .long),  // 3
            Shape("Ratio", .double),  // 4
            Shape("Enabled", .boolean),  // 5
            Shape("When", .timestamp),  // 6
            Shape("Data", .blob),  // 7
            Shape("Names", .list, element: 1, max: 3),  // 8
            Shape("Labels", .map, element: 1, key: 1),  // 9
            Shape("Child", .structure, members: [Member("Name", 1), Member("Unit", 13)]),  // 10
            Shape("Children", .list, element: 10),  // 11
            Shape("Flat", .list, element: 1),  // 12
            Shape("Unit", .string, enumValues: ["Seconds", "Bytes"]),  // 13
        ],
        operations: [OperationModel("Op", input: 0, output: 0, resultWrapper: "OpResult")],
        modeledOperations: ["Op"])

    /// A value using every member.
    static let full: WireValue = .map([
        "Name": .string("alpha"),
        "Count": .int(42),
        "Big": .int(9_007_199_254_740_993),
        "Ratio": .double(0.25),
        "Enabled": .bool(true),
        "When": .timestamp(Date(timeIntervalSince1970: 1_700_000_000.5)),
        "Data": .blob([0, 1, 2, 255]),
        "Names": .list([.string("a"), .string("b c")]),
        "Labels": .map(["k1": .string("v1"), "k 2": .string("v&2")]),
        "Child": .map(["Name": .string("kid"), "Unit": .string("Seconds")]),
        "Children": .list([.map(["Name": .string("x")]), .map(["Name": .string("y"), "Unit": .string("Bytes")])]),
        "Flat": .list([.string("f1"), .string("f2")]),
    ])

    /// Encodes a value as botocore's Query serializer would (for round trips).
    static func queryForm(_ value: WireValue, shape: Int, prefix: String = "") -> [(String, String)] {
        let s = model.shapes[shape]
        var out: [(String, String)] = []
        switch (s.kind, value) {
        case (.structure, .map(let fields)):
            for m in s.members {
                guard let v = fields[m.name] else { continue }
                let p = prefix.isEmpty ? m.wireName : prefix + "." + m.wireName
                let ms = model.shapes[m.shape]
                if ms.kind == .list, m.flattened || ms.flattened, case .list(let items) = v {
                    for (i, item) in items.enumerated() { out += queryForm(item, shape: ms.element, prefix: "\(p).\(i + 1)") }
                } else {
                    out += queryForm(v, shape: m.shape, prefix: p)
                }
            }
        case (.list, .list(let items)):
            if items.isEmpty { return [(prefix, "")] }
            for (i, item) in items.enumerated() { out += queryForm(item, shape: s.element, prefix: "\(prefix).member.\(i + 1)") }
        case (.map, .map(let entries)):
            for (i, k) in entries.keys.sorted().enumerated() {
                out.append(("\(prefix).entry.\(i + 1).key", k))
                out += queryForm(entries[k]!, shape: s.element, prefix: "\(prefix).entry.\(i + 1).value")
            }
        case (_, .string(let str)): out.append((prefix, str))
        case (_, .int(let i)): out.append((prefix, String(i)))
        case (_, .double(let d)): out.append((prefix, String(d)))
        case (_, .bool(let b)): out.append((prefix, b ? "true" : "false"))
        case (_, .timestamp(let t)): out.append((prefix, Timestamps.iso8601(t)))
        case (_, .blob(let b)): out.append((prefix, Base64.encode(b)))
        default: break
        }
        return out
    }
}
