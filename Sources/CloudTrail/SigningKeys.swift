import CryptoExtras
import Crypto
import Foundation
import Storage
import TrailwatchCore

/// The RSA key pair digests are signed with (SHA256withRSA, PKCS#1 v1.5), kept by the server
/// in its resource store so that a restart keeps validating old digests; ListPublicKeys
/// publishes the public half (PKCS#1 DER, as the AWS CLI loads it).
actor SigningKeys {
    static let kind = "cloudtrail:signingKey"
    let resources: any ResourceStore
    let clock: any WallClock
    private var loaded: [Key]?

    struct Key: Sendable {
        let privateKey: _RSA.Signing.PrivateKey
        let createdAt: Date

        var publicDER: Data { privateKey.publicKey.pkcs1DERRepresentation }
        /// The MD5 of the public key's DER, hex: the digest's `digestPublicKeyFingerprint`.
        var fingerprint: String { Insecure.MD5.hash(data: publicDER).map { String(format: "%02x", $0) }.joined() }
    }

    init(resources: any ResourceStore, clock: any WallClock) {
        self.resources = resources
        self.clock = clock
    }

    /// Every key the server has used, oldest first; one is made on first use.
    func all() async throws -> [Key] {
        if let loaded { return loaded }
        let global = ResourceScope(accountId: "", region: "")
        var keys = try await resources.list(kind: Self.kind, scope: global, prefix: nil, after: nil, limit: 100).compactMap { r -> Key? in
            guard let k = try? _RSA.Signing.PrivateKey(pemRepresentation: String(decoding: r.body, as: UTF8.self)) else { return nil }
            return Key(privateKey: k, createdAt: r.createdAt)
        }
        if keys.isEmpty {
            let k = try _RSA.Signing.PrivateKey(keySize: .bits2048)
            let now = clock.now()
            let name = String(Int64(now.timeIntervalSince1970 * 1000))
            try await resources.put(ResourceRecord(kind: Self.kind, scope: global, name: name, body: Array(k.pemRepresentation.utf8),
                                                   createdAt: now, updatedAt: now), ifAbsent: true)
            keys = [Key(privateKey: k, createdAt: now)]
        }
        loaded = keys
        return keys
    }

    func current() async throws -> Key {
        try await all().last!
    }

    /// Hex signature of `text` with the current key.
    func sign(_ text: String, with key: Key) throws -> String {
        let sig = try key.privateKey.signature(for: SHA256.hash(data: Array(text.utf8)), padding: .insecurePKCS1v1_5)
        return sig.rawRepresentation.map { String(format: "%02x", $0) }.joined()
    }
}
