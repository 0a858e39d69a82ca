import AWSWire
import Foundation
import Identity
import Logging
import Server
import Storage
import StorageSQLite
import Testing
import TrailwatchCore

/// Drives the whole request path without sockets.
struct Harness {
    let processor: RequestProcessor
    let clock: ManualClock

    init(mode: AuthMode = .strict, reset: Bool = true) throws {
        let clock = ManualClock(Date(timeIntervalSince1970: 1_790_000_000))
        self.clock = clock
        let backend = try SQLiteBackend(location: .memory, clock: clock)
        let auth = Authenticator(mode: mode, resolver: ConfiguredCredentials([.root(accessKeyId: "test", secretAccessKey: "test", accountId: "000000000000")]),
                                 defaultAccountId: "000000000000", clock: clock)
        processor = RequestProcessor(routes: .standard(Services(backend: backend, recorder: nil, clock: clock)),
                                     authenticator: auth, clock: clock, resetter: reset ? backend : nil,
                                     logger: Logger(label: "test"))
    }

    func send(service: String, headers: [(String, String)], body: [UInt8], path: String = "/", query: String = "",
              secret: String = "test", signedAt: Date? = nil, sign: Bool = true) async -> WireResponse {
        var request = SigV4Request(method: "POST", rawPath: path, rawQuery: query, headers: headers + [("host", "localhost:4566")])
        if sign {
            request = SigV4Signer(accessKeyId: "test", secretAccessKey: secret, region: "us-east-1", service: service)
                .sign(request, body: body, date: signedAt ?? clock.now())
        }
        return await processor.handle(IncomingRequest(method: "POST", rawPath: path, rawQuery: query, headers: request.headers, body: body))
    }

    func json(_ target: String, _ body: String, version: String = "1.0", service: String = "monitoring", secret: String = "test",
              extra: [(String, String)] = [], signedAt: Date? = nil) async -> WireResponse {
        await send(service: service, headers: [("Content-Type", "application/x-amz-json-\(version)"), ("X-Amz-Target", target)] + extra,
                   body: Array(body.utf8), secret: secret, signedAt: signedAt)
    }

    func query(_ form: String, service: String = "monitoring", secret: String = "test") async -> WireResponse {
        await send(service: service, headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
                   body: Array(form.utf8), secret: secret)
    }
}

extension WireResponse {
    var text: String { String(decoding: body, as: UTF8.self) }
    func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    var json: WireValue { (try? JSONReader.parse(body)) ?? .null }
}

