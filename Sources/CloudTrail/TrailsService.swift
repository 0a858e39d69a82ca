public import AWSShapes
public import AWSWire
import Foundation
public import Runtime
public import Storage
public import TrailwatchCore

/// Trails: CreateTrail, UpdateTrail, DeleteTrail, GetTrail, DescribeTrails, ListTrails,
/// StartLogging, StopLogging, GetTrailStatus, event and insight selectors, tags,
/// ListPublicKeys. Delivery itself is `TrailDelivery`.
public struct TrailsService: Sendable {
    static let kind = "cloudtrail:trail"
    static let maxTrailsPerRegion = 5

    let resources: any ResourceStore
    let tags: any TagStore
    let objects: any ObjectStore
    let logSink: (any LogSink)?
    let recorder: TrailRecorder?
    let keys: SigningKeys
    let clock: any WallClock
    /// Publishes to an SNS topic (trail delivery notifications).
    let notify: (@Sendable (_ topicArn: String, _ message: String) async throws -> Void)?
    /// Whether an SNS topic exists (a trail's topic must).
    let topicExists: (@Sendable (_ topicArn: String) async throws -> Bool)?

    public init(resources: any ResourceStore, tags: any TagStore, objects: any ObjectStore, logSink: (any LogSink)?,
                recorder: TrailRecorder?, clock: any WallClock,
                notify: (@Sendable (_ topicArn: String, _ message: String) async throws -> Void)? = nil,
                topicExists: (@Sendable (_ topicArn: String) async throws -> Bool)? = nil) {
        self.notify = notify
        self.topicExists = topicExists
        self.resources = resources
        self.tags = tags
        self.objects = objects
        self.logSink = logSink
        self.recorder = recorder
        self.keys = SigningKeys(resources: resources, clock: clock)
        self.clock = clock
    }

    typealias Errors = CloudTrail.Errors

    static func arn(_ scope: ResourceScope, _ name: String) -> String {
        scope.arn("cloudtrail", "trail/\(name)")
    }

    // MARK: Storage

    func load(_ scope: ResourceScope, _ nameOrArn: String) async throws -> TrailRecord? {
        var scope = scope
        var name = nameOrArn
        if nameOrArn.hasPrefix("arn:") {
            let parts = nameOrArn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
            guard parts.count == 6, parts[5].hasPrefix("trail/") else { return nil }
            scope = ResourceScope(accountId: String(parts[4]), region: String(parts[3]))
            name = String(parts[5].dropFirst(6))
        }
        if let r = try await resources.get(kind: Self.kind, scope: scope, name: name) {
            return try TrailRecord(wire: try JSONReader.parse(r.body))
        }
        // A multi-region trail is visible from every region.
        for r in try await resources.all(kind: Self.kind) where r.scope.accountId == scope.accountId && r.name == name {
            let t = try TrailRecord(wire: try JSONReader.parse(r.body))
            if t.trail.isMultiRegionTrail == true { return t }
        }
        return nil
    }

    func require(_ scope: ResourceScope, _ nameOrArn: String) async throws -> TrailRecord {
        // Another account's trail ARN: AWS answers as if it did not exist (and the attempt is
        // on the owner's record). Only organization trails are shared, and there are none here.
        if let arn = ARN(nameOrArn), arn.account != scope.accountId {
            var error = AWSError(Errors.trailNotFoundException, "Unknown trail: \(nameOrArn) for the user: \(scope.accountId)")
            error.resourceOwner = arn.account
            throw error
        }
        // A plain name is validated before it is looked up ("Trail name too short...").
        if !nameOrArn.hasPrefix("arn:") { try Self.checkName(nameOrArn) }
        guard let t = try await load(scope, nameOrArn) else {
            let arn = nameOrArn.hasPrefix("arn:") ? nameOrArn : Self.arn(scope, nameOrArn)
            throw AWSError(Errors.trailNotFoundException, "Unknown trail: \(arn) for the user: \(scope.accountId)")
        }
        return t
    }

