public import AWSWire
public import TrailwatchCore

/// A handler on the generic path: a decoded, validated input in, an output tree out.
public typealias OperationHandler = @Sendable (WireValue, CallContext) async throws -> WireValue

/// A handler that reads the raw body of one protocol itself (hot operations); it answers nil
/// to hand the request to the generic path.
public typealias FastHandler = @Sendable ([UInt8], CallContext) async throws -> FastAnswer?

/// What a fast path answers: the output, and the request's parameters as CloudTrail records
/// them (the fast path builds no typed input for the recorder to read).
public struct FastAnswer: Sendable {
    public var output: WireValue
    public var recorded: WireValue
}

/// A handler for a REST service that routes by method and path itself (the S3 subset).
public typealias RestHandler = @Sendable (_ method: String, _ rawPath: String, _ rawQuery: String,
                                          _ headers: [(String, String)], _ body: [UInt8], CallContext) async throws -> WireResponse

/// A handler of a streaming operation: a decoded input in, event-stream messages out.
public typealias StreamHandler = @Sendable (WireValue, CallContext) async throws -> AsyncStream<[UInt8]>

/// A check of a decoded input that runs before the model's constraints, for the few
/// operations whose AWS error for a constraint differs from the model's wording.
public typealias InputCheck = @Sendable (WireValue) throws -> Void

/// What answers a path outside the AWS protocols.
public enum PathRoute: Sendable, Equatable {
    /// `/_trailwatch/…` and moto's `/moto-api/…` (OperatorRoutes.swift).
    case operatorEndpoints
    /// The web console ([10]); until it is built its paths answer 404.
    case console
}

/// Which function answers each (service, operation).
///
/// Every operation of every served service has an entry in its service model; an operation
/// without a handler answers `NotImplemented` naming it, so the table shows what is left.
public struct RouteTable: Sendable {
    struct Key: Hashable {
        let service: AWSService
        let operation: String
    }

    private(set) var handlers: [Key: OperationHandler] = [:]
    private(set) var fastHandlers: [FastKey: FastHandler] = [:]
    private(set) var restHandlers: [AWSService: RestHandler] = [:]
    private(set) var streamHandlers: [Key: StreamHandler] = [:]
    private(set) var inputChecks: [Key: InputCheck] = [:]
    /// Paths that are not AWS operations, by prefix: the operator endpoints, the console.
    private(set) var pathRoutes: [(prefix: String, route: PathRoute)] = []

    struct FastKey: Hashable {
        let key: Key
        let proto: WireProtocol
    }

    public init() {}

    /// Serves every path starting with `prefix` (and `prefix` without its trailing slash)
    /// outside the AWS protocols.
    public mutating func path(_ prefix: String, _ route: PathRoute) {
        precondition(!pathRoutes.contains { $0.prefix == prefix }, "\(prefix) is routed twice")
        pathRoutes.append((prefix, route))
    }

    /// The non-AWS route of a path, if any.
    public func pathRoute(_ path: String) -> PathRoute? {
        pathRoutes.first { path.hasPrefix($0.prefix) || path + "/" == $0.prefix }?.route
    }

    /// Binds a typed operation to the service function that answers it.
    public mutating func on<Input: WireStructure, Output: WireStructure>(
        _ op: OperationDescriptor<Input, Output>,
        _ handler: @escaping @Sendable (Input, CallContext) async throws -> Output
    ) {
        let key = Key(service: op.model.service, operation: op.name)
        precondition(handlers[key] == nil, "\(op.model.service) \(op.name) is routed twice")
        handlers[key] = { wire, ctx in
            let input: Input
            do {
                input = try Input(wire: wire)
            } catch let e as WireDecodingError {
                throw AWSError(CommonErrors.serializationException, e.message)
            }
            return try await handler(input, ctx).wireValue
        }
    }

    /// Runs `check` on `op`'s decoded input before the model's constraints are checked.
    public mutating func check<Input: WireStructure, Output: WireStructure>(
        _ op: OperationDescriptor<Input, Output>, _ check: @escaping InputCheck
    ) {
        inputChecks[Key(service: op.model.service, operation: op.name)] = check
    }

    /// The check that runs before `operation`'s model constraints, if any.
    public func inputCheck(_ service: AWSService, _ operation: String) -> InputCheck? {
        inputChecks[Key(service: service, operation: operation)]
    }

    /// Binds a fast path for `proto`: `handler` reads the raw body itself and answers nil for
    /// anything it leaves to the generic path, or the output with the parameters to record.
    public mutating func fast<Input: WireStructure, Output: WireStructure>(
        _ op: OperationDescriptor<Input, Output>, _ proto: WireProtocol,
        _ handler: @escaping @Sendable ([UInt8], CallContext) async throws -> (recorded: WireValue, output: Output)?
    ) {
        fastHandlers[FastKey(key: Key(service: op.model.service, operation: op.name), proto: proto)] = { body, ctx in
            try await handler(body, ctx).map { FastAnswer(output: $0.output.wireValue, recorded: $0.recorded) }
        }
    }

    /// Binds a streaming operation (its output is an event stream).
    public mutating func onStream<Input: WireStructure, Output: WireStructure>(
        _ op: OperationDescriptor<Input, Output>,
        _ handler: @escaping @Sendable (Input, CallContext) async throws -> AsyncStream<[UInt8]>
    ) {
        let key = Key(service: op.model.service, operation: op.name)
        streamHandlers[key] = { wire, ctx in
            let input: Input
            do {
                input = try Input(wire: wire)
            } catch let e as WireDecodingError {
                throw AWSError(CommonErrors.serializationException, e.message)
            }
            return try await handler(input, ctx)
        }
        // The operation is built: the generic lookup must not call it NotImplemented.
        handlers[key] = { _, _ in throw AWSError(CommonErrors.internalFailure, "\(op.name) streams its answer.") }
    }

    public func streamHandler(_ service: AWSService, _ operation: String) -> StreamHandler? {
        streamHandlers.isEmpty ? nil : streamHandlers[Key(service: service, operation: operation)]
    }

    /// Binds a REST service's own router.
    public mutating func rest(_ service: AWSService, _ handler: @escaping RestHandler) {
        restHandlers[service] = handler
    }

    public func restHandler(_ service: AWSService) -> RestHandler? { restHandlers[service] }

    /// The fast path of `operation` on `proto`, if any.
    public func fastHandler(_ service: AWSService, _ operation: String, _ proto: WireProtocol) -> FastHandler? {
        fastHandlers.isEmpty ? nil : fastHandlers[FastKey(key: Key(service: service, operation: operation), proto: proto)]
    }

    /// The handler of `operation`, or nil when it is not built.
    public func handler(_ service: AWSService, _ operation: String) -> OperationHandler? {
        handlers[Key(service: service, operation: operation)]
    }

    /// Number of routed operations per service (the README's feature table reads these).
    public func routedOperations(of service: AWSService) -> [String] {
        handlers.keys.filter { $0.service == service }.map(\.operation).sorted()
    }
}
