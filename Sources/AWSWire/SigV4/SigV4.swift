public import Foundation
import Crypto
import Synchronization
import TrailwatchCore

/// AWS Signature Version 4, as the server checks it.
///
/// ```
/// request ──► claim (Authorization header | presigned query)
///         ──► canonical request ──► string to sign ──► HMAC with the derived key
///         ──► constant-time compare with the claimed signature
/// ```
/// Canonicalisation follows the AWS specification and botocore: non-S3 services normalise
/// the path and URI-encode it a second time; S3 signs the path as sent. Query parameters are
/// sorted by encoded name then value; header values are trimmed and inner spaces collapsed.
public enum SigV4 {
    public static let algorithm = "AWS4-HMAC-SHA256"
    /// How far a request's date may be from the server's clock.
    public static let maxClockSkew: TimeInterval = 15 * 60
    /// The longest a presigned URL may stay valid (7 days).
    public static let maxPresignExpiry = 604_800

    // MARK: Reading the claim

    /// Reads the signature claim of `request`; nil when the request carries none.
    public static func claim(of request: SigV4Request) throws(SigV4Failure) -> SigV4Claim? {
        if let auth = request.header("authorization") {
            return try parseAuthorizationHeader(auth, request: request)
        }
        let query = request.queryParameters
        func q(_ name: String) -> String? { query.first { $0.0 == name }?.1 }
        guard let algorithm = q("X-Amz-Algorithm") else {
            if q("X-Amz-Signature") != nil || q("X-Amz-Credential") != nil {
                throw .incompleteSignature("AWS query-string parameters must include 'X-Amz-Algorithm'. Re-examine the query-string parameters.")
            }
            return nil
        }
        guard algorithm == SigV4.algorithm else {
            throw .incompleteSignature("X-Amz-Algorithm only supports 'AWS4-HMAC-SHA256'")
        }
        var missing: [String] = []
        for name in ["X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date"] where q(name) == nil {
            missing.append("'\(name)'")
        }
        if !missing.isEmpty {
            throw .incompleteSignature("AWS query-string parameters must include \(missing.joined(separator: ", ")). Re-examine the query-string parameters.")
        }
        guard let scope = CredentialScope(q("X-Amz-Credential")!) else {
            throw .incompleteSignature("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '\(q("X-Amz-Credential")!)'")
        }
        var expires: Int? = nil
        if let e = q("X-Amz-Expires") {
            guard let v = Int(e), v >= 1 else {
                throw .incompleteSignature("X-Amz-Expires must be a positive number of seconds, got '\(e)'")
            }
            guard v <= maxPresignExpiry else {
                throw .incompleteSignature("X-Amz-Expires must be less than a week (in seconds) that is 604800")
            }
            expires = v
        }
        return SigV4Claim(
            credential: scope,
            signedHeaders: q("X-Amz-SignedHeaders")!.split(separator: ";").map { $0.lowercased() },
            signature: q("X-Amz-Signature")!,
            amzDate: q("X-Amz-Date")!,
            expires: expires,
            presigned: true,
            securityToken: q("X-Amz-Security-Token"))
    }

