/// The parts of an HTTP request SigV4 signs, as the server received them.
public struct SigV4Request: Sendable {
    /// Upper-case method.
    public var method: String
    /// The path exactly as sent (still percent-encoded), without the query string.
    public var rawPath: String
    /// The query string exactly as sent, without `?`.
    public var rawQuery: String
    /// Header names (any case) and values, in arrival order; repeated names allowed.
    public var headers: [(String, String)]

    public init(method: String, rawPath: String, rawQuery: String, headers: [(String, String)]) {
        self.method = method
        self.rawPath = rawPath
        self.rawQuery = rawQuery
        self.headers = headers
    }

    /// The first value of header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.0.lowercased() == lower }?.1
    }

    /// Query parameters, percent-decoded (`+` is kept as `+`).
    public var queryParameters: [(String, String)] {
        PercentEncoding.parseForm(Substring(rawQuery), plusIsSpace: false)
    }
}

/// The credential a request claims: `AKID/20150830/us-east-1/service/aws4_request`.
public struct CredentialScope: Sendable, Equatable {
    public var accessKeyId: String
    public var date: String
    public var region: String
    public var service: String

    /// The scope string that goes into the string to sign.
    public var scope: String { "\(date)/\(region)/\(service)/aws4_request" }

    /// Parses `AKID/date/region/service/aws4_request`.
    public init?(_ credential: String) {
        let parts = credential.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 5, parts[4] == "aws4_request", !parts[0].isEmpty else { return nil }
        accessKeyId = parts[0]
        date = parts[1]
        region = parts[2]
        service = parts[3]
    }

    public init(accessKeyId: String, date: String, region: String, service: String) {
        self.accessKeyId = accessKeyId
        self.date = date
        self.region = region
        self.service = service
    }
}

/// What a request says about its signature, from the `Authorization` header or a presigned
/// query string.
public struct SigV4Claim: Sendable {
    public var credential: CredentialScope
    public var signedHeaders: [String]
    public var signature: String
    /// `X-Amz-Date` (or `Date`) as sent.
    public var amzDate: String
    /// Presigned URLs: seconds the signature stays valid.
    public var expires: Int?
    /// True when the claim came from the query string.
    public var presigned: Bool
    /// `X-Amz-Security-Token`, for temporary credentials.
    public var securityToken: String?
}
