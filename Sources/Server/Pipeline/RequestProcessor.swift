public import AWSWire
import Foundation
public import Logging
public import Runtime
import S3Subset
public import Storage
public import TrailwatchCore

/// The whole request path, free of any HTTP framework:
///
/// ```
/// IncomingRequest ─► path prefixes of the route table (operator endpoints, console)
///                 ─► inflate gzip ─► classify (service, protocol, operation)
///                 ─► body over the limit? RequestEntityTooLarge
///                 ─► authenticate (SigV4 over the body as sent)
///                 ─► fast path, or decode + validate input (service model)
///                 ─► route table handler ─► encode output
///                 ─► record the call (a management change durably, before the answer)
/// any AWSError along the way ─► the protocol's error shape; anything else ─► InternalFailure
/// ```
public struct RequestProcessor: Sendable {
    /// Largest body a non-S3 request may carry, compressed or not.
    public static let maxBodyBytes = 8 * 1024 * 1024
    /// Largest object an S3 PutObject may carry (S3's own single-PUT limit is 5 GB).
    public static let maxObjectBytes = 512 * 1024 * 1024

    let routes: RouteTable
    let authenticator: Authenticator
    let clock: any WallClock
    let resetter: (any StateReset)?
    let maintenance: (any StoreMaintenance)?
    /// The job runner's figures, reported by `GET /_trailwatch/stats`.
    let jobStatistics: JobStatistics?
    /// Where every answered call is reported (CloudTrail), or nil.
    let recorder: (any AuditRecorder)?
    /// The secret that lets loopback callers use the operator endpoints without signing.
    let operatorToken: String?
    let logger: Logger

    /// - Parameters:
    ///   - resetter: the state to wipe on reset requests, or nil when reset is off.
    ///   - maintenance: what `POST /_trailwatch/maintenance` and `GET /_trailwatch/stats` use.
    public init(routes: RouteTable, authenticator: Authenticator, clock: any WallClock, resetter: (any StateReset)?,
                maintenance: (any StoreMaintenance)? = nil, recorder: (any AuditRecorder)? = nil,
                operatorToken: String? = nil, jobStatistics: JobStatistics? = nil, logger: Logger) {
        self.jobStatistics = jobStatistics
        self.operatorToken = operatorToken
        self.routes = routes
        self.authenticator = authenticator
        self.clock = clock
        self.resetter = resetter
        self.maintenance = maintenance
        self.recorder = recorder
        self.logger = logger
    }

    /// The most body bytes the request may send (RequestClassifier.bodyLimit): the HTTP
    /// adapter reads no more, and passes a longer request on with `bodyOverLimit` set.
    public func bodyLimit(method: String, path: String, headers: (String) -> String?) -> Int {
        RequestClassifier.bodyLimit(method: method, path: path, hasTarget: headers("x-amz-target") != nil, routes: routes)
    }

