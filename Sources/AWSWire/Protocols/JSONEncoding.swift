import Foundation
public import TrailwatchCore

/// Writes a model-typed tree as an awsJson 1.0/1.1 body: members under their wire names,
/// timestamps as epoch seconds (unless the model says otherwise), blobs as base64.
public struct JSONShapeEncoder {
    let model: ServiceModel

    public init(model: ServiceModel) { self.model = model }

    /// Encodes `value` as shape `shapeIndex`.
    public func encode(_ value: WireValue, shape shapeIndex: Int) -> [UInt8] {
        var w = JSONWriter(reserving: 512)
        write(value, shapeIndex, timestampFormat: nil, into: &w)
        return w.bytes
    }

    private func write(_ v: WireValue, _ index: Int, timestampFormat: Shape.TimestampFormat?, into w: inout JSONWriter) {
        let shape = model.shapes[index]
        switch (shape.kind, v) {
        case (.structure, .map(let fields)):
            w.beginObject()
            var first = true
            for member in shape.members {
                guard let mv = fields[member.name], mv != .null else { continue }
                if !first { w.comma() }
                first = false
                w.key(member.wireName)
                write(mv, member.shape, timestampFormat: member.timestampFormat, into: &w)
            }
            w.endObject()
        case (.list, .list(let items)):
            w.beginArray()
            for (i, item) in items.enumerated() {
                if i > 0 { w.comma() }
                write(item, shape.element, timestampFormat: nil, into: &w)
            }
            w.endArray()
        case (.map, .map(let entries)):
            w.beginObject()
            for (i, k) in entries.keys.sorted().enumerated() {
                if i > 0 { w.comma() }
                w.key(k)
                write(entries[k]!, shape.element, timestampFormat: nil, into: &w)
            }
            w.endObject()
        case (.timestamp, .timestamp(let t)):
            switch timestampFormat ?? shape.timestampFormat ?? .unixTimestamp {
            case .unixTimestamp: w.double((t.timeIntervalSince1970 * 1000).rounded() / 1000)
            case .iso8601: w.string(Timestamps.iso8601(t))
            case .rfc822: w.string(Timestamps.rfc822(t))
            }
        case (.float, .int(let i)), (.double, .int(let i)):
            w.double(Double(i))
        case (.integer, .double(let d)), (.long, .double(let d)):
            w.int(Int64(d))
        default:
            w.value(v)
        }
    }
}
