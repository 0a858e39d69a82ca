public import AWSShapes
public import AWSWire
public import Foundation
public import Runtime
public import Storage
public import TrailwatchCore

/// The SNS subset: topics, HTTP/HTTPS subscriptions with their confirmation handshake, and
/// Publish delivering SNS's JSON message format. CloudTrail publishes its delivery
/// notifications through `publish(topicArn:subject:message:)`.
public struct SNSService: Sendable {
    static let topicKind = "sns:topic"
    static let subscriptionKind = "sns:subscription"

    let resources: any ResourceStore
    let tags: any TagStore
    let clock: any WallClock
    /// The server's own URL, for SubscribeURL and UnsubscribeURL (known once it listens).
    let endpoint: @Sendable () -> String
    /// Deliveries owed (SNSDelivery.swift).
    let outbox: any OutboxStore
    let poster: HTTPPost
    let deliveryWakeup = Wakeup()

    public init(resources: any ResourceStore, tags: any TagStore, outbox: any OutboxStore, clock: any WallClock,
                endpoint: @escaping @Sendable () -> String,
                poster: HTTPPost? = nil) {
        self.resources = resources
        self.tags = tags
        self.outbox = outbox
        self.clock = clock
        self.endpoint = endpoint
        self.poster = poster ?? { url, headers, body in await HTTPPoster.post(url, headers: headers, body: body) }
    }

    typealias Errors = SNS.Errors

    struct Sub: Sendable {
        var id: String
        var topicArn: String
        var proto: String
        var endpoint: String
        var owner: String
        var token: String
        var confirmed: Bool

        var arn: String { "\(topicArn):\(id)" }

        var wire: WireValue {
            .map(["id": .string(id), "topicArn": .string(topicArn), "protocol": .string(proto), "endpoint": .string(endpoint),
                  "owner": .string(owner), "token": .string(token), "confirmed": .bool(confirmed)])
        }

        init(id: String, topicArn: String, proto: String, endpoint: String, owner: String, token: String, confirmed: Bool) {
            (self.id, self.topicArn, self.proto, self.endpoint, self.owner, self.token, self.confirmed) = (id, topicArn, proto, endpoint, owner, token, confirmed)
        }

        init?(_ w: WireValue) {
            guard let id = w["id"]?.stringValue, let t = w["topicArn"]?.stringValue, let p = w["protocol"]?.stringValue,
                  let e = w["endpoint"]?.stringValue, let o = w["owner"]?.stringValue, let k = w["token"]?.stringValue else { return nil }
            self.init(id: id, topicArn: t, proto: p, endpoint: e, owner: o, token: k, confirmed: w["confirmed"]?.boolValue ?? false)
        }
    }

    static func topicArn(_ scope: ResourceScope, _ name: String) -> String { scope.arn("sns", name) }

    /// (scope, name) of a topic ARN.
    static func parse(_ arn: String) -> (ResourceScope, String)? {
        let p = arn.split(separator: ":", omittingEmptySubsequences: false)
        guard p.count == 6, p[0] == "arn", p[2] == "sns" else { return nil }
        return (ResourceScope(accountId: String(p[4]), region: String(p[3])), String(p[5]))
    }

    /// The topic `arn` names, which must exist and, when `ctx` is given, belong to the caller's
    /// account (topic policies that grant other accounts come with [9]).
    func requireTopic(_ arn: String, _ ctx: CallContext?) async throws -> (ResourceScope, String) {
        if let ctx, let (scope, _) = Self.parse(arn) { try Self.checkOwner(scope.accountId, arn, ctx) }
        guard let (scope, name) = Self.parse(arn), try await resources.get(kind: Self.topicKind, scope: scope, name: name) != nil else {
            throw AWSError(Errors.notFoundException, "Topic does not exist")
        }
        return (scope, name)
    }

    /// Whether the topic `arn` names exists (CloudTrail checks a trail's topic).
    public func topicExists(_ arn: String) async throws -> Bool {
        guard let (scope, name) = Self.parse(arn) else { return false }
        return try await resources.get(kind: Self.topicKind, scope: scope, name: name) != nil
    }

