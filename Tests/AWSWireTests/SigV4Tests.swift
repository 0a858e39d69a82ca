@testable import AWSWire
import Foundation
import Testing
import TrailwatchCore

/// One case of the AWS SigV4 test suite (Fixtures/sigv4, see its README).
struct SuiteCase: CustomStringConvertible, Sendable {
    let name: String
    let request: SigV4Request
    let body: [UInt8]
    let creq: String
    let sts: String
    let authz: String
    var description: String { name }

    static let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

    static func all() throws -> [SuiteCase] {
        let root = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("sigv4")
        let names = try FileManager.default.contentsOfDirectory(atPath: root.path).filter { !$0.contains(".") }.sorted()
        return try names.map { name in
            func read(_ f: String) throws -> String { try String(contentsOf: root.appendingPathComponent(name).appendingPathComponent(f), encoding: .utf8) }
            let raw = try read("req")
            let (request, body) = parse(raw)
            return SuiteCase(name: name, request: request, body: body, creq: try read("creq"), sts: try read("sts"), authz: try read("authz"))
        }
    }

    /// Parses a `.req` file: request line, headers (a line starting with a space continues
    /// the previous value), blank line, body.
    static func parse(_ raw: String) -> (SigV4Request, [UInt8]) {
        let parts = raw.components(separatedBy: "\n\n")
        let head = parts[0].components(separatedBy: "\n")
        let body = parts.count > 1 ? Array(parts[1...].joined(separator: "\n\n").utf8) : []
        let requestLine = head[0]
        let method = String(requestLine.prefix { $0 != " " })
        var target = String(requestLine.dropFirst(method.count + 1))
        if target.hasSuffix(" HTTP/1.1") { target.removeLast(" HTTP/1.1".count) }
        let q = target.firstIndex(of: "?")
        let path = q.map { String(target[..<$0]) } ?? target
        let query = q.map { String(target[target.index(after: $0)...]) } ?? ""
        var headers: [(String, String)] = []
        for line in head.dropFirst() {
            if line.hasPrefix(" "), !headers.isEmpty {
                headers[headers.count - 1].1 += "\n" + line
                continue
            }
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
        }
        return (SigV4Request(method: method, rawPath: path, rawQuery: query, headers: headers), body)
    }
}

@Suite("SigV4 against the AWS signature test suite")
struct SigV4SuiteTests {
    /// The parametrized test below passes on an empty directory; this one does not (24 cases
    /// today, GET and POST).
    @Test("the suite fixture has cases")
    func fixtureHasCases() throws {
        let cases = try SuiteCase.all()
        #expect(cases.count >= 13, "only \(cases.count) cases in Fixtures/sigv4")
        #expect(cases.contains { $0.request.method == "GET" }, "no GET case")
        #expect(cases.contains { $0.request.method == "POST" }, "no POST case")
        #expect(cases.contains { $0.name == "get-vanilla" }, "no get-vanilla case")
    }

    @Test("canonical request, string to sign and signature match the suite", arguments: try SuiteCase.all())
    func suiteCase(_ c: SuiteCase) throws {
        let signedHeaders = c.authz.components(separatedBy: "SignedHeaders=")[1].components(separatedBy: ",")[0]
            .split(separator: ";").map(String.init)
        let canonical = SigV4.canonicalRequest(c.request, signedHeaders: signedHeaders,
                                               payloadHash: SigV4.hexSHA256(c.body), normalizePath: true)
        #expect(canonical == c.creq)
        let sts = SigV4.stringToSign(amzDate: "20150830T123600Z", scope: "20150830/us-east-1/service/aws4_request", canonicalRequest: canonical)
        #expect(sts == c.sts)
        let scope = CredentialScope(accessKeyId: "AKIDEXAMPLE", date: "20150830", region: "us-east-1", service: "service")
        let signature = SigV4.signature(secret: SuiteCase.secret, scope: scope, stringToSign: sts)
        #expect(c.authz.hasSuffix("Signature=" + signature))

        // And the verifier accepts the request with its Authorization header.
        var signed = c.request
        signed.headers.append(("Authorization", c.authz))
        let claim = try #require(try SigV4.claim(of: signed))
        try SigV4.verify(claim, request: signed, secret: SuiteCase.secret, payloadHash: SigV4.hexSHA256(c.body))
    }

    @Test("A wrong secret is refused with the canonical request to compare")
    func wrongSecret() throws {
        let c = try #require(try SuiteCase.all().first { $0.name == "get-vanilla" })
        var signed = c.request
        signed.headers.append(("Authorization", c.authz))
        let claim = try #require(try SigV4.claim(of: signed))
        #expect(throws: SigV4Failure.signatureMismatch(canonicalRequest: c.creq, stringToSign: c.sts)) {
            try SigV4.verify(claim, request: signed, secret: "not-the-secret", payloadHash: SigV4.hexSHA256(c.body))
        }
    }
}

