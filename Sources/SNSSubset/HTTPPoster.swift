import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// POSTs one body to an http:// or https:// URL on SwiftNIO (already in the process for the server), so the
/// SNS subset needs no FoundationNetworking: that would link libcurl and some thirty other
/// libraries into the binary, costing start time and resident memory (W7).
enum HTTPPoster {
    /// The response status, or nil when the endpoint could not be reached in time.
    static func post(_ url: URL, headers: [(String, String)], body: [UInt8], timeout: TimeAmount = .seconds(15)) async -> Int? {
        guard let scheme = url.scheme, scheme == "http" || scheme == "https", let host = url.host else { return nil }
        let tls: NIOSSLContext?
        do {
            tls = scheme == "https" ? try NIOSSLContext(configuration: .makeClientConfiguration()) : nil
        } catch {
            return nil
        }
        let port = url.port ?? (scheme == "https" ? 443 : 80)
        var path = url.path.isEmpty ? "/" : url.path
        if let q = url.query { path += "?" + q }
        let group = MultiThreadedEventLoopGroup.singleton
        let promise = group.next().makePromise(of: Int.self)
        do {
            let channel = try await ClientBootstrap(group: group)
                .connectTimeout(timeout)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let tls {
                            try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: host))
                        }
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(StatusHandler(promise: promise))
                    }
                }
                .connect(host: host, port: port).get()
            var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: path)
            head.headers.add(name: "Host", value: url.port.map { "\(host):\($0)" } ?? host)
            head.headers.add(name: "Content-Length", value: String(body.count))
            head.headers.add(name: "Connection", value: "close")
            for (k, v) in headers { head.headers.add(name: k, value: v) }
            channel.write(HTTPClientRequestPart.head(head), promise: nil)
            channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: body))), promise: nil)
            channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
            channel.eventLoop.scheduleTask(in: timeout) { promise.fail(ChannelError.connectTimeout(timeout)) }
            let status = try? await promise.futureResult.get()
            try? await channel.close().get()
            return status
        } catch {
            promise.fail(error)
            return nil
        }
    }

    final class StatusHandler: ChannelInboundHandler, Sendable {
        typealias InboundIn = HTTPClientResponsePart
        let promise: EventLoopPromise<Int>

        init(promise: EventLoopPromise<Int>) { self.promise = promise }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            if case .head(let head) = unwrapInboundIn(data) { promise.succeed(Int(head.status.code)) }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            promise.fail(error)
            context.close(promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            promise.fail(ChannelError.eof)
        }
    }
}
