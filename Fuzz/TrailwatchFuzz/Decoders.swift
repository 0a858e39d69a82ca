import AWSShapes
import AWSWire
import Foundation
import TrailwatchCore

/// Harnesses for the codecs a request body meets before any service code.
enum Decoders {
    static let models: [ServiceModel] = [CloudWatch.model, CloudWatchLogs.model, CloudTrail.model, SNS.model, STS.model]

    /// The operations of every model that have generated input shapes, in a fixed order.
    static let operations: [(ServiceModel, OperationModel)] = models.flatMap { m in
        m.operations.values.filter { $0.input >= 0 }.sorted { $0.name < $1.name }.map { (m, $0) }
    }

    /// Input: `<signing name>.<Operation>` on the first line, then the body. A first line that
    /// names no operation picks one by its length, so mutated names still reach a decoder.
    static func pick(_ bytes: [UInt8]) -> ((ServiceModel, OperationModel), [UInt8]) {
        let nl = bytes.firstIndex(of: 0x0A) ?? bytes.endIndex
        let name = String(decoding: bytes[..<nl], as: UTF8.self)
        let body = nl < bytes.endIndex ? Array(bytes[(nl + 1)...]) : []
        if let found = operations.first(where: { "\($0.0.service.signingName).\($0.1.name)" == name }) {
            return (found, body)
        }
        return (operations[name.utf8.count % operations.count], body)
    }

    static func json(_ bytes: [UInt8]) {
        _ = try? JSONReader.parse(bytes)
    }

    static func query(_ bytes: [UInt8]) {
        let ((model, op), body) = pick(bytes)
        let form = body.withUnsafeBufferPointer { PercentEncoding.parseForm(bytes: $0) }
        _ = try? WireCodec(proto: .awsQuery, model: model).decodeInput(op, body: body, form: form)
    }

    static func cbor(_ bytes: [UInt8]) {
        let ((model, op), body) = pick(bytes)
        _ = try? CBORReader.decode(body)
        _ = try? WireCodec(proto: .rpcV2Cbor, model: model).decodeInput(op, body: body, form: [])
    }

    static func xml(_ bytes: [UInt8]) {
        _ = try? XMLReader.parse(bytes)
    }

    static func gzip(_ bytes: [UInt8]) {
        _ = try? Gzip.inflate(bytes, limit: 1 << 20)
    }

    /// The model-driven decoder and validator over awsJson, for every modeled operation.
    static func model(_ bytes: [UInt8]) {
        let ((model, op), body) = pick(bytes)
        let proto: WireProtocol = model.jsonVersion == "1.0" ? .awsJson1_0 : .awsJson1_1
        _ = try? WireCodec(proto: proto, model: model).decodeInput(op, body: body, form: [])
    }

    /// Input: the query string on the first line, then `name: value` header lines, then a
    /// blank line and the body. Header and presigned parsing, freshness and verification.
    static func sigv4(_ bytes: [UInt8]) {
        let text = bytes.text
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard !lines.isEmpty else { return }
        let query = String(lines.removeFirst())
        var headers: [(String, String)] = []
        var body: [UInt8] = []
        for (i, line) in lines.enumerated() {
            if line.isEmpty {
                body = Array(lines[(i + 1)...].joined(separator: "\n").utf8)
                break
            }
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingASCIIWhitespace()))
        }
        let request = SigV4Request(method: "POST", rawPath: "/", rawQuery: query, headers: headers)
        guard let claim = try? SigV4.claim(of: request) else { return }
        _ = try? SigV4.checkFreshness(claim, service: claim.credential.service, now: Date(timeIntervalSince1970: 1_796_148_738))
        _ = try? SigV4.verify(claim, request: request, secret: "test", payloadHash: SigV4.hexSHA256(body))
    }
}
