import AWSWire
public import Foundation
public import Runtime
public import Storage
import TrailwatchCore

/// POSTs a body with headers to a URL; the response status, or nil when unreachable in time.
public typealias HTTPPost = @Sendable (_ url: URL, _ headers: [(String, String)], _ body: [UInt8]) async -> Int?

/// HTTP/S deliveries go through the outbox: Publish and Subscribe write what they owe before
/// they answer, and the `sns.delivery` job sends it with AWS's default HTTP/S delivery policy —
/// on a server-side failure (no answer, 429, 5xx) up to three retries, 20 seconds apart
/// (linear back-off between equal minimum and maximum delays), then the message is discarded,
/// as AWS does without a dead-letter queue. Owed deliveries survive a restart.
extension SNSService {
    static let outboxKind = "sns.http"
    static let deliveryRetries = 3
    static let retryDelayMillis: Int64 = 20_000
    /// Deliveries sent at once by one run of the job.
    static let deliveryBatch = 64

    /// One POST owed to an endpoint.
    struct Delivery: Equatable {
        var endpoint: String
        var body: [UInt8]
        var type: String
        var topicArn: String
        var subscriptionArn: String?

        var payload: [UInt8] {
            var w = JSONWriter()
            w.value(.map(["endpoint": .string(endpoint), "body": .string(String(decoding: body, as: UTF8.self)), "type": .string(type),
                          "topicArn": .string(topicArn), "subscriptionArn": subscriptionArn.map { .string($0) } ?? .null]))
            return w.bytes
        }

        init(endpoint: String, body: [UInt8], type: String, topicArn: String, subscriptionArn: String?) {
            (self.endpoint, self.body, self.type, self.topicArn, self.subscriptionArn) = (endpoint, body, type, topicArn, subscriptionArn)
        }

        init?(payload: [UInt8]) {
            guard let w = try? JSONReader.parse(payload), let e = w["endpoint"]?.stringValue, let b = w["body"]?.stringValue,
                  let t = w["type"]?.stringValue, let a = w["topicArn"]?.stringValue else { return nil }
            self.init(endpoint: e, body: Array(b.utf8), type: t, topicArn: a, subscriptionArn: w["subscriptionArn"]?.stringValue)
        }

        var headers: [(String, String)] {
            var h = [("Content-Type", "text/plain; charset=UTF-8"), ("x-amz-sns-message-type", type), ("x-amz-sns-topic-arn", topicArn),
                     ("User-Agent", "Amazon Simple Notification Service Agent")]
            if let subscriptionArn { h.append(("x-amz-sns-subscription-arn", subscriptionArn)) }
            return h
        }
    }

    /// Durably queues deliveries and wakes the job.
    func enqueue(_ deliveries: [Delivery]) async throws {
        guard !deliveries.isEmpty else { return }
        let now = Int64(saturating: clock.now().timeIntervalSince1970 * 1000)
        try await outbox.enqueue(deliveries.map { OutboxItem(kind: Self.outboxKind, payload: $0.payload, notBefore: now) })
        deliveryWakeup.signal()
    }

    public var jobs: [Job] {
        let service = self
        return [Job("sns.delivery", every: 5, wakeup: deliveryWakeup, runsAtStart: true) { try await service.deliverDue() }]
    }

    /// Sends every delivery that is due, a batch at a time, concurrently within a batch.
    func deliverDue() async throws {
        while true {
            let now = Int64(saturating: clock.now().timeIntervalSince1970 * 1000)
            let due = try await outbox.due(kind: Self.outboxKind, now: now, limit: Self.deliveryBatch)
            if due.isEmpty { return }
            let poster = self.poster
            let outcomes = await withTaskGroup(of: (OutboxItem, Int?).self) { group in
                for item in due {
                    group.addTask {
                        guard let d = Delivery(payload: item.payload), let url = URL(string: d.endpoint) else { return (item, 400) }
                        return (item, await poster(url, d.headers, d.body))
                    }
                }
                var out: [(OutboxItem, Int?)] = []
                for await o in group { out.append(o) }
                return out
            }
            for (item, status) in outcomes {
                let retryable = status.map { $0 == 429 || $0 >= 500 } ?? true
                if retryable && item.attempts < Self.deliveryRetries {
                    try await outbox.retry(item.id, attempts: item.attempts + 1,
                                           notBefore: Int64(saturating: clock.now().timeIntervalSince1970 * 1000) + Self.retryDelayMillis)
                } else {
                    try await outbox.complete(item.id)
                }
            }
            if due.count < Self.deliveryBatch { return }
        }
    }
}
