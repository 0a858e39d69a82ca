import TrailwatchCore

/// S3's `aws-chunked` content encoding: what AWS SDKs send for PutObject over HTTPS (botocore's
/// flexible checksums, `x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER`), and what
/// SigV4 streaming uploads send (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD`).
///
/// ```
/// <hex size>[;chunk-signature=<sig>]\r\n <bytes> \r\n   ... repeated ...
/// 0[;chunk-signature=<sig>]\r\n
/// [<trailer name>:<value>\r\n ...]\r\n
/// ```
///
/// Chunk signatures are read but not verified (the request's own signature is).
enum AWSChunked {
    struct Decoded {
        var payload: [UInt8]
        /// Trailing headers (`x-amz-checksum-crc32`), names lowercased.
        var trailers: [String: String]
    }

    static func isChunked(_ headers: [(String, String)]) -> Bool {
        headers.contains { name, value in
            (name.lowercased() == "content-encoding" && value.lowercased().contains("aws-chunked"))
                || (name.lowercased() == "x-amz-content-sha256" && value.hasPrefix("STREAMING-"))
        }
    }

    static func malformed() -> AWSError {
        AWSError(AWSErrorType("IncompleteBody", status: 400), "The request body terminated unexpectedly")
    }

    static func decode(_ body: [UInt8]) throws -> Decoded {
        var out: [UInt8] = []
        out.reserveCapacity(body.count)
        var pos = 0
        func line() throws -> ArraySlice<UInt8> {
            var i = pos
            while i + 1 < body.count, !(body[i] == 0x0D && body[i + 1] == 0x0A) { i += 1 }
            guard i + 1 < body.count else { throw malformed() }
            defer { pos = i + 2 }
            return body[pos..<i]
        }
        while true {
            let header = try line()
            let sizeText = header.prefix { $0 != UInt8(ascii: ";") }
            guard !sizeText.isEmpty, sizeText.count <= 16,
                  let size = Int(String(decoding: sizeText, as: UTF8.self), radix: 16) else { throw malformed() }
            if size == 0 { break }
            guard size <= body.count - pos else { throw malformed() }
            out.append(contentsOf: body[pos..<pos + size])
            pos += size
            guard pos + 1 < body.count, body[pos] == 0x0D, body[pos + 1] == 0x0A else { throw malformed() }
            pos += 2
        }
        var trailers: [String: String] = [:]
        while pos < body.count {
            let l = try line()
            if l.isEmpty { break }
            let text = String(decoding: l, as: UTF8.self)
            guard let colon = text.firstIndex(of: ":") else { throw malformed() }
            trailers[text[..<colon].lowercased()] = String(text[text.index(after: colon)...]).trimmingASCIIWhitespace()
        }
        return Decoded(payload: out, trailers: trailers)
    }
}
