import CZstd

/// zstd frames for sealed log blocks: about 2.5× zlib's decompression speed on log lines at a
/// better ratio (BENCHMARKS.md, W4 third pass), so a scan is not capped by inflating.
enum Zstd {
    struct Failed: Error { let message: String }

    static func compress(_ bytes: [UInt8], level: Int32) -> [UInt8] {
        let bound = ZSTD_compressBound(bytes.count)
        return [UInt8](unsafeUninitializedCapacity: bound) { o, count in
            let n = bytes.withUnsafeBytes { i in ZSTD_compress(o.baseAddress, bound, i.baseAddress, i.count, level) }
            // Compressing into a buffer of ZSTD_compressBound bytes cannot fail.
            precondition(ZSTD_isError(n) == 0, "ZSTD_compress: \(String(cString: ZSTD_getErrorName(n)))")
            count = n
        }
    }

    /// Decompresses one frame; refuses a frame that does not say its size or says more than `limit`.
    static func decompress(_ bytes: [UInt8], limit: Int) throws -> [UInt8] {
        let size = bytes.withUnsafeBytes { ZSTD_getFrameContentSize($0.baseAddress, $0.count) }
        // ZSTD_CONTENTSIZE_UNKNOWN and ZSTD_CONTENTSIZE_ERROR: 0ULL - 1 and 0ULL - 2.
        guard size < UInt64.max - 1, size <= UInt64(limit) else {
            throw Failed(message: "not a zstd frame of known size within \(limit) bytes")
        }
        var n = 0
        let out = [UInt8](unsafeUninitializedCapacity: Int(size)) { o, count in
            n = bytes.withUnsafeBytes { i in ZSTD_decompress(o.baseAddress, o.count, i.baseAddress, i.count) }
            count = ZSTD_isError(n) == 0 && n == Int(size) ? n : 0
        }
        guard ZSTD_isError(n) == 0, n == Int(size) else {
            throw Failed(message: ZSTD_isError(n) != 0 ? String(cString: ZSTD_getErrorName(n)) : "short frame")
        }
        return out
    }
}
