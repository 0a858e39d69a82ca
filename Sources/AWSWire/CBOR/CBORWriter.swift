public import Foundation
public import TrailwatchCore

/// Encodes CBOR items with definite lengths, as smithy-rpc-v2-cbor answers are written.
public struct CBORWriter {
    public private(set) var bytes: [UInt8] = []

    public init(reserving capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    mutating func head(_ major: UInt8, _ value: UInt64) {
        let m = major << 5
        switch value {
        case 0..<24: bytes.append(m | UInt8(value))
        case 24..<0x100: bytes.append(m | 24); bytes.append(UInt8(value))
        case 0x100..<0x10000:
            bytes.append(m | 25)
            bytes.append(UInt8(value >> 8)); bytes.append(UInt8(value & 0xFF))
        case 0x10000..<0x1_0000_0000:
            bytes.append(m | 26)
            for s in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(value >> UInt64(s) & 0xFF)) }
        default:
            bytes.append(m | 27)
            for s in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(value >> UInt64(s) & 0xFF)) }
        }
    }

    /// Appends an already-encoded data item.
    public mutating func rawBytes(_ b: [UInt8]) { bytes.append(contentsOf: b) }

    public mutating func int(_ i: Int64) {
        if i >= 0 { head(0, UInt64(i)) } else { head(1, UInt64(-1 - i)) }
    }

    public mutating func double(_ d: Double) {
        bytes.append(0xFB)
        let bits = d.bitPattern
        for s in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(bits >> UInt64(s) & 0xFF)) }
    }

    public mutating func bool(_ b: Bool) { bytes.append(b ? 0xF5 : 0xF4) }
    public mutating func null() { bytes.append(0xF6) }

    public mutating func string(_ s: String) {
        let utf8 = Array(s.utf8)
        head(3, UInt64(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    public mutating func blob(_ b: [UInt8]) {
        head(2, UInt64(b.count))
        bytes.append(contentsOf: b)
    }

    public mutating func beginArray(count: Int) { head(4, UInt64(count)) }
    public mutating func beginMap(count: Int) { head(5, UInt64(count)) }

    /// Epoch-seconds timestamp (tag 1 over a double).
    public mutating func timestamp(_ t: Date) {
        head(6, 1)
        double(t.timeIntervalSince1970)
    }

    /// Writes an untyped node.
    public mutating func value(_ v: WireValue) {
        switch v {
        case .null: null()
        case .bool(let b): bool(b)
        case .int(let i): int(i)
        case .double(let d): double(d)
        case .string(let s): string(s)
        case .blob(let b): blob(b)
        case .timestamp(let t): timestamp(t)
        case .list(let l):
            beginArray(count: l.count)
            for e in l { value(e) }
        case .map(let m):
            beginMap(count: m.count)
            for k in m.keys.sorted() {
                string(k)
                value(m[k]!)
            }
        }
    }
}

/// Writes a model-typed tree as a smithy-rpc-v2-cbor body.
public struct CBORShapeEncoder {
    let model: ServiceModel

    public init(model: ServiceModel) { self.model = model }

    public func encode(_ value: WireValue, shape shapeIndex: Int) -> [UInt8] {
        var w = CBORWriter(reserving: 512)
        write(value, shapeIndex, into: &w)
        return w.bytes
    }

    private func write(_ v: WireValue, _ index: Int, into w: inout CBORWriter) {
        let shape = model.shapes[index]
        switch (shape.kind, v) {
        case (.structure, .map(let fields)):
            let present = shape.members.filter { fields[$0.name].map { $0 != .null } ?? false }
            w.beginMap(count: present.count)
            for member in present {
                w.string(member.wireName)
                write(fields[member.name]!, member.shape, into: &w)
            }
        case (.list, .list(let items)):
            w.beginArray(count: items.count)
            for item in items { write(item, shape.element, into: &w) }
        case (.map, .map(let entries)):
            w.beginMap(count: entries.count)
            for k in entries.keys.sorted() {
                w.string(k)
                write(entries[k]!, shape.element, into: &w)
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
