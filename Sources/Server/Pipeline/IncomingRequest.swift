public import TrailwatchCore

/// An HTTP request as the pipeline sees it: framework-free, body fully read.
public struct IncomingRequest: Sendable {
    public var method: String
    /// The path as sent (percent-encoded), without the query.
    public var rawPath: String
    /// The query string as sent, without `?`.
    public var rawQuery: String
    public var headers: [(String, String)]
    public var body: [UInt8]
    public var sourceIP: String
    /// The connection's TLS version and cipher (the Host header is filled in by the pipeline),
    /// nil over plain HTTP.
    public var tls: TLSDetails?
    /// Set when the body was longer than this limit and was not read (`body` is empty): the
    /// pipeline answers RequestEntityTooLarge in the request's protocol, and records it.
    public var bodyOverLimit: Int?

    public init(method: String, rawPath: String, rawQuery: String = "", headers: [(String, String)], body: [UInt8],
                sourceIP: String = "127.0.0.1", tls: TLSDetails? = nil, bodyOverLimit: Int? = nil) {
        self.tls = tls
        self.bodyOverLimit = bodyOverLimit
        self.method = method
        self.rawPath = rawPath
        self.rawQuery = rawQuery
        self.headers = headers
        self.body = body
        self.sourceIP = sourceIP
    }

    /// The first value of header `name`, case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.0.caseInsensitiveEquals(name) }?.1
    }
}

extension String {
    func caseInsensitiveEquals(_ other: String) -> Bool {
        utf8.count == other.utf8.count && lowercased() == other.lowercased()
    }
}
