import AWSWire
import TrailwatchCore

/// Tells which service, protocol and operation a request is for, from what real clients send
/// (DESIGN.md, "Wire protocols"):
///
/// | signal                                         | protocol            |
/// |------------------------------------------------|---------------------|
/// | `X-Amz-Target: Prefix.Operation`               | awsJson 1.0 / 1.1   |
/// | `POST /service/<Name>/operation/<Operation>`   | smithy-rpc-v2-cbor  |
/// | a path prefix of the route table (`/_trailwatch/`, `/moto-api/`, `/_console/`) | not AWS: `RouteTable.pathRoute` |
/// | form body or query string with `Action=`       | awsQuery            |
/// | anything else                                  | S3 REST-XML         |
///
/// `bodyLimit` applies the same rules before the body is read: only what would classify as an
/// S3 PUT (PutObject) may carry an object-sized body.
///
/// The Query service comes from the SigV4 credential scope, or from `Version` when unsigned.
struct RequestClassifier {
    struct Classified {
        var service: AWSService?
        var proto: WireProtocol
        var operation: String?
        /// Query parameters (form body and URL query), for awsQuery.
        var form: [(String, String)]
    }

    /// The most body bytes a request may send, from its method, path and headers alone.
    static func bodyLimit(method: String, path: String, hasTarget: Bool, routes: RouteTable) -> Int {
        let api = RequestProcessor.maxBodyBytes
        if hasTarget || path.hasPrefix("/service/") || routes.pathRoute(path) != nil { return api }
        // awsQuery is POST (or GET); a PUT anywhere else is S3's.
        return method == "PUT" ? RequestProcessor.maxObjectBytes : api
    }

    static func classify(_ req: IncomingRequest, body: [UInt8], scopeService: String?) -> Classified {
        if let target = req.header("x-amz-target") {
            if let dot = target.lastIndex(of: ".") {
                let prefix = String(target[..<dot])
                let op = String(target[target.index(after: dot)...])
                if let (service, proto) = ServiceDirectory.service(targetPrefix: prefix) {
                    return Classified(service: service, proto: proto, operation: op, form: [])
                }
            }
            let service = scopeService.flatMap(AWSService.init(signingName:))
            let proto: WireProtocol = service == .cloudWatch ? .awsJson1_0 : .awsJson1_1
            return Classified(service: service, proto: proto, operation: nil, form: [])
        }
        if req.rawPath.hasPrefix("/service/") {
            let parts = req.rawPath.split(separator: "/")
            if parts.count == 4, parts[2] == "operation" {
                let service = ServiceDirectory.service(rpcServiceName: String(parts[1]))
                return Classified(service: service, proto: .rpcV2Cbor, operation: String(parts[3]), form: [])
            }
        }
        let contentType = req.header("content-type")?.lowercased() ?? ""
        var form: [(String, String)] = []
        // Query requests are POSTs of at most the API body limit; a large PUT is an S3 object,
        // never parsed as a form (a 512 MB `a&a&...` body would be 256M parameters, pre-auth).
        if contentType.hasPrefix("application/x-www-form-urlencoded"), req.method == "POST", body.count <= RequestProcessor.maxBodyBytes {
            form = body.withUnsafeBufferPointer { PercentEncoding.parseForm(bytes: $0) }
        }
        let queryParams = PercentEncoding.parseForm(Substring(req.rawQuery))
        if queryParams.contains(where: { $0.0 == "Action" }) { form = queryParams + form }
        if let action = form.first(where: { $0.0 == "Action" })?.1 {
            var service = scopeService.flatMap(AWSService.init(signingName:))
            if service == nil || !ServiceDirectory.speaksQuery(service!) {
                service = form.first(where: { $0.0 == "Version" }).flatMap { ServiceDirectory.service(queryVersion: $0.1) } ?? service
            }
            return Classified(service: service, proto: .awsQuery, operation: action, form: form)
        }
        if !form.isEmpty || (req.method == "POST" && req.rawPath == "/" && scopeService != "s3") {
            // A Query request without Action.
            let service = scopeService.flatMap(AWSService.init(signingName:))
            return Classified(service: service, proto: .awsQuery, operation: nil, form: form)
        }
        return Classified(service: .s3, proto: .restXml, operation: nil, form: [])
    }
}