@Suite("Request pipeline")
struct RequestProcessorTests {
    @Test("JSON 1.0: PutDashboard then GetDashboard")
    func jsonRoundTrip() async throws {
        let h = try Harness()
        let put = await h.json("GraniteServiceVersion20100801.PutDashboard", #"{"DashboardName":"d","DashboardBody":"{\"widgets\":[]}"}"#)
        #expect(put.status == 200)
        let get = await h.json("GraniteServiceVersion20100801.GetDashboard", #"{"DashboardName":"d"}"#)
        #expect(get.status == 200)
        #expect(get.json["DashboardArn"] == .string("arn:aws:cloudwatch::000000000000:dashboard/d"))
        #expect(get.header("Content-Type") == "application/x-amz-json-1.0")
        #expect(get.header("x-amzn-RequestId") != nil)
    }

    @Test("Query: GetCallerIdentity answers STS XML")
    func sts() async throws {
        let h = try Harness()
        let r = await h.query("Action=GetCallerIdentity&Version=2011-06-15", service: "sts")
        #expect(r.status == 200)
        let root = try XMLReader.parse(r.body)
        #expect(root.name == "GetCallerIdentityResponse")
        #expect(root.child("GetCallerIdentityResult")?.child("Arn")?.text == "arn:aws:iam::000000000000:root")
    }

    @Test("RPCv2 CBOR: ListDashboards")
    func cbor() async throws {
        let h = try Harness()
        let r = await h.send(service: "monitoring", headers: [("smithy-protocol", "rpc-v2-cbor"), ("Content-Type", "application/cbor")],
                             body: [0xA0], path: "/service/GraniteServiceVersion20100801/operation/ListDashboards")
        #expect(r.status == 200)
        #expect(r.header("smithy-protocol") == "rpc-v2-cbor")
        #expect(try CBORReader.decode(r.body)["DashboardEntries"] == .list([]))
    }

    @Test("a CloudWatch JSON error carries x-amzn-query-error with the Query code")
    func queryCompatibleError() async throws {
        let h = try Harness()
        let r = await h.json("GraniteServiceVersion20100801.GetDashboard", #"{"DashboardName":"missing"}"#)
        #expect(r.status == 404)
        #expect(r.header("x-amzn-query-error") == "ResourceNotFound;Sender")
        #expect(r.json["message"] == .string("Dashboard missing does not exist"))
    }

    @Test("a Query error is an ErrorResponse with Type, Code, Message and RequestId")
    func queryError() async throws {
        let h = try Harness()
        let r = await h.query("Action=GetDashboard&Version=2010-08-01&DashboardName=missing")
        #expect(r.status == 404)
        let root = try XMLReader.parse(r.body)
        #expect(root.name == "ErrorResponse")
        #expect(root.child("Error")?.child("Code")?.text == "ResourceNotFound")
        #expect(root.child("Error")?.child("Type")?.text == "Sender")
        #expect(root.child("RequestId") != nil)
    }

    @Test("a wrong secret is SignatureDoesNotMatch (Query) / InvalidSignatureException (JSON)")
    func wrongSecret() async throws {
        let h = try Harness()
        let q = await h.query("Action=ListDashboards&Version=2010-08-01", secret: "wrong")
        #expect(q.status == 403)
        #expect(try XMLReader.parse(q.body).child("Error")?.child("Code")?.text == "SignatureDoesNotMatch")
        let j = await h.json("Logs_20140328.DescribeLogGroups", "{}", version: "1.1", service: "logs", secret: "wrong")
        #expect(j.status == 400)
        #expect(j.json["__type"] == .string("InvalidSignatureException"))
    }

    @Test("an expired date is refused")
    func expired() async throws {
        let h = try Harness()
        let r = await h.json("GraniteServiceVersion20100801.ListDashboards", "{}", signedAt: h.clock.now().addingTimeInterval(-16 * 60))
        #expect(r.status == 400)
        #expect(r.header("x-amzn-query-error") == "SignatureDoesNotMatch;Sender")
        #expect(r.json["message"]?.stringValue?.hasPrefix("Signature expired:") == true)
    }

    @Test("an unsigned request is MissingAuthenticationToken")
    func unsigned() async throws {
        let h = try Harness()
        let r = await h.send(service: "sts", headers: [("Content-Type", "application/x-www-form-urlencoded")],
                             body: Array("Action=GetCallerIdentity&Version=2011-06-15".utf8), sign: false)
        #expect(r.status == 403)
        #expect(try XMLReader.parse(r.body).child("Error")?.child("Code")?.text == "MissingAuthenticationToken")
    }

    @Test("malformed JSON is SerializationException")
    func malformed() async throws {
        let h = try Harness()
        let r = await h.json("GraniteServiceVersion20100801.GetDashboard", "{not json")
        #expect(r.status == 400)
        #expect(r.json["__type"] == .string("SerializationException"))
    }

    @Test("unknown operations: UnknownOperationException (JSON), InvalidAction (Query)")
    func unknown() async throws {
        let h = try Harness()
        let j = await h.json("GraniteServiceVersion20100801.MakeCoffee", "{}")
        #expect(j.json["__type"] == .string("UnknownOperationException"))
        let q = await h.query("Action=MakeCoffee&Version=2010-08-01")
        #expect(try XMLReader.parse(q.body).child("Error")?.child("Code")?.text == "InvalidAction")
    }

    @Test("an operation not built yet answers NotImplemented naming it")
    func notImplemented() async throws {
        let h = try Harness()
        let r = await h.json("GraniteServiceVersion20100801.ListMetricStreams", "{}")
        #expect(r.status == 501)
        #expect(r.json["message"]?.stringValue?.contains("ListMetricStreams") == true)
    }

    @Test("a gzipped body is inflated after the signature is checked over the compressed bytes")
    func gzip() async throws {
        let h = try Harness()
        let body = Gzip.deflate(Array(#"{"DashboardName":"z","DashboardBody":"{\"widgets\":[]}"}"#.utf8))
        let r = await h.send(service: "monitoring", headers: [("Content-Type", "application/x-amz-json-1.0"),
                                                             ("X-Amz-Target", "GraniteServiceVersion20100801.PutDashboard"),
                                                             ("Content-Encoding", "gzip")], body: body)
        #expect(r.status == 200)
    }

    @Test("reset wipes state; refused when disabled")
    func reset() async throws {
        let h = try Harness()
        _ = await h.json("GraniteServiceVersion20100801.PutDashboard", #"{"DashboardName":"d","DashboardBody":"{\"widgets\":[]}"}"#)
        let r = await h.processor.handle(IncomingRequest(method: "POST", rawPath: "/moto-api/reset", headers: [], body: []))
        #expect(r.status == 200)
        #expect(r.text == #"{"status": "ok"}"#)
        #expect(await h.json("GraniteServiceVersion20100801.GetDashboard", #"{"DashboardName":"d"}"#).status == 404)
        let off = try Harness(reset: false)
        #expect(await off.processor.handle(IncomingRequest(method: "POST", rawPath: "/_trailwatch/reset", headers: [], body: [])).status == 403)
    }

    @Test("open auth: a 12-digit key id selects the account, no signature checked")
    func openAuth() async throws {
        let h = try Harness(mode: .open)
        let signer = SigV4Signer(accessKeyId: "123456789012", secretAccessKey: "anything", region: "eu-west-1", service: "sts")
        let body = Array("Action=GetCallerIdentity&Version=2011-06-15".utf8)
        let req = signer.sign(SigV4Request(method: "POST", rawPath: "/", rawQuery: "",
                                           headers: [("host", "x"), ("Content-Type", "application/x-www-form-urlencoded")]),
                              body: body, date: Date())
        let r = await h.processor.handle(IncomingRequest(method: "POST", rawPath: "/", headers: req.headers, body: body))
        #expect(try XMLReader.parse(r.body).child("GetCallerIdentityResult")?.child("Account")?.text == "123456789012")
    }
}
