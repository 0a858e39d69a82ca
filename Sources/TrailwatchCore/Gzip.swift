import CZlib

/// Errors inflating a `Content-Encoding: gzip` body.
public enum GzipError: Error, Sendable {
    /// The body is not a valid gzip (or zlib) stream.
    case corrupt(String)
    /// The inflated body would exceed the allowed size.
    case tooLarge(limit: Int)
}

/// gzip through zlib: inflating request bodies, deflating files (trail delivery, exports).
public enum Gzip {
    /// Inflates a gzip stream, refusing to produce more than `limit` bytes (a bound on
    /// decompression bombs). Concatenated gzip members are all inflated.
    public static func inflate(_ input: some Collection<UInt8>, limit: Int) throws -> [UInt8] {
        var source = Array(input)
        if source.isEmpty { return [] }
        var stream = z_stream()
        // 15 window bits + 32: detect gzip or zlib headers automatically.
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw GzipError.corrupt("zlib initialisation failed")
        }
        defer { inflateEnd(&stream) }
        var output = [UInt8]()
        output.reserveCapacity(min(limit, max(source.count * 4, 4096)))
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        return try source.withUnsafeMutableBufferPointer { src -> [UInt8] in
            stream.next_in = src.baseAddress
            stream.avail_in = UInt32(src.count)
            while true {
                let status: Int32 = chunk.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress
                    stream.avail_out = UInt32(out.count)
                    return CZlib.inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk.count - Int(stream.avail_out)
                if output.count + produced > limit { throw GzipError.tooLarge(limit: limit) }
                output.append(contentsOf: chunk[0..<produced])
                switch status {
                case Z_STREAM_END:
                    if stream.avail_in > 0 {
                        // Another gzip member follows.
                        guard inflateReset(&stream) == Z_OK else { throw GzipError.corrupt("reset failed") }
                        continue
                    }
                    return output
                case Z_OK:
                    if stream.avail_in == 0 && produced == 0 { throw GzipError.corrupt("truncated gzip stream") }
                case Z_BUF_ERROR:
                    if stream.avail_in == 0 { throw GzipError.corrupt("truncated gzip stream") }
                default:
                    let msg = stream.msg.map { String(cString: $0) } ?? "error \(status)"
                    throw GzipError.corrupt(msg)
                }
            }
        }
    }

    /// Deflates `input` into a gzip stream.
    public static func deflate(_ input: some Collection<UInt8>, level: Int32 = 6) -> [UInt8] {
        var source = Array(input)
        var stream = z_stream()
        // 15 window bits + 16: write a gzip header.
        precondition(deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                                   Int32(MemoryLayout<z_stream>.size)) == Z_OK, "zlib deflateInit2 failed")
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, UInt(source.count)))
        var output = [UInt8](repeating: 0, count: bound + 32)
        let written: Int = source.withUnsafeMutableBufferPointer { src in
            output.withUnsafeMutableBufferPointer { out in
                stream.next_in = src.baseAddress
                stream.avail_in = UInt32(src.count)
                stream.next_out = out.baseAddress
                stream.avail_out = UInt32(out.count)
                let status = CZlib.deflate(&stream, Z_FINISH)
                precondition(status == Z_STREAM_END, "deflate into a deflateBound buffer must finish")
                return out.count - Int(stream.avail_out)
            }
        }
        output.removeSubrange(written...)
        return output
    }
}

extension Gzip {
    /// The CRC-32 (IEEE) of `bytes`, as zlib computes it (S3's `x-amz-checksum-crc32`).
    public static func crc32(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { p in
            var crc: uLong = CZlib.crc32(0, nil, 0)
            var offset = 0
            // zlib takes a 32-bit length: feed it in chunks.
            while offset < p.count {
                let n = min(p.count - offset, 1 << 30)
                crc = CZlib.crc32(crc, p.baseAddress! + offset, uInt(n))
                offset += n
            }
            return UInt32(truncatingIfNeeded: crc)
        }
    }
}
