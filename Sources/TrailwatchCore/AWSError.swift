/// Who caused a failure, as AWS tells clients (`<Type>Sender</Type>` in Query errors).
public enum AWSFault: String, Sendable {
    case sender = "Sender"
    case receiver = "Receiver"
}

/// One kind of AWS error: the code clients match on, its HTTP status and fault.
///
/// `code` is the shape name JSON and CBOR clients see in `__type`; `queryCode` is the code
/// Query clients (and query-compatible JSON clients, through `x-amzn-query-error`) see. They
/// differ for CloudWatch, whose `ResourceNotFoundException` shape has the Query code
/// `ResourceNotFound`.
public struct AWSErrorType: Sendable, Hashable {
    public let code: String
    public let queryCode: String
    public let status: Int
    public let fault: AWSFault

    /// Creates an error type; `queryCode` defaults to `code`.
    public init(_ code: String, queryCode: String? = nil, status: Int = 400, fault: AWSFault = .sender) {
        self.code = code
        self.queryCode = queryCode ?? code
        self.status = status
        self.fault = fault
    }
}

/// An error answered to a client in the shape its protocol expects.
///
/// Every module throws these (named after the AWS error code they become); only the server
/// turns them into responses. `fields` carries the error shape's extra members (for example
/// CloudWatch's `dashboardValidationMessages`), keyed by model member name.
public struct AWSError: Error, Sendable, CustomStringConvertible {
    public var type: AWSErrorType
    public var message: String
    public var fields: [String: WireValue]
    /// Extra HTTP headers the answer carries (for example S3's `x-amz-bucket-region`).
    public var headers: [String: String]
    /// The account owning a resource the refused call named, when that is not the caller's:
    /// CloudTrail records the attempt in the owner's event history too, as AWS does.
    public var resourceOwner: String?

    /// Creates an error of `type` with a human-readable message.
    public init(_ type: AWSErrorType, _ message: String, fields: [String: WireValue] = [:], headers: [String: String] = [:]) {
        self.type = type
        self.message = message
        self.fields = fields
        self.headers = headers
    }

    /// AWS's refusal of a call on another account's resource that no resource policy allows
    /// (`User: <arn> is not authorized to perform: <action> on resource: <arn> ...`).
    public static func crossAccountDenied(_ type: AWSErrorType, caller: CallerIdentity, action: String,
                                          resource: String, owner: String) -> AWSError {
        var error = AWSError(type, "User: \(caller.arn) is not authorized to perform: \(action) on resource: \(resource) because no resource-based policy allows the \(action) action")
        error.resourceOwner = owner
        return error
    }

    public var description: String { "\(type.code): \(message)" }
}

/// Errors every AWS service shares (the "Common Errors" of the API references).
public enum CommonErrors {
    /// A failure the server did not anticipate; the message carries the request id.
    public static let internalFailure = AWSErrorType("InternalFailure", status: 500, fault: .receiver)
    /// The JSON or CBOR body could not be read as the operation's input.
    public static let serializationException = AWSErrorType("SerializationException")
    /// The JSON/CBOR target names no operation of the service.
    public static let unknownOperation = AWSErrorType("UnknownOperationException")
    /// The Query `Action` names no operation of the service.
    public static let invalidAction = AWSErrorType("InvalidAction")
    /// A Query request without `Action`.
    public static let missingAction = AWSErrorType("MissingAction")
    /// A Query parameter that is not valid (used for malformed numbers and booleans).
    public static let invalidParameterValue = AWSErrorType("InvalidParameterValue")
    /// Query-protocol constraint failures ("1 validation error detected: ...").
    public static let validationError = AWSErrorType("ValidationError")
    /// JSON-protocol constraint failures ("1 validation error detected: ...").
    public static let validationException = AWSErrorType("ValidationException")
    /// Operation exists in AWS but Trailwatch has not built it yet.
    public static let notImplemented = AWSErrorType("NotImplemented", status: 501, fault: .receiver)
    /// A Query body AWS cannot read as a form (a parameter name nested past any shape).
    public static let malformedQueryString = AWSErrorType("MalformedQueryString")
    /// Request body larger than the service accepts.
    public static let requestEntityTooLarge = AWSErrorType("RequestEntityTooLarge", status: 413)
    /// The request could not be routed to any service.
    public static let unknownService = AWSErrorType("UnknownService", status: 400)
    /// The caller may not perform the action.
    public static let accessDenied = AWSErrorType("AccessDenied", queryCode: "AccessDenied", status: 403)
}
