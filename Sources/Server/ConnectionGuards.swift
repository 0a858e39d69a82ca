import HTTPTypes
import NIOConcurrencyHelpers
public import NIOCore
import NIOHTTPTypes

/// Channel handlers that bound what one client can hold of the server, placed after HTTP
/// decoding on every connection:
///
/// ```
/// bytes ─► HTTP/1 decoder ─► HTTP types ─► ConnectionLimiter ─► ExpectContinue ─► RequestReadDeadline ─► Hummingbird
/// ```
///
/// Idle connections (and headers that never complete) are closed by Hummingbird's own idle
/// timeout, set from `ConnectionLimits.idleTimeout`.
public struct ConnectionLimits: Sendable {
    /// Open connections beyond this are closed as soon as they are accepted.
    public var maxConnections: Int
    /// A connection with no request in flight for this long is closed.
    public var idleTimeout: TimeAmount
    /// A request whose body stops arriving for this long is abandoned and its connection closed.
    public var bodyStallTimeout: TimeAmount
    /// The whole request must have arrived within this (a body sent a byte at a time).
    public var requestDeadline: TimeAmount

    public init(maxConnections: Int = 1000, idleTimeout: TimeAmount = .seconds(60),
                bodyStallTimeout: TimeAmount = .seconds(20), requestDeadline: TimeAmount = .seconds(300)) {
        self.maxConnections = maxConnections
        self.idleTimeout = idleTimeout
        self.bodyStallTimeout = bodyStallTimeout
        self.requestDeadline = requestDeadline
    }
}

/// Counts open connections across the server and closes those past the limit.
final class ConnectionLimiter: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    /// Shared by every connection's limiter.
    final class Counter: Sendable {
        let open = NIOLockedValueBox(0)
    }

    let counter: Counter
    let max: Int
    private let counted = NIOLockedValueBox(false)

    init(counter: Counter, max: Int) {
        self.counter = counter
        self.max = max
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let admitted = counter.open.withLockedValue { n -> Bool in
            n += 1
            return n <= max
        }
        counted.withLockedValue { $0 = true }
        if !admitted { context.close(promise: nil) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        let wasCounted = counted.withLockedValue { c -> Bool in
            defer { c = false }
            return c
        }
        if wasCounted { counter.open.withLockedValue { $0 -= 1 } }
    }
}

/// Answers `Expect: 100-continue` with `100 Continue` at once, so clients that wait for it
/// (boto3's put_object waits up to a second) send their bodies straight away.
final class ExpectContinueHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data),
           head.headerFields[.expect]?.lowercased() == "100-continue" {
            context.writeAndFlush(wrapOutboundOut(.head(HTTPResponse(status: .continue))), promise: nil)
        }
        context.fireChannelRead(data)
    }
}

/// Closes a connection whose request body stalls (a Content-Length larger than the body sent
/// held a connection forever) or takes longer than the request deadline.
final class RequestReadDeadline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    let stall: TimeAmount
    let deadline: TimeAmount
    private var stallTimer: Scheduled<Void>?
    private var deadlineTimer: Scheduled<Void>?

    init(stall: TimeAmount, deadline: TimeAmount) {
        self.stall = stall
        self.deadline = deadline
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            let channel = context.channel
            deadlineTimer?.cancel()
            deadlineTimer = context.eventLoop.scheduleTask(in: deadline) { channel.close(promise: nil) }
            restartStall(context)
        case .body:
            restartStall(context)
        case .end:
            cancel()
        }
        context.fireChannelRead(data)
    }

    func handlerRemoved(context: ChannelHandlerContext) { cancel() }

    func channelInactive(context: ChannelHandlerContext) {
        cancel()
        context.fireChannelInactive()
    }

    private func restartStall(_ context: ChannelHandlerContext) {
        stallTimer?.cancel()
        let channel = context.channel
        stallTimer = context.eventLoop.scheduleTask(in: stall) { channel.close(promise: nil) }
    }

    private func cancel() {
        stallTimer?.cancel()
        deadlineTimer?.cancel()
        stallTimer = nil
        deadlineTimer = nil
    }
}