    /// Answers one request, and hands it to the audit recorder.
    public func handle(_ req: IncomingRequest) async -> WireResponse {
        let requestID = RequestID.make()
        switch routes.pathRoute(req.rawPath) {
        case .operatorEndpoints?:
            return await adminResponse(req) ?? jsonResponse(404, #"{"__type":"NotFound","message":"No such operator endpoint."}"#)
        case .console?:
            return jsonResponse(404, #"{"__type":"NotFound","message":"The web console is not part of this build yet."}"#)
        case nil:
            break
        }
        var audit = AuditFacts()
        let response = await answer(req, requestID: requestID, audit: &audit)
        if let recorder, let operation = audit.operation, var call = auditedCall(req, requestID: requestID, audit, recorder) {
            var calls = [call]
            // A call on another account's resource is on that account's record too (AWS
            // delivers cross-account events to the resource owner, recipientAccountId = owner).
            if let owner = audit.resourceOwner, owner != call.accountId {
                call.accountId = owner
                calls.append(call)
            }
            // A management change is on the trail before its answer goes out.
            do {
                try await recorder.record(calls, slot: audit.slot)
            } catch {
                logger.error("recording the call failed", metadata: ["operation": .string(operation), "error": .string("\(error)")])
            }
        }
        return response
    }

    /// The call as the audit record shows it, from what is known so far; nil when the
    /// recorder does not want it.
    func auditedCall(_ req: IncomingRequest, requestID: String, _ audit: AuditFacts, _ recorder: any AuditRecorder) -> APICall? {
        guard let service = audit.service, let operation = audit.operation,
              recorder.wants(service: service.signingName, operation: operation) else { return nil }
        return APICall(
            service: service.signingName, operation: operation, region: audit.identityRegion ?? audit.claimedRegion ?? "us-east-1",
            identity: audit.identity, accessKeyId: audit.identity?.accessKeyId ?? audit.claimedKey,
            accountId: audit.identity?.accountId ?? authenticator.defaultAccountId, sourceIP: req.sourceIP,
            userAgent: req.header("user-agent") ?? "", requestID: requestID, time: audit.time ?? clock.now(),
            requestParameters: audit.input, responseElements: audit.output, errorCode: audit.errorCode,
            errorMessage: audit.errorMessage,
            tls: req.tls.map { TLSDetails(tlsVersion: $0.tlsVersion, cipherSuite: $0.cipherSuite,
                                          clientProvidedHostHeader: req.header("host") ?? "") })
    }

    /// Runs a handler with the call's audit record prepared to commit with its first write.
    func withDurableRecord<T>(_ req: IncomingRequest, requestID: String, _ audit: inout AuditFacts,
                              _ body: () async throws -> T) async rethrows -> T {
        guard let recorder, let call = auditedCall(req, requestID: requestID, audit, recorder),
              let slot = recorder.prepare(call) else { return try await body() }
        audit.slot = slot
        return try await DurableRecordSlot.$current.withValue(slot) { try await body() }
    }

    /// What the audit record of a request needs, filled in as the request goes.
    struct AuditFacts {
        /// The record prepared to commit with the call's own write (management changes).
        var slot: DurableRecordSlot?
        var service: AWSService?
        var operation: String?
        var claimedKey: String?
        var claimedRegion: String?
        var identity: CallerIdentity?
        var identityRegion: String?
        var time: Date?
        var input: WireValue?
        var output: WireValue?
        var errorCode: String?
        var errorMessage: String?
        /// The owner of another account's resource the call named (see AWSError.resourceOwner).
        var resourceOwner: String?
    }

    private func answer(_ req: IncomingRequest, requestID: String, audit: inout AuditFacts) async -> WireResponse {
        let sigRequest = SigV4Request(method: req.method, rawPath: req.rawPath, rawQuery: req.rawQuery, headers: req.headers)
        let claim = Result { () throws(SigV4Failure) -> SigV4Claim? in try SigV4.claim(of: sigRequest) }
        let claimed = (try? claim.get()) ?? nil
        let scopeService = claimed?.credential.service
        audit.claimedKey = claimed?.credential.accessKeyId
        audit.claimedRegion = claimed?.credential.region
        // Inflated before classification: a gzipped Query body carries its Action inside.
        let inflated = Result { () throws(AWSError) -> [UInt8] in try inflate(req) }
        let classified = RequestClassifier.classify(req, body: (try? inflated.get()) ?? req.body, scopeService: scopeService)
        guard let service = classified.service else {
            let error = AWSError(CommonErrors.unknownService,
                                 "Trailwatch could not tell which service this request is for. Send an X-Amz-Target header (JSON), a smithy-protocol RPCv2 path, or a Query Action with a SigV4 credential scope naming the service.")
            return WireCodec.encodeError(error, proto: classified.proto, model: nil, requestID: requestID)
        }
        audit.service = service
        audit.operation = classified.operation
        if service == .s3 {
            audit.operation = S3Service.operation(method: req.method, rawPath: req.rawPath, rawQuery: req.rawQuery)
        }
        let model = ServiceDirectory.model(service)
        let codec = WireCodec(proto: classified.proto, model: model)
        do {
            // Refused before authentication: the signature covers the body that was not read.
            if let limit = req.bodyOverLimit {
                throw service == .s3
                    ? AWSError(AWSErrorType("EntityTooLarge", status: 400), "Your proposed upload exceeds the maximum allowed size")
                    : AWSError(CommonErrors.requestEntityTooLarge, "Request size exceeded \(limit) bytes.")
            }
            let operation = try resolveOperation(classified, model: model)
            let auth: Authenticator.Authenticated
            do {
                auth = try await authenticator.authenticate(sigRequest, claim: claim, service: service, rawBody: req.body,
                                                            requiresAuth: Self.requiresAuth(service, operation))
            } catch let failure as SigV4Failure {
                throw failure.awsError(for: classified.proto)
            }
            audit.identity = auth.identity
            audit.identityRegion = auth.region
            var ctx = CallContext(requestID: requestID, identity: auth.identity, region: auth.region,
                                  receivedAt: clock.now(), sourceIP: req.sourceIP, userAgent: req.header("user-agent") ?? "")
            ctx.action = "\(service.iamPrefix):\(audit.operation ?? "")"
            audit.time = ctx.receivedAt
            if classified.proto == .restXml, let rest = routes.restHandler(service) {
                audit.input = S3Service.auditParameters(rawPath: req.rawPath)
                var response = try await withDurableRecord(req, requestID: requestID, &audit) {
                    try await rest(req.method, req.rawPath, req.rawQuery, req.headers, req.body, ctx)
                }
                response.headers.append(("x-amz-request-id", requestID))
                if response.status >= 400 { audit.errorCode = String(response.status) }
                return response
            }
            guard let operation else {
                throw unknownOperation(classified)
            }
            guard let handler = routes.handler(service, operation.name) else {
                throw AWSError(CommonErrors.notImplemented,
                               "Trailwatch does not implement \(model.service.displayName) \(operation.name) yet.")
            }
            let body = try inflated.get()
            if let fast = routes.fastHandler(service, operation.name, classified.proto), let answer = try await fast(body, ctx) {
                audit.input = answer.recorded
                audit.output = answer.output
                return codec.encodeOutput(operation, answer.output, requestID: requestID)
            }
            let input = try codec.decodeInput(operation, body: body, form: classified.form,
                                              check: routes.inputCheck(service, operation.name))
            audit.input = input
            if let streaming = routes.streamHandler(service, operation.name) {
                let stream = try await streaming(input, ctx)
                return WireResponse(status: 200, headers: [("Content-Type", "application/vnd.amazon.eventstream"),
                                                           ("x-amzn-RequestId", requestID)], body: [], stream: stream)
            }
            let output = try await withDurableRecord(req, requestID: requestID, &audit) { try await handler(input, ctx) }
            audit.output = output
            return codec.encodeOutput(operation, output, requestID: requestID)
        } catch let error as AWSError {
            audit.resourceOwner = error.resourceOwner
            audit.errorCode = error.type.code
            audit.errorMessage = error.message
            return codec.encodeError(error, requestID: requestID)
        } catch {
            logger.error("internal failure", metadata: ["requestId": .string(requestID), "error": .string("\(error)")])
            let failure = AWSError(CommonErrors.internalFailure, "The request processing has failed because of an unknown error, exception or failure. (Request ID: \(requestID))")
            audit.errorCode = failure.type.code
            audit.errorMessage = failure.message
            return codec.encodeError(failure, requestID: requestID)
        }
    }

    /// Whether an operation must be signed: as its model says, except SNS ConfirmSubscription,
    /// whose SubscribeURL an endpoint visits without credentials (the token authorizes it).
    static func requiresAuth(_ service: AWSService, _ operation: OperationModel?) -> Bool {
        if service == .sns, operation?.name == "ConfirmSubscription" { return false }
        return operation?.requiresAuth ?? true
    }

    /// The model's operation, nil when the request names none the service has.
    private func resolveOperation(_ c: RequestClassifier.Classified, model: ServiceModel) throws -> OperationModel? {
        guard let name = c.operation else { return nil }
        return model.operations[name]
    }

    private func unknownOperation(_ c: RequestClassifier.Classified) -> AWSError {
        switch c.proto {
        case .awsQuery:
            guard let action = c.operation, !action.isEmpty else {
                return AWSError(CommonErrors.missingAction, "The request is missing an action or a required parameter.")
            }
            return AWSError(CommonErrors.invalidAction, "The action \(action) is not valid for this web service.")
        case .rpcV2Cbor:
            return AWSError(AWSErrorType("UnknownOperationException", status: 404),
                            "The operation \(c.operation ?? "") is not known to this service.")
        default:
            return AWSError(CommonErrors.unknownOperation,
                            c.operation.map { "The operation \($0) is not known to this service." } ?? "Unknown operation.")
        }
    }

    /// The body, inflated when it is gzip-encoded.
    private func inflate(_ req: IncomingRequest) throws(AWSError) -> [UInt8] {
        guard let encoding = req.header("content-encoding")?.lowercased(), encoding.contains("gzip") else { return req.body }
        do {
            return try Gzip.inflate(req.body, limit: Self.maxBodyBytes)
        } catch GzipError.tooLarge(let limit) {
            throw AWSError(CommonErrors.requestEntityTooLarge, "The decompressed request body is larger than \(limit) bytes.")
        } catch {
            throw AWSError(CommonErrors.serializationException, "The request body is marked Content-Encoding: gzip but could not be decompressed: \(error).")
        }
    }
}

extension AWSService {
    /// The service's name in messages.
    var displayName: String {
        switch self {
        case .cloudWatch: return "CloudWatch"
        case .logs: return "CloudWatch Logs"
        case .cloudTrail: return "CloudTrail"
        case .sts: return "STS"
        case .iam: return "IAM"
        case .sns: return "SNS"
        case .s3: return "S3"
        }
    }
}

/// Figures about this process.
enum ProcessStats {
    /// Resident memory, from /proc/self/statm (0 where unavailable).
    static func residentBytes() -> Int64 {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int64(fields[1]) else { return 0 }
        return pages * 4096
    }
}
