public import TrailwatchCore

/// The AWS wire protocols Trailwatch speaks (DESIGN.md, "Wire protocols").
public enum WireProtocol: String, Sendable {
    case awsJson1_0
    case awsJson1_1
    case awsQuery
    case rpcV2Cbor
    case restXml

    /// The `Content-Type` of answers.
    public var contentType: String {
        switch self {
        case .awsJson1_0: return "application/x-amz-json-1.0"
        case .awsJson1_1: return "application/x-amz-json-1.1"
        case .awsQuery, .restXml: return "text/xml"
        case .rpcV2Cbor: return "application/cbor"
        }
    }

    /// The generic constraint-violation error of a service on this protocol.
    public func validationError(for service: AWSService) -> AWSErrorType {
        switch service {
        case .logs: return AWSErrorType("InvalidParameterException")
        case .cloudTrail: return AWSErrorType("InvalidParameterException")
        case .cloudWatch, .sts, .iam, .sns: return CommonErrors.validationError
        case .s3: return AWSErrorType("InvalidArgument")
        }
    }
}

/// An encoded answer: status, headers and body.
public struct WireResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// For streaming operations (event streams): chunks sent after `body`, until it finishes.
    public var stream: AsyncStream<[UInt8]>?

    public init(status: Int, headers: [(String, String)], body: [UInt8], stream: AsyncStream<[UInt8]>? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.stream = stream
    }
}

/// Decodes inputs and encodes outputs and errors of one service on one protocol.
public struct WireCodec: Sendable {
    public let proto: WireProtocol
    public let model: ServiceModel

    public init(proto: WireProtocol, model: ServiceModel) {
        self.proto = proto
        self.model = model
    }