    func save(_ t: TrailRecord) async throws {
        var w = JSONWriter()
        w.value(t.wireValue)
        let now = clock.now()
        let scope = ResourceScope(accountId: Self.account(of: t), region: t.trail.homeRegion ?? "")
        try await resources.put(ResourceRecord(kind: Self.kind, scope: scope, name: t.name, body: w.bytes, createdAt: now, updatedAt: now), ifAbsent: false)
    }

    static func account(of t: TrailRecord) -> String {
        (t.trail.trailARN ?? "").split(separator: ":").dropFirst(4).first.map(String.init) ?? ""
    }

    /// Every trail of every account (delivery walks them all).
    func allTrails() async throws -> [TrailRecord] {
        try await resources.all(kind: Self.kind).compactMap { try? TrailRecord(wire: try JSONReader.parse($0.body)) }
    }

    func trails(_ scope: ResourceScope) async throws -> [TrailRecord] {
        try await allTrails().filter {
            Self.account(of: $0) == scope.accountId && ($0.trail.homeRegion == scope.region || $0.trail.isMultiRegionTrail == true)
        }.sorted { $0.name < $1.name }
    }

    // MARK: Operations

    public func createTrail(_ input: CloudTrail.CreateTrailRequest, _ ctx: CallContext) async throws -> CloudTrail.CreateTrailResponse {
        try Self.checkName(input.name)
        if input.isOrganizationTrail == true {
            throw AWSError(Errors.organizationsNotInUseException, "This account is not a member of an organization.")
        }
        try await checkDestination(bucket: input.s3BucketName, topic: input.snsTopicName, logGroupArn: input.cloudWatchLogsLogGroupArn,
                                   multiRegion: input.isMultiRegionTrail ?? false, globalEvents: input.includeGlobalServiceEvents ?? true,
                                   ctx.scope)
        if try await load(ctx.scope, input.name) != nil {
            throw AWSError(Errors.trailAlreadyExistsException, "Trail \(input.name) already exists for customer: \(ctx.identity.accountId)")
        }
        if try await trails(ctx.scope).filter({ $0.trail.homeRegion == ctx.region }).count >= Self.maxTrailsPerRegion {
            throw AWSError(Errors.maximumNumberOfTrailsExceededException, "User: \(ctx.identity.accountId) already has \(Self.maxTrailsPerRegion) trails in \(ctx.region).")
        }
        let trail = CloudTrail.Trail(
            name: input.name, s3BucketName: input.s3BucketName, s3KeyPrefix: input.s3KeyPrefix, snsTopicName: input.snsTopicName,
            snsTopicARN: input.snsTopicName.map { ctx.scope.arn("sns", $0) },
            includeGlobalServiceEvents: input.includeGlobalServiceEvents ?? true, isMultiRegionTrail: input.isMultiRegionTrail ?? false,
            homeRegion: ctx.region, trailARN: Self.arn(ctx.scope, input.name), logFileValidationEnabled: input.enableLogFileValidation ?? false,
            cloudWatchLogsLogGroupArn: input.cloudWatchLogsLogGroupArn, cloudWatchLogsRoleArn: input.cloudWatchLogsRoleArn,
            kmsKeyId: input.kmsKeyId, hasCustomEventSelectors: false, hasInsightSelectors: false, isOrganizationTrail: false)
        try await save(TrailRecord(trail: trail))
        if let list = input.tagsList, !list.isEmpty {
            try await tags.setTags(arn: Self.arn(ctx.scope, input.name), list.map { (key: $0.key, value: $0.value ?? "") })
        }
        return Self.response(trail)
    }