/// Requests signed by botocore's own signer (scripts/make_botocore_sigv4_fixtures.py).
struct BotocoreCase: CustomStringConvertible, Sendable {
    let name: String
    let request: SigV4Request
    let body: [UInt8]
    let secret: String
    let service: String
    let now: Date
    var description: String { name }

    static func all() throws -> [BotocoreCase] {
        let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("botocore-signed.json")
        let doc = try JSONReader.parse(Array(try Data(contentsOf: url)))
        guard case .map(let cases) = doc else { return [] }
        return cases.keys.sorted().map { name in
            let c = cases[name]!
            let headers = (c["headers"]?.elements ?? []).map { ($0.elements![0].stringValue!, $0.elements![1].stringValue!) }
            let hex = Array(c["bodyHex"]!.stringValue!.utf8)
            var body: [UInt8] = []
            var i = 0
            while i + 1 < hex.count {
                body.append(UInt8(String(decoding: hex[i...i + 1], as: UTF8.self), radix: 16)!)
                i += 2
            }
            return BotocoreCase(
                name: name,
                request: SigV4Request(method: c["method"]!.stringValue!, rawPath: c["rawPath"]!.stringValue!,
                                      rawQuery: c["rawQuery"]!.stringValue!, headers: headers),
                body: body, secret: c["secret"]!.stringValue!, service: c["service"]!.stringValue!,
                now: Timestamps.parseAmzDate(c["now"]!.stringValue!)!)
        }
    }
}

@Suite("SigV4 accepts what botocore signs")
struct BotocoreSignatureTests {
    /// 7 cases today: header-signed (Authorization) and presigned (X-Amz-Signature in the query).
    @Test("the botocore fixture has cases of both kinds")
    func fixtureHasCases() throws {
        let cases = try BotocoreCase.all()
        #expect(cases.count >= 4, "only \(cases.count) cases in botocore-signed.json")
        let presigned = cases.filter { $0.request.rawQuery.contains("X-Amz-Signature=") }
        let headerSigned = cases.filter { c in c.request.headers.contains { $0.0.lowercased() == "authorization" } }
        #expect(!presigned.isEmpty, "no presigned case")
        #expect(!headerSigned.isEmpty, "no Authorization-header case")
    }

    @Test("each botocore-signed request verifies", arguments: try BotocoreCase.all())
    func verifies(_ c: BotocoreCase) throws {
        let claim = try #require(try SigV4.claim(of: c.request))
        try SigV4.checkFreshness(claim, service: c.service, now: c.now.addingTimeInterval(30))
        try SigV4.verify(claim, request: c.request, secret: c.secret, payloadHash: SigV4.hexSHA256(c.body))
    }

    @Test("the same requests fail with another secret", arguments: try BotocoreCase.all())
    func tampered(_ c: BotocoreCase) throws {
        let claim = try #require(try SigV4.claim(of: c.request))
        #expect(throws: SigV4Failure.self) {
            try SigV4.verify(claim, request: c.request, secret: c.secret + "x", payloadHash: SigV4.hexSHA256(c.body))
        }
    }

    @Test("a request older than 15 minutes is refused as expired")
    func skew() throws {
        let c = try #require(try BotocoreCase.all().first { $0.name == "query-sts" })
        let claim = try #require(try SigV4.claim(of: c.request))
        #expect(throws: SigV4Failure.self) {
            try SigV4.checkFreshness(claim, service: "sts", now: c.now.addingTimeInterval(16 * 60))
        }
    }

    @Test("a credential scoped to another service is refused")
    func wrongService() throws {
        let c = try #require(try BotocoreCase.all().first { $0.name == "json11-logs" })
        let claim = try #require(try SigV4.claim(of: c.request))
        #expect(throws: SigV4Failure.wrongScope("Credential should be scoped to correct service: 'cloudtrail'. ")) {
            try SigV4.checkFreshness(claim, service: "cloudtrail", now: c.now)
        }
    }

    @Test("an Authorization header without Credential is an incomplete signature")
    func incomplete() {
        let r = SigV4Request(method: "POST", rawPath: "/", rawQuery: "",
                             headers: [("Authorization", "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=abc"), ("X-Amz-Date", "20150830T123600Z")])
        #expect(throws: SigV4Failure.incompleteSignature("Authorization header requires 'Credential' parameter. Authorization=AWS4-HMAC-SHA256 SignedHeaders=host, Signature=abc")) {
            _ = try SigV4.claim(of: r)
        }
    }
}