    private static func parseAuthorizationHeader(_ header: String, request: SigV4Request) throws(SigV4Failure) -> SigV4Claim {
        let trimmed = header.trimmingASCIIWhitespace()
        guard trimmed.hasPrefix(algorithm + " ") else {
            if trimmed.hasPrefix("AWS ") || trimmed.hasPrefix("AWS3") {
                throw .incompleteSignature("Only AWS4-HMAC-SHA256 (Signature Version 4) is supported. Sign the request with SigV4.")
            }
            throw .incompleteSignature("Unsupported AWS 'algorithm': '\(trimmed.prefix { $0 != " " })'")
        }
        // `Credential=..., SignedHeaders=..., Signature=...`, scanned on UTF-8 (this runs on
        // every request; String splitting showed up in profiles).
        var credential: String?, signedHeaders: String?, signature: String?
        let bytes = Array(trimmed.utf8)
        var i = algorithm.utf8.count + 1
        while i < bytes.count {
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == UInt8(ascii: ",") { i += 1 }
            let keyStart = i
            while i < bytes.count, bytes[i] != UInt8(ascii: "=") && bytes[i] != UInt8(ascii: ",") { i += 1 }
            guard i < bytes.count, bytes[i] == UInt8(ascii: "=") else {
                if keyStart < i {
                    let token = String(decoding: bytes[keyStart..<i], as: UTF8.self).trimmingASCIIWhitespace()
                    throw .incompleteSignature("'\(token)' not a valid key=value pair (missing equal-sign) in Authorization header: '\(header)'")
                }
                break
            }
            let key = String(decoding: bytes[keyStart..<i], as: UTF8.self).trimmingASCIIWhitespace()
            i += 1
            let valueStart = i
            while i < bytes.count, bytes[i] != UInt8(ascii: ",") { i += 1 }
            let value = String(decoding: bytes[valueStart..<i], as: UTF8.self).trimmingASCIIWhitespace()
            switch key {
            case "Credential": credential = value
            case "SignedHeaders": signedHeaders = value
            case "Signature": signature = value
            default: break
            }
        }
        var problems: [String] = []
        if credential == nil { problems.append("Authorization header requires 'Credential' parameter.") }
        if signature == nil { problems.append("Authorization header requires 'Signature' parameter.") }
        if signedHeaders == nil { problems.append("Authorization header requires 'SignedHeaders' parameter.") }
        let date = request.header("x-amz-date") ?? request.header("date")
        if date == nil {
            problems.append("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
        }
        if !problems.isEmpty {
            throw .incompleteSignature(problems.joined(separator: " ") + " Authorization=\(header)")
        }
        guard let scope = CredentialScope(credential!) else {
            throw .incompleteSignature("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '\(credential!)'")
        }
        return SigV4Claim(
            credential: scope,
            signedHeaders: signedHeaders!.split(separator: ";").map { $0.lowercased() },
            signature: signature!,
            amzDate: date!,
            expires: nil,
            presigned: false,
            securityToken: request.header("x-amz-security-token"))
    }

    // MARK: Checking the claim

    /// Parses the claim's date (`20150830T123600Z`, or an RFC 822 `Date` header).
    public static func requestDate(_ claim: SigV4Claim) -> Date? {
        Timestamps.parseAmzDate(claim.amzDate) ?? parseHTTPDate(claim.amzDate)
    }

    /// Checks the claim's date and scope against the server's clock; `service` is the signing
    /// name of the service the request reaches.
    public static func checkFreshness(_ claim: SigV4Claim, service: String, now: Date) throws(SigV4Failure) {
        guard let date = requestDate(claim) else {
            throw .incompleteSignature("Date must be in ISO-8601 'basic format'. Got '\(claim.amzDate)'. See http://en.wikipedia.org/wiki/ISO_8601")
        }
        let amz = Timestamps.amzDate(date)
        if claim.credential.date != String(amz.prefix(8)) {
            throw .wrongScope("Credential should be scoped to a valid region, not '\(claim.credential.region)'. Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '\(claim.credential.date)' != '\(amz.prefix(8))', from '\(claim.amzDate)'.")
        }
        if claim.credential.service != service {
            throw .wrongScope("Credential should be scoped to correct service: '\(service)'. ")
        }
        if claim.credential.region.isEmpty {
            throw .wrongScope("Credential should be scoped to a valid region. ")
        }
        if let expires = claim.expires {
            if now.timeIntervalSince(date) > Double(expires) {
                throw .presignExpired("Request has expired")
            }
            if date.timeIntervalSince(now) > maxClockSkew {
                throw .expired("Request is not yet valid: the X-Amz-Date \(amz) is more than 15 minutes after the server time \(Timestamps.amzDate(now)).")
            }
            return
        }
        if now.timeIntervalSince(date) > maxClockSkew {
            throw .expired("Signature expired: \(amz) is now earlier than \(Timestamps.amzDate(now.addingTimeInterval(-maxClockSkew))) (\(Timestamps.amzDate(now)) - 15 min.)")
        }
        if date.timeIntervalSince(now) > maxClockSkew {
            throw .expired("Signature not yet current: \(amz) is still later than \(Timestamps.amzDate(now.addingTimeInterval(maxClockSkew))) (\(Timestamps.amzDate(now)) + 15 min.)")
        }
    }

    /// Verifies the claim's signature with `secret`. `payloadHash` is the hex SHA-256 of the
    /// body as received (ignored when the request carries `x-amz-content-sha256`).
    public static func verify(_ claim: SigV4Claim, request: SigV4Request, secret: String, payloadHash: @autoclosure () -> String) throws(SigV4Failure) {
        guard claim.signedHeaders.contains("host") else {
            throw .incompleteSignature("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
        }
        let isS3 = claim.credential.service == "s3"
        let hash: String
        if let declared = request.header("x-amz-content-sha256") {
            hash = declared
        } else if claim.presigned && isS3 {
            hash = "UNSIGNED-PAYLOAD"
        } else {
            hash = payloadHash()
        }
        let canonical = canonicalRequest(request, signedHeaders: claim.signedHeaders, payloadHash: hash,
                                         normalizePath: !isS3, excludeSignature: claim.presigned)
        let sts = stringToSign(amzDate: claim.amzDate, scope: claim.credential.scope, canonicalRequest: canonical)
        let expected = signature(secret: secret, scope: claim.credential, stringToSign: sts)
        guard constantTimeEqual(expected, claim.signature.lowercased()) else {
            throw .signatureMismatch(canonicalRequest: canonical, stringToSign: sts)
        }
    }

    // MARK: The algorithm

    /// The canonical request (task 1 of the SigV4 specification).
    public static func canonicalRequest(_ request: SigV4Request, signedHeaders: [String], payloadHash: String,
                                        normalizePath: Bool, excludeSignature: Bool = false) -> String {
        let path: String
        if normalizePath {
            path = PercentEncoding.encode(normalize(request.rawPath), keepSlash: true)
        } else {
            path = PercentEncoding.encode(PercentEncoding.decode(Substring(request.rawPath.isEmpty ? "/" : request.rawPath), plusIsSpace: false), keepSlash: true)
        }
        var params = request.queryParameters
        if excludeSignature { params.removeAll { $0.0 == "X-Amz-Signature" } }
        var encoded: [(String, String)] = params.map { (PercentEncoding.encode($0.0), PercentEncoding.encode($0.1)) }
        encoded.sort { (a: (String, String), b: (String, String)) -> Bool in a.0 == b.0 ? a.1 < b.1 : a.0 < b.0 }
        let query = encoded.map { (k: String, v: String) -> String in k + "=" + v }.joined(separator: "&")
        var values: [String: [String]] = [:]
        for (name, value) in request.headers {
            values[name.lowercased(), default: []].append(canonicalHeaderValue(value))
        }
        let sortedSigned = signedHeaders.sorted()
        var headerLines = ""
        for name in sortedSigned {
            headerLines += name + ":" + (values[name]?.joined(separator: ",") ?? "") + "\n"
        }
        return [request.method, path, query, headerLines, sortedSigned.joined(separator: ";"), payloadHash]
            .joined(separator: "\n")
    }

    /// The string to sign (task 2).
    public static func stringToSign(amzDate: String, scope: String, canonicalRequest: String) -> String {
        let date = Timestamps.parseAmzDate(amzDate).map(Timestamps.amzDate) ?? parseHTTPDate(amzDate).map(Timestamps.amzDate) ?? amzDate
        return "\(algorithm)\n\(date)\n\(scope)\n\(hexSHA256(Array(canonicalRequest.utf8)))"
    }

    /// The hex signature of `stringToSign` (tasks 3 and 4).
    public static func signature(secret: String, scope: CredentialScope, stringToSign: String) -> String {
        let key = signingKey(secret: secret, date: scope.date, region: scope.region, service: scope.service)
        let mac = HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key)
        return hex(Array(mac))
    }

    /// The derived signing key; the last few are cached (one key serves a credential for a
    /// whole day, and deriving it costs four HMACs).
    static func signingKey(secret: String, date: String, region: String, service: String) -> SymmetricKey {
        let cacheKey = "\(secret)\u{0}\(date)\u{0}\(region)\u{0}\(service)"
        if let cached = signingKeys.withLock({ $0[cacheKey] }) { return cached.key }
        func h(_ key: SymmetricKey, _ data: String) -> SymmetricKey {
            SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(data.utf8), using: key)))
        }
        let kSecret = SymmetricKey(data: Array(("AWS4" + secret).utf8))
        let key = h(h(h(h(kSecret, date), region), service), "aws4_request")
        signingKeys.withLock { cache in
            if cache.count >= 256 { cache.removeAll() }
            cache[cacheKey] = CachedKey(key: key)
        }
        return key
    }

    private struct CachedKey: @unchecked Sendable { let key: SymmetricKey }
    private static let signingKeys = Mutex<[String: CachedKey]>([:])

    /// Lower-case hex SHA-256 of `bytes`.
    public static func hexSHA256(_ bytes: some Collection<UInt8>) -> String {
        var hasher = SHA256()
        if let contiguous = bytes.withContiguousStorageIfAvailable({ hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }) {
            _ = contiguous
        } else {
            hasher.update(data: Array(bytes))
        }
        return hex(Array(hasher.finalize()))
    }

    /// Lower-case hex.
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Compares without leaking where strings differ.
    public static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<x.count { diff |= x[i] ^ y[i] }
        return diff == 0
    }

    /// Removes `.` and `..` segments and repeated slashes, keeping a trailing slash (the
    /// path normalisation of the SigV4 test suite). Operates on the path as sent, which the
    /// canonical form then encodes again, as botocore does for every service but S3.
    static func normalize(_ path: String) -> String {
        if path.isEmpty { return "/" }
        var segments: [Substring] = []
        for seg in path.split(separator: "/", omittingEmptySubsequences: true) {
            if seg == "." { continue }
            if seg == ".." { if !segments.isEmpty { segments.removeLast() }; continue }
            segments.append(seg)
        }
        var out = "/" + segments.joined(separator: "/")
        if path.hasSuffix("/") && out != "/" { out += "/" }
        return out
    }

    /// Trims and collapses runs of spaces (SigV4 canonical header values).
    static func canonicalHeaderValue(_ value: String) -> String {
        var out = [UInt8]()
        out.reserveCapacity(value.utf8.count)
        var lastSpace = false
        for c in value.trimmingASCIIWhitespace().utf8 {
            if c == 0x20 || c == 0x09 {
                if !lastSpace { out.append(0x20) }
                lastSpace = true
            } else {
                out.append(c)
                lastSpace = false
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses an RFC 822 HTTP date (`Sun, 30 Aug 2015 12:36:00 GMT`).
    static func parseHTTPDate(_ s: String) -> Date? {
        let parts = s.split(separator: " ")
        guard parts.count == 6, parts[5] == "GMT",
              let day = Int(parts[1]), let year = Int(parts[3]) else { return nil }
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard let mi = months.firstIndex(of: String(parts[2])) else { return nil }
        let t = parts[4].split(separator: ":")
        guard t.count == 3, let h = Int(t[0]), let m = Int(t[1]), let sec = Int(t[2]) else { return nil }
        // Checked before any arithmetic: a year of 999999999999999999 overflowed (pre-auth).
        return Timestamps.date(year: year, month: mi + 1, day: day, hour: h, minute: m, second: sec)
    }
}