    static func response(_ t: CloudTrail.Trail) -> CloudTrail.CreateTrailResponse {
        CloudTrail.CreateTrailResponse(
            name: t.name, s3BucketName: t.s3BucketName, s3KeyPrefix: t.s3KeyPrefix, snsTopicName: t.snsTopicName, snsTopicARN: t.snsTopicARN,
            includeGlobalServiceEvents: t.includeGlobalServiceEvents, isMultiRegionTrail: t.isMultiRegionTrail, trailARN: t.trailARN,
            logFileValidationEnabled: t.logFileValidationEnabled, cloudWatchLogsLogGroupArn: t.cloudWatchLogsLogGroupArn,
            cloudWatchLogsRoleArn: t.cloudWatchLogsRoleArn, kmsKeyId: t.kmsKeyId, isOrganizationTrail: t.isOrganizationTrail)
    }

    public func updateTrail(_ input: CloudTrail.UpdateTrailRequest, _ ctx: CallContext) async throws -> CloudTrail.UpdateTrailResponse {
        var t = try await require(ctx.scope, input.name)
        try await checkDestination(bucket: input.s3BucketName, topic: input.snsTopicName, logGroupArn: input.cloudWatchLogsLogGroupArn,
                                   multiRegion: input.isMultiRegionTrail ?? t.trail.isMultiRegionTrail ?? false,
                                   globalEvents: input.includeGlobalServiceEvents ?? t.trail.includeGlobalServiceEvents ?? true, ctx.scope)
        if let v = input.s3BucketName { t.trail.s3BucketName = v }
        if let v = input.s3KeyPrefix { t.trail.s3KeyPrefix = v.isEmpty ? nil : v }
        if let v = input.snsTopicName {
            t.trail.snsTopicName = v.isEmpty ? nil : v
            t.trail.snsTopicARN = v.isEmpty ? nil : ctx.scope.arn("sns", v)
        }
        if let v = input.includeGlobalServiceEvents { t.trail.includeGlobalServiceEvents = v }
        if let v = input.isMultiRegionTrail { t.trail.isMultiRegionTrail = v }
        if let v = input.enableLogFileValidation { t.trail.logFileValidationEnabled = v }
        if let v = input.cloudWatchLogsLogGroupArn { t.trail.cloudWatchLogsLogGroupArn = v.isEmpty ? nil : v }
        if let v = input.cloudWatchLogsRoleArn { t.trail.cloudWatchLogsRoleArn = v.isEmpty ? nil : v }
        if let v = input.kmsKeyId { t.trail.kmsKeyId = v.isEmpty ? nil : v }
        try await save(t)
        let r = Self.response(t.trail)
        return CloudTrail.UpdateTrailResponse(
            name: r.name, s3BucketName: r.s3BucketName, s3KeyPrefix: r.s3KeyPrefix, snsTopicName: r.snsTopicName, snsTopicARN: r.snsTopicARN,
            includeGlobalServiceEvents: r.includeGlobalServiceEvents, isMultiRegionTrail: r.isMultiRegionTrail, trailARN: r.trailARN,
            logFileValidationEnabled: r.logFileValidationEnabled, cloudWatchLogsLogGroupArn: r.cloudWatchLogsLogGroupArn,
            cloudWatchLogsRoleArn: r.cloudWatchLogsRoleArn, kmsKeyId: r.kmsKeyId, isOrganizationTrail: r.isOrganizationTrail)
    }

    public func deleteTrail(_ input: CloudTrail.DeleteTrailRequest, _ ctx: CallContext) async throws -> CloudTrail.DeleteTrailResponse {
        let t = try await require(ctx.scope, input.name)
        if t.trail.homeRegion != ctx.region {
            throw AWSError(Errors.invalidHomeRegionException,
                           "This operation must be called from the trail's home region, \(t.trail.homeRegion ?? "").")
        }
        _ = try await resources.delete(kind: Self.kind, scope: ResourceScope(accountId: Self.account(of: t), region: t.trail.homeRegion ?? ""),
                                       names: [t.name], allOrNothing: false)
        try await tags.removeAllTags(arn: t.trail.trailARN ?? "")
        try await refreshDataEventRecording()
        return CloudTrail.DeleteTrailResponse()
    }

    public func getTrail(_ input: CloudTrail.GetTrailRequest, _ ctx: CallContext) async throws -> CloudTrail.GetTrailResponse {
        CloudTrail.GetTrailResponse(trail: try await require(ctx.scope, input.name).trail)
    }

