package import Foundation

/// Column encodings for sealed cells (DESIGN.md: "Sealed time ranges are compressed
/// column-wise: timestamps delta-of-delta; values in a decimal-aware encoding").
///
/// Integers: delta from the previous value, zigzag, then blocks of 128 bit-packed at the
/// block's widest value (one width byte per block). A run of equal deltas (regular
/// timestamps) therefore costs one byte per 128 values.
///
/// Doubles: the smallest decimal scale s in 0...9 at which every value is an exact integer
/// multiple of 10^-s is found; the scaled integers are then an integer column. Gauges printed
/// with a few decimals (42.7, 43.1) cost a few bits each. Values that are not short decimals
/// fall back to XOR with the previous value's bits, as varints.
package enum IntColumn {
    package static let block = 128

    package static func encode(_ values: [Int64], into w: inout ByteWriter) {
        var prev: Int64 = 0
        var zz = [UInt64]()
        zz.reserveCapacity(values.count)
        for v in values {
            zz.append(zigzag(v &- prev))
            prev = v
        }
        var i = 0
        while i < zz.count {
            let end = Swift.min(i + block, zz.count)
            var widest: UInt64 = 0
            for k in i..<end { widest |= zz[k] }
            let width = bitWidth(widest)
            w.byte(UInt8(width))
            w.pack(zz[i..<end], width: width)
            i = end
        }
    }

    package static func decode(count: Int, from r: inout ByteReader) throws -> [Int64] {
        var out = [Int64]()
        out.reserveCapacity(count)
        var raw = [UInt64]()
        raw.reserveCapacity(block)
        var prev: Int64 = 0
        var remaining = count
        while remaining > 0 {
            let n = Swift.min(block, remaining)
            let width = Int(try r.byte())
            guard width <= 64 else { throw CorruptRecord(description: "bad bit width") }
            raw.removeAll(keepingCapacity: true)
            try r.unpack(count: n, width: width, into: &raw)
            for u in raw {
                prev = prev &+ unzigzag(u)
                out.append(prev)
            }
            remaining -= n
        }
        return out
    }
}

package enum DoubleColumn {
    private static let powers: [Double] = (0...9).map { Foundation.pow(10, Double($0)) }

    /// The smallest scale at which every value is an exact short decimal, or nil.
    package static func decimalScale(_ values: [Double]) -> Int? {
        var scale = 0
        for v in values {
            guard v.isFinite, abs(v) < 1e15 else { return nil }
            while scale <= 9 {
                let scaled = (v * powers[scale]).rounded()
                if abs(scaled) < 9e15, scaled / powers[scale] == v { break }
                scale += 1
            }
            if scale > 9 { return nil }
        }
        // A later value can raise the scale past what an earlier, larger one allows
        // ([1e14, 0.00001] → 1e19, past Int64): every value is checked again at the final scale.
        let p = powers[scale]
        for v in values {
            let scaled = (v * p).rounded()
            guard abs(scaled) < 9e15, scaled / p == v else { return nil }
        }
        return scale
    }

    package static func encode(_ values: [Double], into w: inout ByteWriter) {
        if let scale = decimalScale(values) {
            w.byte(UInt8(scale))
            let p = powers[scale]
            IntColumn.encode(values.map { Int64(($0 * p).rounded()) }, into: &w)
        } else {
            w.byte(0xFF)
            var prev: UInt64 = 0
            for v in values {
                w.varint(v.bitPattern ^ prev)
                prev = v.bitPattern
            }
        }
    }

    package static func decode(count: Int, from r: inout ByteReader) throws -> [Double] {
        let scale = try r.byte()
        if scale == 0xFF {
            var out = [Double]()
            out.reserveCapacity(count)
            var prev: UInt64 = 0
            for _ in 0..<count {
                prev ^= try r.varint()
                out.append(Double(bitPattern: prev))
            }
            return out
        }
        guard Int(scale) < powers.count else { throw CorruptRecord(description: "bad decimal scale") }
        let p = powers[Int(scale)]
        return try IntColumn.decode(count: count, from: &r).map { Double($0) / p }
    }
}
