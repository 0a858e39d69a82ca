/// Little helpers for the stores' binary formats: LEB128 varints, zigzag, doubles,
/// and fixed-width bit packing.
package struct ByteWriter {
    package var bytes: [UInt8] = []

    package init(capacity: Int = 64) { bytes.reserveCapacity(capacity) }

    @inline(__always) package mutating func byte(_ b: UInt8) { bytes.append(b) }

    @inline(__always) package mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    @inline(__always) package mutating func signed(_ v: Int64) { varint(UInt64(bitPattern: (v << 1) ^ (v >> 63))) }

    @inline(__always) package mutating func double(_ d: Double) {
        var bits = d.bitPattern
        for _ in 0..<8 {
            bytes.append(UInt8(truncatingIfNeeded: bits))
            bits >>= 8
        }
    }

    package mutating func string(_ s: String) {
        varint(UInt64(s.utf8.count))
        bytes.append(contentsOf: s.utf8)
    }

    /// Packs `values` at `width` bits each (LSB first).
    package mutating func pack(_ values: ArraySlice<UInt64>, width: Int) {
        guard width > 0 else { return }
        var acc: UInt64 = 0
        var bits = 0
        for v in values {
            acc |= v << UInt64(bits)
            if bits + width >= 64 {
                let spill = bits + width - 64
                for _ in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: acc)); acc >>= 8 }
                acc = spill > 0 ? v >> UInt64(width - spill) : 0
                bits = spill
            } else {
                bits += width
            }
        }
        while bits > 0 {
            bytes.append(UInt8(truncatingIfNeeded: acc))
            acc >>= 8
            bits -= 8
        }
    }
}

/// A malformed stored record (never expected: the store wrote it).
package struct CorruptRecord: Error, CustomStringConvertible {
    package let description: String
}

package struct ByteReader {
    package let bytes: [UInt8]
    package var pos: Int

    package init(_ bytes: [UInt8], at pos: Int = 0) {
        self.bytes = bytes
        self.pos = pos
    }

    package var atEnd: Bool { pos >= bytes.count }

    @inline(__always) package mutating func byte() throws -> UInt8 {
        guard pos < bytes.count else { throw CorruptRecord(description: "truncated record") }
        defer { pos += 1 }
        return bytes[pos]
    }

    @inline(__always) package mutating func varint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard pos < bytes.count, shift < 64 else { throw CorruptRecord(description: "bad varint") }
            let b = bytes[pos]
            pos += 1
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return result }
            shift += 7
        }
    }

    @inline(__always) package mutating func signed() throws -> Int64 {
        let u = try varint()
        return Int64(bitPattern: u >> 1) ^ -Int64(bitPattern: u & 1)
    }

    @inline(__always) package mutating func double() throws -> Double {
        guard pos + 8 <= bytes.count else { throw CorruptRecord(description: "truncated double") }
        var bits: UInt64 = 0
        for i in (0..<8).reversed() { bits = bits << 8 | UInt64(bytes[pos + i]) }
        pos += 8
        return Double(bitPattern: bits)
    }

    package mutating func string() throws -> String {
        let n = Int(try varint())
        guard pos + n <= bytes.count else { throw CorruptRecord(description: "truncated string") }
        defer { pos += n }
        return String(decoding: bytes[pos..<pos + n], as: UTF8.self)
    }

    /// Unpacks `count` values of `width` bits into `out`.
    package mutating func unpack(count: Int, width: Int, into out: inout [UInt64]) throws {
        guard width > 0 else {
            out.append(contentsOf: repeatElement(0, count: count))
            return
        }
        let nbytes = (count * width + 7) / 8
        guard pos + nbytes <= bytes.count else { throw CorruptRecord(description: "truncated bit pack") }
        let mask: UInt64 = width == 64 ? ~0 : (1 << UInt64(width)) - 1
        var bitPos = 0
        bytes.withUnsafeBufferPointer { buf in
            let base = pos
            for _ in 0..<count {
                let byteIndex = base + bitPos >> 3
                let shift = UInt64(bitPos & 7)
                var word: UInt64 = 0
                let avail = Swift.min(9, buf.count - byteIndex)
                for k in 0..<Swift.min(8, avail) { word |= UInt64(buf[byteIndex + k]) << UInt64(8 * k) }
                var v = word >> shift
                if shift > 0, width + Int(shift) > 64, avail > 8 {
                    v |= UInt64(buf[byteIndex + 8]) << (64 - shift)
                }
                out.append(v & mask)
                bitPos += width
            }
        }
        pos += nbytes
    }
}

@inline(__always) func zigzag(_ v: Int64) -> UInt64 { UInt64(bitPattern: (v << 1) ^ (v >> 63)) }
@inline(__always) func unzigzag(_ u: UInt64) -> Int64 { Int64(bitPattern: u >> 1) ^ -Int64(bitPattern: u & 1) }

/// Bits needed to hold `v`.
@inline(__always) func bitWidth(_ v: UInt64) -> Int { v == 0 ? 0 : 64 - v.leadingZeroBitCount }