    public func describeTrails(_ input: CloudTrail.DescribeTrailsRequest, _ ctx: CallContext) async throws -> CloudTrail.DescribeTrailsResponse {
        var list = try await trails(ctx.scope)
        if input.includeShadowTrails == false { list = list.filter { $0.trail.homeRegion == ctx.region } }
        if let names = input.trailNameList, !names.isEmpty {
            list = list.filter { names.contains($0.name) || names.contains($0.trail.trailARN ?? "") }
        }
        return CloudTrail.DescribeTrailsResponse(trailList: list.map(\.trail))
    }

    public func listTrails(_ input: CloudTrail.ListTrailsRequest, _ ctx: CallContext) async throws -> CloudTrail.ListTrailsResponse {
        CloudTrail.ListTrailsResponse(trails: try await trails(ctx.scope).map {
            CloudTrail.TrailInfo(trailARN: $0.trail.trailARN, name: $0.name, homeRegion: $0.trail.homeRegion)
        })
    }

    public func startLogging(_ input: CloudTrail.StartLoggingRequest, _ ctx: CallContext) async throws -> CloudTrail.StartLoggingResponse {
        var t = try await require(ctx.scope, input.name)
        if !t.isLogging {
            t.isLogging = true
            t.startLoggingTime = clock.now()
            // Delivery starts with the calls made from now on.
            try await recorder?.flush()
            t.deliveredSeq = try await latestSeq(Self.account(of: t))
            if t.digestStart == nil { t.digestStart = clock.now() }
        }
        try await save(t)
        return CloudTrail.StartLoggingResponse()
    }

    func latestSeq(_ account: String) async throws -> Int64 {
        guard let events = eventsStore else { return 0 }
        var seq: Int64 = 0
        while true {
            let batch = try await events.events(accountId: account, after: seq, limit: 10_000)
            guard let last = batch.last else { return seq }
            seq = last.seq
        }
    }

    var eventsStore: (any TrailEventStore)? { recorder?.store }

    public func stopLogging(_ input: CloudTrail.StopLoggingRequest, _ ctx: CallContext) async throws -> CloudTrail.StopLoggingResponse {
        var t = try await require(ctx.scope, input.name)
        if t.isLogging {
            t.isLogging = false
            t.stopLoggingTime = clock.now()
        }
        try await save(t)
        return CloudTrail.StopLoggingResponse()
    }

    public func getTrailStatus(_ input: CloudTrail.GetTrailStatusRequest, _ ctx: CallContext) async throws -> CloudTrail.GetTrailStatusResponse {
        let t = try await require(ctx.scope, input.name)
        func text(_ d: Date?) -> String? { d.map { Timestamps.iso8601($0) } }
        return CloudTrail.GetTrailStatusResponse(
            isLogging: t.isLogging, latestDeliveryError: t.latestDeliveryError, latestDeliveryTime: t.latestDeliveryTime,
            startLoggingTime: t.startLoggingTime, stopLoggingTime: t.stopLoggingTime,
            latestCloudWatchLogsDeliveryTime: t.latestCloudWatchLogsDeliveryTime, latestDigestDeliveryTime: t.latestDigestDeliveryTime,
            latestDeliveryAttemptTime: text(t.latestDeliveryTime) ?? "", latestNotificationAttemptTime: "",
            latestNotificationAttemptSucceeded: "", latestDeliveryAttemptSucceeded: text(t.latestDeliveryTime) ?? "",
            timeLoggingStarted: text(t.startLoggingTime) ?? "", timeLoggingStopped: text(t.stopLoggingTime) ?? "")
    }

    // MARK: Selectors

