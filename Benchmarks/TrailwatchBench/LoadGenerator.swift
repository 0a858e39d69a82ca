import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// One request the generator sends: method, path, headers (including any signature) and body.
struct PreparedRequest: Sendable {
    var method: HTTPMethod
    var uri: String
    var headers: [(String, String)]
    var body: [UInt8]
    /// A label latencies are also reported under (mixed workloads), or empty.
    var kind: String = ""
}

/// The outcome of a closed-loop run.
struct LoadResult {
    var completed: Int
    var errors: Int
    var seconds: Double
    /// Latencies in microseconds, sorted.
    var latencies: [UInt32]
    var firstError: String?
    /// Latencies (sorted) of the requests with a `kind`, by kind.
    var byKind: [String: [UInt32]] = [:]

    var requestsPerSecond: Double { Double(completed) / seconds }

    func percentile(_ p: Double) -> Double { Self.percentile(latencies, p) }

    /// The `p` latency in milliseconds of the requests of `kind`.
    func percentile(_ p: Double, kind: String) -> Double { Self.percentile(byKind[kind] ?? [], p) }

    static func percentile(_ latencies: [UInt32], _ p: Double) -> Double {
        guard !latencies.isEmpty else { return 0 }
        let i = min(latencies.count - 1, Int((Double(latencies.count) * p).rounded(.up)) - 1)
        return Double(latencies[max(0, i)]) / 1000
    }
}

/// A closed-loop HTTP/1.1 load generator on SwiftNIO: `connections` keep-alive connections,
/// each sending the next request as soon as the previous answer has arrived, for `duration`
/// seconds (or until `maxRequests`). Requests come from `next`, called once per request, so
/// workloads can sign each one as an SDK does.
final class LoadGenerator: Sendable {
    let host: String
    let port: Int
    let group: MultiThreadedEventLoopGroup

    init(host: String, port: Int, threads: Int) {
        self.host = host
        self.port = port
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
    }

    func shutdown() async throws { try await group.shutdownGracefully() }

    /// - Parameter rate: requests per second to pace sends at (open loop); nil sends as fast as
    ///   answers come back (closed loop).
    func run(connections: Int, duration: Double, maxRequests: Int = .max, rate: Double? = nil,
             next: @escaping @Sendable (Int) -> PreparedRequest) async throws -> LoadResult {
        let state = SharedState(deadline: Date().addingTimeInterval(duration), maxRequests: maxRequests, rate: rate)
        let start = Date()
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            for _ in 0..<connections {
                tasks.addTask {
                    // Reconnect whenever the server closes the connection (servers without
                    // keep-alive, such as moto's), until the run is over.
                    while true {
                        let done = self.group.next().makePromise(of: Bool.self)
                        let handler = ClientHandler(state: state, next: next, done: done)
                        let channel = try await ClientBootstrap(group: self.group)
                            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
                            .channelInitializer { channel in
                                channel.pipeline.addHTTPClientHandlers().flatMap { channel.pipeline.addHandler(handler) }
                            }
                            .connect(host: self.host, port: self.port).get()
                        let finished = try await done.futureResult.get()
                        try? await channel.close().get()
                        if finished { break }
                    }
                }
            }
            try await tasks.waitForAll()
        }
        let seconds = Date().timeIntervalSince(start)
        return state.result(seconds: seconds)
    }
}

/// Counters shared by every connection of a run.
final class SharedState: Sendable {
    struct Counters {
        var issued = 0
        var completed = 0
        var errors = 0
        var latencies: [UInt32] = []
        var firstError: String?
        var byKind: [String: [UInt32]] = [:]
    }

    let deadline: Date
    let maxRequests: Int
    let rate: Double?
    let started = DispatchTime.now().uptimeNanoseconds
    let counters = Mutex(Counters())

    init(deadline: Date, maxRequests: Int, rate: Double? = nil) {
        self.deadline = deadline
        self.maxRequests = maxRequests
        self.rate = rate
        counters.withLock { $0.latencies.reserveCapacity(1 << 20) }
    }

