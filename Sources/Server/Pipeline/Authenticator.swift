import AWSWire
import Foundation
public import Identity
public import TrailwatchCore

/// How strictly the server checks signatures.
public enum AuthMode: String, Sendable, CaseIterable {
    /// Verify SigV4 against known credentials.
    case strict
    /// Accept any key without verifying; a 12-digit access key id selects that account.
    case open
}

/// Turns a request's SigV4 claim into the caller's identity, or refuses it.
public struct Authenticator: Sendable {
    public let mode: AuthMode
    let resolver: any CredentialResolver
    let defaultAccountId: String
    let clock: any WallClock

    public init(mode: AuthMode, resolver: any CredentialResolver, defaultAccountId: String, clock: any WallClock) {
        self.mode = mode
        self.resolver = resolver
        self.defaultAccountId = defaultAccountId
        self.clock = clock
    }

    /// The outcome of authentication.
    struct Authenticated {
        var identity: CallerIdentity
        var region: String
    }

    /// Checks `request` for `service`; `claim` is what `SigV4.claim(of:)` read from it and
    /// `rawBody` the body as received (before gzip). `requiresAuth` is false for the few
    /// operations AWS accepts unsigned.
    func authenticate(_ request: SigV4Request, claim claimResult: Result<SigV4Claim?, SigV4Failure>, service: AWSService,
                      rawBody: [UInt8], requiresAuth: Bool) async throws -> Authenticated {
        let claim: SigV4Claim?
        switch claimResult {
        case .success(let c): claim = c
        case .failure(let error):
            if mode == .open { return anonymous() }
            throw error
        }
        guard let claim else {
            if service == .s3, let v2 = SigV2Query(request) { return try await authenticate(v2, request) }
            if mode == .open || !requiresAuth { return anonymous() }
            throw SigV4Failure.missingAuthentication
        }
        let region = claim.credential.region.isEmpty ? "us-east-1" : claim.credential.region
        switch mode {
        case .open:
            let key = claim.credential.accessKeyId
            let account = key.count == 12 && key.allSatisfy(\.isNumber) ? key : defaultAccountId
            return Authenticated(identity: .root(accountId: account, accessKeyId: key, region: region), region: region)
        case .strict:
            try SigV4.checkFreshness(claim, service: service.signingName, now: clock.now())
            guard let credential = try await resolver.credential(for: claim.credential.accessKeyId) else {
                throw SigV4Failure.unknownAccessKey
            }
            try SigV4.verify(claim, request: request, secret: credential.secretAccessKey,
                             payloadHash: SigV4.hexSHA256(rawBody))
            var identity = credential.identity
            if identity.kind == .root {
                // The root ARN's partition follows the region signed for (arn:aws-cn:iam::...).
                identity = .root(accountId: identity.accountId, accessKeyId: identity.accessKeyId, region: region)
            }
            return Authenticated(identity: identity, region: region)
        }
    }

    /// An S3 URL presigned with signature version 2 (botocore's default for S3 presigning).
    private func authenticate(_ v2: SigV2Query, _ request: SigV4Request) async throws -> Authenticated {
        switch mode {
        case .open:
            let key = v2.accessKeyId
            let account = key.count == 12 && key.allSatisfy(\.isNumber) ? key : defaultAccountId
            return Authenticated(identity: .root(accountId: account, accessKeyId: key), region: "us-east-1")
        case .strict:
            guard let credential = try await resolver.credential(for: v2.accessKeyId) else {
                throw SigV4Failure.unknownAccessKey
            }
            try v2.verify(request, secret: credential.secretAccessKey, now: clock.now())
            return Authenticated(identity: credential.identity, region: "us-east-1")
        }
    }

    private func anonymous() -> Authenticated {
        Authenticated(identity: .root(accountId: defaultAccountId, accessKeyId: ""), region: "us-east-1")
    }
}