    public func putEventSelectors(_ input: CloudTrail.PutEventSelectorsRequest, _ ctx: CallContext) async throws -> CloudTrail.PutEventSelectorsResponse {
        var t = try await require(ctx.scope, input.trailName)
        let basic = input.eventSelectors ?? []
        let advanced = input.advancedEventSelectors ?? []
        if basic.isEmpty == advanced.isEmpty {
            throw AWSError(Errors.invalidParameterCombinationException, "Specify either event selectors or advanced event selectors, but not both.")
        }
        if basic.count > 5 {
            throw AWSError(Errors.invalidEventSelectorsException, "You have exceeded the maximum number of event selectors (5) for this trail.")
        }
        for s in basic {
            if let rw = s.readWriteType, !["ReadOnly", "WriteOnly", "All"].contains(rw) {
                throw AWSError(Errors.invalidEventSelectorsException, "Value \(rw) for ReadWriteType is invalid.")
            }
            for r in s.dataResources ?? [] where !["AWS::S3::Object", "AWS::Lambda::Function", "AWS::DynamoDB::Table", "AWS::Logs::LogGroup", "AWS::CloudWatch::Metric"].contains(r.type ?? "") {
                throw AWSError(Errors.invalidEventSelectorsException, "Value \(r.type ?? "") for DataResources.Type is invalid.")
            }
        }
        for s in advanced where !s.fieldSelectors.contains(where: { $0.field == "eventCategory" }) {
            throw AWSError(Errors.invalidEventSelectorsException, "Each advanced event selector must have an eventCategory field selector.")
        }
        t.eventSelectors = basic.isEmpty ? nil : basic
        t.advancedEventSelectors = advanced.isEmpty ? nil : advanced
        t.trail.hasCustomEventSelectors = true
        try await save(t)
        try await refreshDataEventRecording()
        return CloudTrail.PutEventSelectorsResponse(trailARN: t.trail.trailARN, eventSelectors: t.eventSelectors,
                                                    advancedEventSelectors: t.advancedEventSelectors)
    }

    public func getEventSelectors(_ input: CloudTrail.GetEventSelectorsRequest, _ ctx: CallContext) async throws -> CloudTrail.GetEventSelectorsResponse {
        let t = try await require(ctx.scope, input.trailName)
        let selectors = t.eventSelectors ?? (t.advancedEventSelectors == nil
            ? [CloudTrail.EventSelector(readWriteType: "All", includeManagementEvents: true, dataResources: [], excludeManagementEventSources: [])] : nil)
        return CloudTrail.GetEventSelectorsResponse(trailARN: t.trail.trailARN, eventSelectors: selectors, advancedEventSelectors: t.advancedEventSelectors)
    }

    /// Sets the recorder's data-event switch from the stored trails at start (and every minute,
    /// for trails another node changed), on every node.
    public var job: Job {
        Job("cloudtrail.data-event-selectors", every: 60, singleton: false, runsAtStart: true) { [self] in
            try await refreshDataEventRecording()
        }
    }

    /// Data events are recorded only while some trail selects them.
    func refreshDataEventRecording() async throws {
        let any = try await allTrails().contains { t in
            (t.eventSelectors ?? []).contains { !($0.dataResources ?? []).isEmpty }
                || (t.advancedEventSelectors ?? []).contains { $0.fieldSelectors.contains { $0.field == "eventCategory" && ($0.equals ?? []).contains("Data") } }
        }
        recorder?.recordDataEvents(any)
    }

    public func putInsightSelectors(_ input: CloudTrail.PutInsightSelectorsRequest, _ ctx: CallContext) async throws -> CloudTrail.PutInsightSelectorsResponse {
        guard let name = input.trailName else {
            throw AWSError(Errors.invalidParameterCombinationException, "A trail name or an event data store is required.")
        }
        var t = try await require(ctx.scope, name)
        for s in input.insightSelectors where !["ApiCallRateInsight", "ApiErrorRateInsight"].contains(s.insightType ?? "") {
            throw AWSError(Errors.invalidInsightSelectorsException, "The insight type \(s.insightType ?? "") is not valid.")
        }
        t.insightSelectors = input.insightSelectors
        t.trail.hasInsightSelectors = !input.insightSelectors.isEmpty
        try await save(t)
        return CloudTrail.PutInsightSelectorsResponse(trailARN: t.trail.trailARN, insightSelectors: input.insightSelectors)
    }

