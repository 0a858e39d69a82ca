public import TrailwatchCore

/// One operation of a service model.
public struct OperationModel: Sendable {
    public let name: String
    /// HTTP method and request URI template (REST protocols; `POST /` otherwise).
    public let method: String
    public let requestURI: String
    /// Input and output shape indexes, or -1 when the operation has none.
    public let input: Int
    public let output: Int
    /// Query protocol: the element wrapping the output (`GetDashboardResult`).
    public let resultWrapper: String?
    /// Modeled error shapes.
    public let errors: [Int]
    /// False for the few operations clients call unsigned (`authtype: none`).
    public let requiresAuth: Bool
    /// True when the HTTP status of a successful REST answer is set by the model.
    public let successCode: Int

    public init(
        _ name: String, method: String = "POST", requestURI: String = "/", input: Int = -1, output: Int = -1,
        resultWrapper: String? = nil, errors: [Int] = [], requiresAuth: Bool = true, successCode: Int = 200
    ) {
        self.name = name
        self.method = method
        self.requestURI = requestURI
        self.input = input
        self.output = output
        self.resultWrapper = resultWrapper
        self.errors = errors
        self.requiresAuth = requiresAuth
        self.successCode = successCode
    }
}

/// A service model: the metadata, shapes and operations codecs need.
///
/// `operations` holds every operation the service has in AWS; `shapes` holds the shapes of
/// the operations Trailwatch generates code for (all of them for CloudWatch, Logs, CloudTrail
/// and STS; a subset for IAM, SNS and S3). An operation outside the subset has input -1 and
/// `modeled == false`.
public final class ServiceModel: Sendable {
    public let service: AWSService
    public let apiVersion: String
    public let targetPrefix: String?
    public let jsonVersion: String?
    public let xmlNamespace: String?
    /// The model's `awsQueryCompatible` trait: JSON/CBOR errors carry `x-amzn-query-error`.
    public let queryCompatible: Bool
    public let shapes: [Shape]
    public let operations: [String: OperationModel]
    /// Names of operations whose shapes were generated.
    public let modeledOperations: Set<String>

    public init(
        service: AWSService, apiVersion: String, targetPrefix: String?, jsonVersion: String?,
        xmlNamespace: String?, queryCompatible: Bool, shapes: [Shape], operations: [OperationModel],
        modeledOperations: Set<String>
    ) {
        self.service = service
        self.apiVersion = apiVersion
        self.targetPrefix = targetPrefix
        self.jsonVersion = jsonVersion
        self.xmlNamespace = xmlNamespace
        self.queryCompatible = queryCompatible
        self.shapes = shapes
        var ops: [String: OperationModel] = [:]
        for op in operations { ops[op.name] = op }
        self.operations = ops
        self.modeledOperations = modeledOperations
    }

    /// The shape at `index`.
    @inlinable public subscript(index: Int) -> Shape { shapes[index] }

    /// The shape called `name`, searched linearly (tests and error mapping only).
    public func shape(named name: String) -> Int? {
        shapes.firstIndex { $0.name == name }
    }
}
