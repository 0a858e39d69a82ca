import Foundation
public import TrailwatchCore

/// Writes a model-typed tree as XML elements the way AWS Query (and REST-XML) answers carry
/// them: lists as `<member>` children unless flattened, maps as `<entry><key/><value/>`,
/// timestamps in ISO 8601, booleans `true`/`false`, blobs base64.
public struct XMLShapeEncoder {
    let model: ServiceModel

    public init(model: ServiceModel) { self.model = model }

    /// Writes the members of structure `value` (of shape `shapeIndex`) into `w`.
    public func writeMembers(_ value: WireValue, shape shapeIndex: Int, into w: inout XMLWriter) {
        let shape = model.shapes[shapeIndex]
        guard case .map(let fields) = value else { return }
        for member in shape.members where member.location == .body && !member.xmlAttribute {
            guard let mv = fields[member.name], mv != .null else { continue }
            let memberShape = model.shapes[member.shape]
            if memberShape.kind == .list, member.flattened || memberShape.flattened {
                guard case .list(let items) = mv else { continue }
                let name = memberShape.elementName ?? member.wireName
                for item in items { writeElement(name, item, memberShape.element, member.timestampFormat, into: &w) }
            } else if memberShape.kind == .map, member.flattened || memberShape.flattened {
                guard case .map(let entries) = mv else { continue }
                for k in entries.keys.sorted() {
                    w.open(member.wireName)
                    writeMapEntry(k, entries[k]!, memberShape, into: &w)
                    w.close(member.wireName)
                }
            } else {
                writeElement(member.wireName, mv, member.shape, member.timestampFormat, into: &w)
            }
        }
    }

    /// Writes `<name>value</name>` for a value of shape `index`.
    public func writeElement(_ name: String, _ value: WireValue, _ index: Int, _ format: Shape.TimestampFormat? = nil, into w: inout XMLWriter) {
        let shape = model.shapes[index]
        switch (shape.kind, value) {
        case (.structure, .map):
            w.open(name)
            writeMembers(value, shape: index, into: &w)
            w.close(name)
        case (.list, .list(let items)):
            w.open(name)
            let elementName = shape.elementName ?? "member"
            for item in items { writeElement(elementName, item, shape.element, into: &w) }
            w.close(name)
        case (.map, .map(let entries)):
            w.open(name)
            for k in entries.keys.sorted() {
                w.open("entry")
                writeMapEntry(k, entries[k]!, shape, into: &w)
                w.close("entry")
            }
            w.close(name)
        default:
            w.element(name, scalarText(value, shape, format))
        }
    }

    private func writeMapEntry(_ key: String, _ value: WireValue, _ shape: Shape, into w: inout XMLWriter) {
        w.element(shape.keyName ?? "key", key)
        writeElement(shape.elementName ?? "value", value, shape.element, into: &w)
    }

    /// The text of a scalar node.
    public func scalarText(_ value: WireValue, _ shape: Shape, _ format: Shape.TimestampFormat? = nil) -> String {
        switch value {
        case .string(let s): return s
        case .int(let i): return shape.kind == .double || shape.kind == .float ? String(Double(i)) : String(i)
        case .double(let d):
            if d.isNaN { return "NaN" }
            if d.isInfinite { return d > 0 ? "Infinity" : "-Infinity" }
            if shape.kind == .integer || shape.kind == .long { return String(Int64(d)) }
            return String(d)
        case .bool(let b): return b ? "true" : "false"
        case .timestamp(let t):
            switch format ?? shape.timestampFormat ?? .iso8601 {
            case .iso8601: return Timestamps.iso8601(t)
            case .rfc822: return Timestamps.rfc822(t)
            case .unixTimestamp: return String(Int64(t.timeIntervalSince1970))
            }
        case .blob(let b): return Base64.encode(b)
        default: return ""
        }
    }
}
