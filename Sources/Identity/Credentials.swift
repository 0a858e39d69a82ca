public import TrailwatchCore

/// A secret access key and the identity it signs for.
public struct Credential: Sendable, Equatable {
    public var accessKeyId: String
    public var secretAccessKey: String
    public var identity: CallerIdentity

    public init(accessKeyId: String, secretAccessKey: String, identity: CallerIdentity) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.identity = identity
    }

    /// Root credentials of `accountId`.
    public static func root(accessKeyId: String, secretAccessKey: String, accountId: String) -> Credential {
        Credential(accessKeyId: accessKeyId, secretAccessKey: secretAccessKey,
                   identity: .root(accountId: accountId, accessKeyId: accessKeyId))
    }
}

/// Finds the credential an access key id names.
///
/// Contract: thread-safe; returns nil for unknown keys (the server then answers
/// `InvalidClientTokenId` / `UnrecognizedClientException`).
public protocol CredentialResolver: Sendable {
    func credential(for accessKeyId: String) async throws -> Credential?
}

/// The root credentials given in configuration.
public struct ConfiguredCredentials: CredentialResolver {
    private let byKey: [String: Credential]

    public init(_ credentials: [Credential]) {
        var map: [String: Credential] = [:]
        for c in credentials { map[c.accessKeyId] = c }
        byKey = map
    }

    public func credential(for accessKeyId: String) async throws -> Credential? { byKey[accessKeyId] }
}
