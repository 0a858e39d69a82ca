public import TrailwatchCore

/// Why a request's signature was refused; `awsError(for:)` words it per protocol as AWS does.
public enum SigV4Failure: Error, Sendable, Equatable {
    /// No `Authorization` header and no presigned query.
    case missingAuthentication
    /// The header or query is present but incomplete or malformed.
    case incompleteSignature(String)
    /// The access key is not known.
    case unknownAccessKey
    /// The signature does not match; carries what the server computed, to help debugging.
    case signatureMismatch(canonicalRequest: String, stringToSign: String)
    /// The request date is too far from the server's clock.
    case expired(String)
    /// A presigned URL's `X-Amz-Expires` has passed.
    case presignExpired(String)
    /// The credential scope names another service, region or date.
    case wrongScope(String)

    /// The AWS error for this failure on `proto`.
    public func awsError(for proto: WireProtocol) -> AWSError {
        let json = proto == .awsJson1_0 || proto == .awsJson1_1 || proto == .rpcV2Cbor
        switch self {
        case .missingAuthentication:
            return json
                ? AWSError(AWSErrorType("MissingAuthenticationTokenException", queryCode: "MissingAuthenticationToken", status: 403),
                           "Missing Authentication Token")
                : AWSError(AWSErrorType("MissingAuthenticationToken", status: 403),
                           "Request is missing Authentication Token")
        case .incompleteSignature(let message):
            return AWSError(AWSErrorType(json ? "IncompleteSignatureException" : "IncompleteSignature",
                                         queryCode: "IncompleteSignature", status: json ? 400 : 403), message)
        case .unknownAccessKey:
            return json
                ? AWSError(AWSErrorType("UnrecognizedClientException", queryCode: "InvalidClientTokenId", status: 400),
                           "The security token included in the request is invalid.")
                : AWSError(AWSErrorType("InvalidClientTokenId", status: 403),
                           "The security token included in the request is invalid.")
        case .signatureMismatch(let canonical, let sts):
            // AWS appends what it computed, for JSON and Query services alike.
            let message = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\nThe Canonical String for this request should have been\n'\(canonical)'\n\nThe String-to-Sign should have been\n'\(sts)'\n"
            return json
                ? AWSError(AWSErrorType("InvalidSignatureException", queryCode: "SignatureDoesNotMatch", status: 400), message)
                : AWSError(AWSErrorType("SignatureDoesNotMatch", status: 403), message)
        case .expired(let message):
            // AWS answers clock skew as a signature failure ("Signature expired: ...").
            return json
                ? AWSError(AWSErrorType("InvalidSignatureException", queryCode: "SignatureDoesNotMatch", status: 400), message)
                : AWSError(AWSErrorType("SignatureDoesNotMatch", status: 403), message)
        case .presignExpired(let message):
            if proto == .restXml { return AWSError(AWSErrorType("AccessDenied", status: 403), message) }
            return AWSError(AWSErrorType("RequestExpired", status: 400), message)
        case .wrongScope(let message):
            return AWSError(AWSErrorType(json ? "InvalidSignatureException" : "SignatureDoesNotMatch",
                                         queryCode: "SignatureDoesNotMatch", status: json ? 400 : 403), message)
        }
    }
}
