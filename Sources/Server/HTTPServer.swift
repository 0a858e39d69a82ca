public import Hummingbird
import HTTPTypes
public import Logging
import NIOCore
import AWSWire

/// The request context the server uses: Hummingbird's core storage plus the peer address.
public struct TrailwatchRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The client's IP address, for CloudTrail's `sourceIPAddress`.
    public let peerAddress: String

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        peerAddress = source.channel.remoteAddress?.ipAddress ?? "127.0.0.1"
    }
}

/// Adapts Hummingbird requests to the framework-free `RequestProcessor`. This file and
/// `TrailwatchRequestContext` are the only code that knows the HTTP framework.
public struct TrailwatchResponder: HTTPResponder {
    public typealias Context = TrailwatchRequestContext

    let processor: RequestProcessor

    public init(processor: RequestProcessor) { self.processor = processor }

    public func respond(to request: Request, context: Context) async throws -> Response {
        let uri = request.uri
        let isS3 = !(request.headers[.init("x-amz-target")!] != nil || uri.path.hasPrefix("/service/") || uri.path == "/" || uri.path.hasPrefix("/_trailwatch") || uri.path.hasPrefix("/moto-api"))
        let limit = isS3 ? 512 * 1024 * 1024 : RequestProcessor.maxBodyBytes
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: limit)
        } catch {
            return Response(status: .contentTooLarge, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(string: #"{"__type":"RequestEntityTooLarge","message":"Request body is larger than \#(limit) bytes."}"#)))
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
            headers: headers, body: Array(buffer: body), sourceIP: context.peerAddress)
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

/// Builds the Hummingbird application that serves Trailwatch.
public enum TrailwatchHTTPServer {
    public static func application(processor: RequestProcessor, host: String, port: Int, logger: Logger,
                                   onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        Application(
            responder: TrailwatchResponder(processor: processor),
            configuration: .init(address: .hostname(host, port: port), serverName: "Trailwatch"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }
}
