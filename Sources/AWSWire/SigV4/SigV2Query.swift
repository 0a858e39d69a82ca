import Crypto
public import Foundation
import TrailwatchCore

/// S3's query-string authentication of signature version 2: what botocore's
/// `generate_presigned_url` writes for S3 unless told `signature_version='s3v4'`
/// (`?AWSAccessKeyId=...&Signature=...&Expires=...`). S3 still accepts it; only S3 does.
///
/// ```
/// StringToSign = Method \n Content-MD5 \n Content-Type \n Expires \n
///                CanonicalizedAmzHeaders CanonicalizedResource
/// Signature    = Base64(HMAC-SHA1(secret, StringToSign))
/// ```
public struct SigV2Query: Sendable {
    public var accessKeyId: String
    public var signature: String
    /// Epoch seconds after which the URL is refused.
    public var expires: Int64

    /// The query authentication `request` carries, or nil when it has none.
    public init?(_ request: SigV4Request) {
        let q = request.queryParameters
        func value(_ name: String) -> String? { q.first { $0.0 == name }?.1 }
        guard let key = value("AWSAccessKeyId"), let signature = value("Signature"),
              let expiresText = value("Expires"), let expires = Int64(expiresText) else { return nil }
        self.accessKeyId = key
        self.signature = signature
        self.expires = expires
    }

    /// Sub-resources that are part of the signed resource.
    static let subresources: Set<String> = [
        "acl", "cors", "delete", "lifecycle", "location", "logging", "notification", "partNumber", "policy",
        "requestPayment", "tagging", "torrent", "uploadId", "uploads", "versionId", "versioning", "versions", "website",
        "response-cache-control", "response-content-disposition", "response-content-encoding",
        "response-content-language", "response-content-type", "response-expires",
    ]

    static func stringToSign(_ request: SigV4Request, expires: Int64) -> String {
        var amz: [(String, String)] = []
        for (name, value) in request.headers where name.lowercased().hasPrefix("x-amz-") {
            amz.append((name.lowercased(), value.trimmingASCIIWhitespace()))
        }
        let amzLines = amz.sorted { $0.0 < $1.0 }.map { "\($0.0):\($0.1)\n" }.joined()
        var resource = request.rawPath
        let signed = request.queryParameters.filter { subresources.contains($0.0) }.sorted { $0.0 < $1.0 }
        if !signed.isEmpty {
            resource += "?" + signed.map { $0.1.isEmpty ? $0.0 : "\($0.0)=\($0.1)" }.joined(separator: "&")
        }
        return "\(request.method)\n\(request.header("content-md5") ?? "")\n\(request.header("content-type") ?? "")\n\(expires)\n\(amzLines)\(resource)"
    }

    /// Checks expiry and the signature against `secret`.
    public func verify(_ request: SigV4Request, secret: String, now: Date) throws(SigV4Failure) {
        if Double(expires) < now.timeIntervalSince1970 {
            throw .presignExpired("Request has expired")
        }
        let sts = Self.stringToSign(request, expires: expires)
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Array(sts.utf8), using: SymmetricKey(data: Array(secret.utf8)))
        let expected = Base64.encode(Array(mac))
        guard SigV4.constantTimeEqual(expected, signature) else {
            throw .signatureMismatch(canonicalRequest: "", stringToSign: sts)
        }
    }
}
