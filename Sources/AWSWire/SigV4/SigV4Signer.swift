public import Foundation

/// Signs requests as an AWS SDK does (header-based SigV4), for the benchmark load generator,
/// tests and the server's own outgoing calls.
public struct SigV4Signer: Sendable {
    public let accessKeyId: String
    public let secretAccessKey: String
    public let region: String
    public let service: String

    public init(accessKeyId: String, secretAccessKey: String, region: String, service: String) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.region = region
        self.service = service
    }

    /// Returns `request` with `X-Amz-Date`, (for S3) `x-amz-content-sha256` and
    /// `Authorization` added. `request.headers` must already hold `host`.
    public func sign(_ request: SigV4Request, body: some Collection<UInt8>, date: Date) -> SigV4Request {
        var r = request
        let amzDate = Timestamps.amzDate(date)
        let payloadHash = SigV4.hexSHA256(body)
        r.headers.removeAll { $0.0.lowercased() == "authorization" || $0.0.lowercased() == "x-amz-date" }
        r.headers.append(("X-Amz-Date", amzDate))
        if service == "s3" { r.headers.append(("x-amz-content-sha256", payloadHash)) }
        let signed = Array(Set(r.headers.map { $0.0.lowercased() })).filter { $0 != "user-agent" && $0 != "content-length" }.sorted()
        let scope = CredentialScope(accessKeyId: accessKeyId, date: String(amzDate.prefix(8)), region: region, service: service)
        let canonical = SigV4.canonicalRequest(r, signedHeaders: signed, payloadHash: payloadHash, normalizePath: service != "s3")
        let sts = SigV4.stringToSign(amzDate: amzDate, scope: scope.scope, canonicalRequest: canonical)
        let signature = SigV4.signature(secret: secretAccessKey, scope: scope, stringToSign: sts)
        r.headers.append(("Authorization", "\(SigV4.algorithm) Credential=\(accessKeyId)/\(scope.scope), SignedHeaders=\(signed.joined(separator: ";")), Signature=\(signature)"))
        return r
    }
}