    /// Claims the next request number, or nil when the run is over.
    func claim() -> Int? {
        guard Date() < deadline else { return nil }
        return counters.withLock { c in
            guard c.issued < maxRequests else { return nil }
            c.issued += 1
            return c.issued - 1
        }
    }

    /// When request `n` is due, in uptime nanoseconds (now when not paced).
    func due(_ n: Int) -> UInt64 {
        guard let rate else { return 0 }
        return started + UInt64(Double(n) / rate * 1e9)
    }

    func record(micros: UInt32, ok: Bool, error: String?, kind: String = "") {
        counters.withLock { c in
            if ok { c.completed += 1 } else {
                c.errors += 1
                if c.firstError == nil { c.firstError = error }
            }
            c.latencies.append(micros)
            if !kind.isEmpty { c.byKind[kind, default: []].append(micros) }
        }
    }

    func result(seconds: Double) -> LoadResult {
        counters.withLock { c in
            LoadResult(completed: c.completed, errors: c.errors, seconds: seconds, latencies: c.latencies.sorted(), firstError: c.firstError,
                       byKind: c.byKind.mapValues { $0.sorted() })
        }
    }
}

/// Sends one request at a time on its connection.
final class ClientHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    let state: SharedState
    let next: @Sendable (Int) -> PreparedRequest
    /// Succeeds with true when the run is over, false when the connection closed first.
    let done: EventLoopPromise<Bool>
    var sentAt: UInt64 = 0
    var sentKind = ""
    var status: HTTPResponseStatus = .ok
    var keepAlive = true
    var completed = false
    var errorBody = ByteBuffer()

    init(state: SharedState, next: @escaping @Sendable (Int) -> PreparedRequest, done: EventLoopPromise<Bool>) {
        self.state = state
        self.next = next
        self.done = done
    }

    func channelActive(context: ChannelHandlerContext) {
        sendNext(context: context)
    }

    func sendNext(context: ChannelHandlerContext) {
        guard let n = state.claim() else {
            finish(true)
            return
        }
        let due = state.due(n)
        let now = DispatchTime.now().uptimeNanoseconds
        if due > now {
            // Paced: send when due.
            context.eventLoop.scheduleTask(in: .nanoseconds(Int64(due - now))) { self.send(n, context: context) }
            return
        }
        send(n, context: context)
    }

    func send(_ n: Int, context: ChannelHandlerContext) {
        let r = next(n)
        var head = HTTPRequestHead(version: .http1_1, method: r.method, uri: r.uri)
        for (k, v) in r.headers { head.headers.add(name: k, value: v) }
        head.headers.replaceOrAdd(name: "content-length", value: String(r.body.count))
        sentAt = DispatchTime.now().uptimeNanoseconds
        sentKind = r.kind
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if !r.body.isEmpty {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: r.body)))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = head.status
            keepAlive = head.isKeepAlive
            errorBody.clear()
        case .body(var buffer):
            if status.code >= 300, errorBody.readableBytes < 2048 { errorBody.writeBuffer(&buffer) }
        case .end:
            let micros = UInt32(min(UInt64(UInt32.max), (DispatchTime.now().uptimeNanoseconds - sentAt) / 1000))
            let ok = status.code < 300
            state.record(micros: micros, ok: ok, error: ok ? nil : "HTTP \(status.code): \(errorBody.getString(at: errorBody.readerIndex, length: errorBody.readableBytes) ?? "")",
                         kind: sentKind)
            if keepAlive {
                sendNext(context: context)
            } else {
                finish(false)
                context.close(promise: nil)
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !completed {
            completed = true
            done.fail(error)
        }
        context.close(promise: nil)
    }

    /// Completes `done` once (a closing channel can report more than one ending).
    func finish(_ runOver: Bool) {
        guard !completed else { return }
        completed = true
        done.succeed(runOver)
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(false)
    }
}
