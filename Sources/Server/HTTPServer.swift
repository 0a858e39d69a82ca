public import Hummingbird
import HummingbirdTLS
import HummingbirdCore
import HTTPTypes
public import Logging
public import NIOCore
import NIOSSL
import AWSWire
import TrailwatchCore

/// The request context the server uses: Hummingbird's core storage plus the peer address.
public struct TrailwatchRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The client's IP address, for CloudTrail's `sourceIPAddress`.
    public let peerAddress: String
    /// The channel the request came on (its TLS handler knows the negotiated version).
    let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        peerAddress = source.channel.remoteAddress?.ipAddress ?? "127.0.0.1"
        channel = source.channel
    }
}

/// Adapts Hummingbird requests to the framework-free `RequestProcessor`. This file and
/// `TrailwatchRequestContext` are the only code that knows the HTTP framework.
public struct TrailwatchResponder: HTTPResponder {
    public typealias Context = TrailwatchRequestContext

    let processor: RequestProcessor
    /// The cipher suite the TLS configuration allows (one), nil over plain HTTP.
    let tlsCipher: String?

    public init(processor: RequestProcessor, tlsCipher: String? = nil) {
        self.processor = processor
        self.tlsCipher = tlsCipher
    }

    public func respond(to request: Request, context: Context) async throws -> Response {
        let uri = request.uri
        let limit = processor.bodyLimit(method: request.method.rawValue, path: uri.path) { name in
            HTTPField.Name(name).flatMap { request.headers[$0] }
        }
        var body = ByteBuffer()
        var overLimit: Int?
        do {
            body = try await request.body.collect(upTo: limit)
        } catch {
            overLimit = limit
        }
        var headers: [(String, String)] = []
        headers.reserveCapacity(request.headers.count + 1)
        for field in request.headers { headers.append((field.name.canonicalName, field.value)) }
        // HTTPTypes carries Host as the request's authority; SigV4 signs it as `host`.
        if let authority = request.head.authority, !headers.contains(where: { $0.0.caseInsensitiveEquals("host") }) {
            headers.append(("host", authority))
        }
        let incoming = IncomingRequest(
            method: request.method.rawValue, rawPath: uri.path, rawQuery: uri.query ?? "",
            headers: headers, body: Array(buffer: body), sourceIP: context.peerAddress, tls: await tlsDetails(context),
            bodyOverLimit: overLimit)
        let answer = await processor.handle(incoming)
        var fields = HTTPFields()
        for (name, value) in answer.headers {
            if let n = HTTPField.Name(name) { fields.append(HTTPField(name: n, value: value)) }
        }
        if let stream = answer.stream {
            // An event stream: each message is written as it is produced.
            return Response(status: .init(code: answer.status), headers: fields, body: ResponseBody { writer in
                for await chunk in stream { try await writer.write(ByteBuffer(bytes: chunk)) }
                try await writer.finish(nil)
            })
        }
        return Response(status: .init(code: answer.status), headers: fields,
                        body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
    }
}

extension TrailwatchResponder {
    /// The negotiated TLS version, from the connection's TLS handler; nil over plain HTTP.
    func tlsDetails(_ context: Context) async -> TLSDetails? {
        guard let tlsCipher, let version = try? await context.channel.nioSSL_tlsVersion().get() else { return nil }
        let name: String
        switch version {
        case .tlsv13: name = "TLSv1.3"
        case .tlsv12: name = "TLSv1.2"
        case .tlsv11: name = "TLSv1.1"
        case .tlsv1: name = "TLSv1"
        }
        return TLSDetails(tlsVersion: name, cipherSuite: tlsCipher, clientProvidedHostHeader: "")
    }
}

/// A certificate chain and private key (PEM files) to serve HTTPS with.
public struct TLSFiles: Sendable {
    public var certificatePath: String
    public var keyPath: String

    public init(certificatePath: String, keyPath: String) {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
    }

    /// The server configuration: TLS 1.2 with one ECDHE AES-128-GCM suite matching the key,
    /// so that the cipher CloudTrail records is the one negotiated (NIOSSL does not report it).
    func configuration() throws -> (TLSConfiguration, cipher: String) {
        let chain = try NIOSSLCertificate.fromPEMFile(certificatePath)
        guard let leaf = chain.first else { throw TLSSetupError("no certificate in \(certificatePath)") }
        let key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        // rsaEncryption (1.2.840.113549.1.1.1) in the certificate's public key info.
        let rsaOID: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01]
        let spki = try leaf.extractPublicKey().toSPKIBytes()
        let isRSA = (0...(spki.count - rsaOID.count)).contains { Array(spki[$0..<$0 + rsaOID.count]) == rsaOID }
        var config = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        config.minimumTLSVersion = .tlsv12
        config.maximumTLSVersion = .tlsv12
        config.cipherSuiteValues = [isRSA ? .TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 : .TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]
        return (config, isRSA ? "ECDHE-RSA-AES128-GCM-SHA256" : "ECDHE-ECDSA-AES128-GCM-SHA256")
    }
}

/// A TLS certificate or key that cannot be used.
public struct TLSSetupError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Builds the Hummingbird application that serves Trailwatch.
public enum TrailwatchHTTPServer {
    public static func application(processor: RequestProcessor, host: String, port: Int, limits: ConnectionLimits = .init(),
                                   tls: TLSFiles? = nil, logger: Logger,
                                   onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> some ApplicationProtocol {
        let counter = ConnectionLimiter.Counter()
        let http1 = HTTPServerBuilder.http1(configuration: .init(
            additionalChannelHandlers: [
                ConnectionLimiter(counter: counter, max: limits.maxConnections), ExpectContinueHandler(),
                RequestReadDeadline(stall: limits.bodyStallTimeout, deadline: limits.requestDeadline),
            ],
            idleTimeout: limits.idleTimeout))
        var server = http1
        var cipher: String?
        if let tls {
            let (config, suite) = try tls.configuration()
            server = try .tls(http1, tlsConfiguration: config)
            cipher = suite
        }
        return Application(
            responder: TrailwatchResponder(processor: processor, tlsCipher: cipher),
            server: server,
            configuration: .init(address: .hostname(host, port: port), serverName: "Trailwatch"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }
}