    public func getInsightSelectors(_ input: CloudTrail.GetInsightSelectorsRequest, _ ctx: CallContext) async throws -> CloudTrail.GetInsightSelectorsResponse {
        guard let name = input.trailName else {
            throw AWSError(Errors.invalidParameterCombinationException, "A trail name or an event data store is required.")
        }
        let t = try await require(ctx.scope, name)
        guard let s = t.insightSelectors, !s.isEmpty else {
            throw AWSError(Errors.insightNotEnabledException, "Trail \(t.name) does not have Insights enabled. Edit the trail settings to enable Insights, and then try the operation again.")
        }
        return CloudTrail.GetInsightSelectorsResponse(trailARN: t.trail.trailARN, insightSelectors: s)
    }

    // MARK: Tags

    public func addTags(_ input: CloudTrail.AddTagsRequest, _ ctx: CallContext) async throws -> CloudTrail.AddTagsResponse {
        let t = try await require(ctx.scope, input.resourceId)
        let existing = try await tags.tags(arn: t.trail.trailARN ?? "")
        if Set(existing.map(\.key)).union(input.tagsList.map(\.key)).count > 50 {
            throw AWSError(Errors.tagsLimitExceededException, "The number of tags per trail has exceeded the permitted amount. Currently, the limit is 50.")
        }
        try await tags.setTags(arn: t.trail.trailARN ?? "", input.tagsList.map { (key: $0.key, value: $0.value ?? "") })
        return CloudTrail.AddTagsResponse()
    }

    public func removeTags(_ input: CloudTrail.RemoveTagsRequest, _ ctx: CallContext) async throws -> CloudTrail.RemoveTagsResponse {
        let t = try await require(ctx.scope, input.resourceId)
        try await tags.removeTags(arn: t.trail.trailARN ?? "", keys: input.tagsList.map(\.key))
        return CloudTrail.RemoveTagsResponse()
    }

    public func listTags(_ input: CloudTrail.ListTagsRequest, _ ctx: CallContext) async throws -> CloudTrail.ListTagsResponse {
        var out: [CloudTrail.ResourceTag] = []
        for id in input.resourceIdList {
            let t = try await require(ctx.scope, id)
            let list = try await tags.tags(arn: t.trail.trailARN ?? "")
            out.append(CloudTrail.ResourceTag(resourceId: t.trail.trailARN, tagsList: list.map { CloudTrail.Tag(key: $0.key, value: $0.value) }))
        }
        return CloudTrail.ListTagsResponse(resourceTagList: out)
    }

    // MARK: Keys

    public func listPublicKeys(_ input: CloudTrail.ListPublicKeysRequest, _ ctx: CallContext) async throws -> CloudTrail.ListPublicKeysResponse {
        let all = try await keys.all()
        let end = input.endTime ?? clock.now()
        return CloudTrail.ListPublicKeysResponse(publicKeyList: all.enumerated().compactMap { i, k in
            let validEnd = i + 1 < all.count ? all[i + 1].createdAt : Date.distantFuture
            if let start = input.startTime, validEnd < start { return nil }
            if k.createdAt > end.addingTimeInterval(1) { return nil }
            // PKCS#1 DER (the AWS CLI leaves the blob as base64 text and loads it with rsa.load_pkcs1).
            return CloudTrail.PublicKey(value: Blob(Array(k.publicDER)), validityStartTime: k.createdAt,
                                        validityEndTime: i + 1 < all.count ? all[i + 1].createdAt : k.createdAt.addingTimeInterval(365 * 86400),
                                        fingerprint: k.fingerprint)
        })
    }
}

extension AWSError {
    /// This error, or one with `message` when `condition` holds.
    func replacingMessage(if condition: Bool, _ message: String) -> AWSError {
        condition ? AWSError(type, message) : self
    }
}