    /// AWS's AuthorizationError for a call on another account's topic or subscription.
    static func checkOwner(_ owner: String, _ arn: String, _ ctx: CallContext) throws {
        guard owner != ctx.identity.accountId else { return }
        let action = "SNS:" + ctx.action.drop { $0 != ":" }.dropFirst()
        throw AWSError.crossAccountDenied(Errors.authorizationErrorException, caller: ctx.identity, action: action,
                                          resource: arn, owner: owner)
    }

    func subscriptions(_ scope: ResourceScope?) async throws -> [Sub] {
        try await resources.all(kind: Self.subscriptionKind).filter { scope == nil || $0.scope == scope }
            .compactMap { try? Sub(JSONReader.parse($0.body)) }
    }

    func save(_ s: Sub, _ scope: ResourceScope) async throws {
        var w = JSONWriter()
        w.value(s.wire)
        let now = clock.now()
        try await resources.put(ResourceRecord(kind: Self.subscriptionKind, scope: scope, name: s.id, body: w.bytes, createdAt: now, updatedAt: now),
                                ifAbsent: false)
    }

    // MARK: Topics

    public func createTopic(_ input: SNS.CreateTopicInput, _ ctx: CallContext) async throws -> SNS.CreateTopicResponse {
        let base = input.name.hasSuffix(".fifo") ? String(input.name.dropLast(5)) : input.name
        guard !base.isEmpty, input.name.utf8.count <= 256,
              base.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" }) else {
            throw AWSError(Errors.invalidParameterException, "Invalid parameter: Topic Name")
        }
        let now = clock.now()
        try await resources.put(ResourceRecord(kind: Self.topicKind, scope: ctx.scope, name: input.name, body: Array("{}".utf8),
                                               createdAt: now, updatedAt: now), ifAbsent: true)
        let arn = Self.topicArn(ctx.scope, input.name)
        if let t = input.tags, !t.isEmpty { try await tags.setTags(arn: arn, t.map { (key: $0.key, value: $0.value) }) }
        return SNS.CreateTopicResponse(topicArn: arn)
    }

    public func deleteTopic(_ input: SNS.DeleteTopicInput, _ ctx: CallContext) async throws -> EmptyShape {
        // Deleting a topic that does not exist succeeds, as on AWS.
        guard let (scope, name) = Self.parse(input.topicArn) else { return EmptyShape() }
        try Self.checkOwner(scope.accountId, input.topicArn, ctx)
        _ = try await resources.delete(kind: Self.topicKind, scope: scope, names: [name], allOrNothing: false)
        let subs = try await subscriptions(scope).filter { $0.topicArn == input.topicArn }
        _ = try await resources.delete(kind: Self.subscriptionKind, scope: scope, names: subs.map(\.id), allOrNothing: false)
        try await tags.removeAllTags(arn: input.topicArn)
        return EmptyShape()
    }

    public func listTopics(_ input: SNS.ListTopicsInput, _ ctx: CallContext) async throws -> SNS.ListTopicsResponse {
        let page = try await resources.list(kind: Self.topicKind, scope: ctx.scope, prefix: nil, after: input.nextToken, limit: 101)
        return SNS.ListTopicsResponse(topics: page.prefix(100).map { SNS.Topic(topicArn: Self.topicArn(ctx.scope, $0.name)) },
                                      nextToken: page.count > 100 ? page[99].name : nil)
    }

    public func getTopicAttributes(_ input: SNS.GetTopicAttributesInput, _ ctx: CallContext) async throws -> SNS.GetTopicAttributesResponse {
        let (scope, name) = try await requireTopic(input.topicArn, ctx)
        let subs = try await subscriptions(scope).filter { $0.topicArn == input.topicArn }
        return SNS.GetTopicAttributesResponse(attributes: [
            "TopicArn": input.topicArn, "Owner": scope.accountId, "DisplayName": "", "Name": name,
            "SubscriptionsConfirmed": String(subs.filter(\.confirmed).count),
            "SubscriptionsPending": String(subs.filter { !$0.confirmed }.count), "SubscriptionsDeleted": "0",
        ])
    }

    // MARK: Subscriptions

    public func subscribe(_ input: SNS.SubscribeInput, _ ctx: CallContext) async throws -> SNS.SubscribeResponse {
        let (scope, _) = try await requireTopic(input.topicArn, ctx)
        guard ["http", "https"].contains(input.protocol) else {
            throw AWSError(Errors.invalidParameterException, "Invalid parameter: Trailwatch's SNS subset delivers to http and https endpoints only")
        }
        guard let endpoint = input.endpoint, let url = URL(string: endpoint), url.scheme == input.protocol, url.host != nil else {
            throw AWSError(Errors.invalidParameterException, "Invalid parameter: Endpoint must match the specified protocol")
        }
        if let existing = try await subscriptions(scope).first(where: { $0.topicArn == input.topicArn && $0.endpoint == endpoint }) {
            return SNS.SubscribeResponse(subscriptionArn: existing.confirmed || input.returnSubscriptionArn == true ? existing.arn : "pending confirmation")
        }
        let sub = Sub(id: UUID().uuidString.lowercased(), topicArn: input.topicArn, proto: input.protocol, endpoint: endpoint,
                      owner: ctx.identity.accountId, token: Self.token(), confirmed: false)
        try await save(sub, scope)
        let message = "You have chosen to subscribe to the topic \(input.topicArn).\nTo confirm the subscription, visit the SubscribeURL included in this message."
        let confirmURL = "\(self.endpoint())/?Action=ConfirmSubscription&Version=2010-03-31&TopicArn=\(PercentEncoding.encode(input.topicArn))&Token=\(sub.token)"
        let body = Self.envelope(["Type": "SubscriptionConfirmation", "MessageId": UUID().uuidString.lowercased(), "Token": sub.token,
                                  "TopicArn": input.topicArn, "Message": message, "SubscribeURL": confirmURL, "Timestamp": timestamp()])
        try await enqueue([Delivery(endpoint: endpoint, body: body, type: "SubscriptionConfirmation", topicArn: input.topicArn, subscriptionArn: nil)])
        return SNS.SubscribeResponse(subscriptionArn: input.returnSubscriptionArn == true ? sub.arn : "pending confirmation")
    }

    public func confirmSubscription(_ input: SNS.ConfirmSubscriptionInput, _ ctx: CallContext) async throws -> SNS.ConfirmSubscriptionResponse {
        // Unsigned: the token, sent only to the endpoint, is what authorizes it.
        let (scope, _) = try await requireTopic(input.topicArn, nil)
        guard var sub = try await subscriptions(scope).first(where: { $0.topicArn == input.topicArn && $0.token == input.token }) else {
            throw AWSError(Errors.invalidParameterException, "Invalid token")
        }
        sub.confirmed = true
        try await save(sub, scope)
        return SNS.ConfirmSubscriptionResponse(subscriptionArn: sub.arn)
    }

    func listed(_ s: Sub) -> SNS.Subscription {
        SNS.Subscription(subscriptionArn: s.confirmed ? s.arn : "PendingConfirmation", owner: s.owner, protocol: s.proto, endpoint: s.endpoint, topicArn: s.topicArn)
    }

    public func listSubscriptions(_ input: SNS.ListSubscriptionsInput, _ ctx: CallContext) async throws -> SNS.ListSubscriptionsResponse {
        SNS.ListSubscriptionsResponse(subscriptions: try await subscriptions(ctx.scope).sorted { $0.id < $1.id }.map(listed))
    }

    public func listSubscriptionsByTopic(_ input: SNS.ListSubscriptionsByTopicInput, _ ctx: CallContext) async throws -> SNS.ListSubscriptionsByTopicResponse {
        let (scope, _) = try await requireTopic(input.topicArn, ctx)
        return SNS.ListSubscriptionsByTopicResponse(subscriptions: try await subscriptions(scope).filter { $0.topicArn == input.topicArn }
            .sorted { $0.id < $1.id }.map(listed))
    }

    public func unsubscribe(_ input: SNS.UnsubscribeInput, _ ctx: CallContext) async throws -> EmptyShape {
        guard let sub = try await subscriptions(nil).first(where: { $0.arn == input.subscriptionArn }),
              let (scope, _) = Self.parse(sub.topicArn) else {
            throw AWSError(Errors.notFoundException, "Subscription does not exist")
        }
        try Self.checkOwner(scope.accountId, input.subscriptionArn, ctx)
        _ = try await resources.delete(kind: Self.subscriptionKind, scope: scope, names: [sub.id], allOrNothing: false)
        return EmptyShape()
    }

    // MARK: Publish

    public func publish(_ input: SNS.PublishInput, _ ctx: CallContext) async throws -> SNS.PublishResponse {
        guard let arn = input.topicArn ?? input.targetArn else {
            throw AWSError(Errors.invalidParameterException, "Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter")
        }
        if input.message.utf8.count > 262_144 {
            throw AWSError(Errors.invalidParameterException, "Invalid parameter: Message too long")
        }
        _ = try await requireTopic(arn, ctx)
        return SNS.PublishResponse(messageId: try await publish(topicArn: arn, subject: input.subject, message: input.message))
    }

    /// Queues `message` for the topic's confirmed subscriptions (delivered by the `sns.delivery`
    /// job); its id.
    public func publish(topicArn: String, subject: String?, message: String) async throws -> String {
        let (id, owed) = try await owedDeliveries(topicArn: topicArn, subject: subject, message: message)
        try await enqueue(owed)
        return id
    }

    /// What publishing `message` owes, as outbox items for the caller to commit with its own
    /// writes (`ResourceStore.put(_:enqueueing:)`); then `deliveriesQueued()` wakes delivery.
    public func outboxItems(topicArn: String, subject: String?, message: String) async throws -> [OutboxItem] {
        let now = Int64(saturating: clock.now().timeIntervalSince1970 * 1000)
        return try await owedDeliveries(topicArn: topicArn, subject: subject, message: message).1
            .map { OutboxItem(kind: Self.outboxKind, payload: $0.payload, notBefore: now) }
    }

    /// Wakes the delivery job for items committed by `outboxItems`' caller.
    public func deliveriesQueued() {
        deliveryWakeup.signal()
    }

    func owedDeliveries(topicArn: String, subject: String?, message: String) async throws -> (String, [Delivery]) {
        let id = UUID().uuidString.lowercased()
        guard let (scope, _) = Self.parse(topicArn) else { return (id, []) }
        var owed: [Delivery] = []
        for sub in try await subscriptions(scope) where sub.topicArn == topicArn && sub.confirmed {
            var fields = ["Type": "Notification", "MessageId": id, "TopicArn": topicArn, "Message": message, "Timestamp": timestamp(),
                          "UnsubscribeURL": "\(endpoint())/?Action=Unsubscribe&Version=2010-03-31&SubscriptionArn=\(PercentEncoding.encode(sub.arn))"]
            if let subject { fields["Subject"] = subject }
            let body = Self.envelope(fields)
            owed.append(Delivery(endpoint: sub.endpoint, body: body, type: "Notification", topicArn: topicArn, subscriptionArn: sub.arn))
        }
        return (id, owed)
    }

    func timestamp() -> String { Timestamps.iso8601(clock.now()) }

    static func token() -> String {
        (0..<64).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }

    /// SNS's JSON message: the fields, plus signature fields. The signature is not verifiable
    /// (Trailwatch has no certificate authority to issue a SigningCertURL certificate).
    static func envelope(_ fields: [String: String]) -> [UInt8] {
        var all = fields
        all["SignatureVersion"] = "1"
        all["Signature"] = "UNSIGNED"
        all["SigningCertURL"] = ""
        var w = JSONWriter()
        w.value(.map(all.mapValues { .string($0) }))
        return w.bytes
    }
}