    /// Decodes the input of `operation` from a request body (JSON, CBOR) or form parameters
    /// (Query), then checks it against the model's constraints.
    /// `check` runs on the decoded input before the model's constraints are checked.
    public func decodeInput(_ operation: OperationModel, body: [UInt8], form: [(String, String)],
                            check: (@Sendable (WireValue) throws -> Void)? = nil) throws -> WireValue {
        guard operation.input >= 0 else { return .map([:]) }
        let value: WireValue
        switch proto {
        case .awsJson1_0, .awsJson1_1:
            let doc: WireValue
            if body.isEmpty || body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
                doc = .map([:])
            } else {
                do { doc = try JSONReader.parse(body) } catch let e as JSONSyntaxError {
                    throw AWSError(CommonErrors.serializationException, "The request body is not valid JSON: \(e.message) at offset \(e.offset).")
                }
            }
            value = try DocumentDecoder(model: model, dialect: .json).decode(doc, shape: operation.input)
        case .rpcV2Cbor:
            let doc: WireValue
            if body.isEmpty {
                doc = .map([:])
            } else {
                do { doc = try CBORReader.decode(body) } catch let e as CBORSyntaxError {
                    throw AWSError(CommonErrors.serializationException, "The request body is not valid CBOR: \(e.message).")
                }
            }
            value = try DocumentDecoder(model: model, dialect: .cbor).decode(doc, shape: operation.input)
        case .awsQuery:
            value = try QueryDecoder(model: model).decode(form, shape: operation.input)
        case .restXml:
            value = .map([:])  // REST inputs are bound by the S3 layer, not here.
        }
        try check?(value)
        let violations = Validator(model: model).violations(of: value, shape: operation.input)
        if !violations.isEmpty {
            throw Validator.error(for: violations, service: model.service, code: proto.validationError(for: model.service))
        }
        return value
    }

    /// Encodes a successful answer of `operation`.
    public func encodeOutput(_ operation: OperationModel, _ output: WireValue, requestID: String) -> WireResponse {
        var headers = [("Content-Type", proto.contentType), ("x-amzn-RequestId", requestID)]
        switch proto {
        case .awsJson1_0, .awsJson1_1:
            let body = operation.output >= 0 ? JSONShapeEncoder(model: model).encode(output, shape: operation.output) : Array("{}".utf8)
            return WireResponse(status: 200, headers: headers, body: body)
        case .rpcV2Cbor:
            headers.append(("smithy-protocol", "rpc-v2-cbor"))
            let body = operation.output >= 0 ? CBORShapeEncoder(model: model).encode(output, shape: operation.output) : [0xA0]
            return WireResponse(status: 200, headers: headers, body: body)
        case .awsQuery, .restXml:
            var w = XMLWriter()
            let root = operation.name + "Response"
            w.open(root, xmlns: model.xmlNamespace)
            if operation.output >= 0 {
                let wrapper = operation.resultWrapper ?? (operation.name + "Result")
                w.open(wrapper)
                XMLShapeEncoder(model: model).writeMembers(output, shape: operation.output, into: &w)
                w.close(wrapper)
            }
            w.open("ResponseMetadata")
            w.element("RequestId", requestID)
            w.close("ResponseMetadata")
            w.close(root)
            return WireResponse(status: 200, headers: headers, body: Array(w.text.utf8))
        }
    }

    /// Encodes an error answer.
    public func encodeError(_ error: AWSError, requestID: String) -> WireResponse {
        WireCodec.encodeError(error, proto: proto, model: model, requestID: requestID)
    }

    /// Encodes an error answer; `model` may be nil when the service could not be told.
    public static func encodeError(_ error: AWSError, proto: WireProtocol, model: ServiceModel?, requestID: String) -> WireResponse {
        var headers: [(String, String)] = [("Content-Type", proto.contentType), ("x-amzn-RequestId", requestID)]
        for (k, v) in error.headers { headers.append((k, v)) }
        let type = error.type
        let errorShape = error.fields.isEmpty ? nil : model?.shape(named: type.code)
        switch proto {
        case .awsJson1_0, .awsJson1_1, .rpcV2Cbor:
            headers.append(("x-amzn-ErrorType", type.code))
            if model?.queryCompatible == true {
                headers.append(("x-amzn-query-error", "\(type.queryCode);\(type.fault.rawValue)"))
            }
            // Envelope keys first, then the error shape's modeled members under wire names.
            let extra = error.fields.keys.sorted()
            func member(_ name: String) -> Member? {
                guard let model, let errorShape else { return nil }
                return model.shapes[errorShape].member(named: name)
            }
            // The key the service's Smithy model names its message member: `Message` for
            // CloudTrail (whose botocore error shapes have no members, so botocore reads either,
            // while the new SDKs read only the modeled name), `message` elsewhere.
            let messageKey = errorShape.flatMap { model?.shapes[$0].member(named: "Message") } != nil
                || model?.service == .cloudTrail ? "Message" : "message"
            if proto == .rpcV2Cbor {
                headers.append(("smithy-protocol", "rpc-v2-cbor"))
                var w = CBORWriter()
                w.beginMap(count: 2 + extra.count)
                w.string("__type"); w.string(type.code)
                w.string(messageKey); w.string(error.message)
                for name in extra {
                    if let model, let m = member(name) {
                        w.string(m.wireName)
                        w.rawBytes(CBORShapeEncoder(model: model).encode(error.fields[name]!, shape: m.shape))
                    } else {
                        w.string(name); w.value(error.fields[name]!)
                    }
                }
                return WireResponse(status: type.status, headers: headers, body: w.bytes)
            }
            var w = JSONWriter()
            w.beginObject()
            w.key("__type"); w.string(type.code); w.comma()
            w.key(messageKey); w.string(error.message)
            for name in extra {
                w.comma()
                if let model, let m = member(name) {
                    w.key(m.wireName)
                    w.rawBytes(JSONShapeEncoder(model: model).encode(error.fields[name]!, shape: m.shape))
                } else {
                    w.key(name); w.value(error.fields[name]!)
                }
            }
            w.endObject()
            return WireResponse(status: type.status, headers: headers, body: w.bytes)
        case .awsQuery:
            var w = XMLWriter()
            w.open("ErrorResponse", xmlns: model?.xmlNamespace)
            w.open("Error")
            w.element("Type", type.fault.rawValue)
            w.element("Code", type.queryCode)
            w.element("Message", error.message)
            if let model, let errorShape, !error.fields.isEmpty {
                XMLShapeEncoder(model: model).writeMembers(.map(error.fields), shape: errorShape, into: &w)
            }
            w.close("Error")
            w.element("RequestId", requestID)
            w.close("ErrorResponse")
            return WireResponse(status: type.status, headers: headers, body: Array(w.text.utf8))
        case .restXml:
            var w = XMLWriter()
            w.declaration()
            w.open("Error")
            w.element("Code", type.code)
            w.element("Message", error.message)
            for k in error.fields.keys.sorted() {
                if case .string(let s) = error.fields[k]! { w.element(k, s) }
            }
            w.element("RequestId", requestID)
            w.close("Error")
            return WireResponse(status: type.status, headers: headers, body: Array(w.text.utf8))
        }
    }
}
