import AWSShapes
import Crypto
public import Foundation
import S3Subset
public import Runtime
public import Storage
public import TrailwatchCore

/// Delivers logging trails' events: gzipped `{"Records":[...]}` files at AWS's key layout in
/// the trail's bucket, events copied into the trail's CloudWatch Logs group, and, with log
/// file validation on, digest files chained through `previousDigestSignature` and signed
/// SHA256withRSA. `deliver` is called on the delivery interval (about 5 minutes, as AWS).
public struct TrailDelivery: Sendable {
    let trails: TrailsService
    let events: any TrailEventStore
    let clock: any WallClock
    /// How often a digest file is written (hourly on AWS).
    let digestInterval: TimeInterval

    public init(trails: TrailsService, events: any TrailEventStore, clock: any WallClock, digestInterval: TimeInterval = 3600) {
        self.trails = trails
        self.events = events
        self.clock = clock
        self.digestInterval = digestInterval
    }

    /// Delivers logging trails' files (and digests) every `every` seconds on one node, and
    /// once more at shutdown. The trail's delivery position is stored with it, so a restart
    /// resumes where the last delivery stopped.
    public func job(every: Double) -> Job {
        Job("cloudtrail.delivery", every: every, atShutdown: { [self] in _ = try await deliver() }) { [self] in
            _ = try await deliver()
        }
    }

    /// Delivers every logging trail; returns the number of files written.
    @discardableResult
    public func deliver() async throws -> Int {
        try await trails.recorder?.flush()
        var written = 0
        for var t in try await trails.allTrails() where t.isLogging {
            // The delivery position moves only when every file of the run was written: a
            // failed run is retried from the same events next time (a file written before the
            // failure may then be delivered twice, as CloudTrail itself may).
            var attempt = t
            do {
                written += try await deliver(&attempt)
                attempt.latestDeliveryError = nil
                t = attempt
            } catch {
                t.latestDeliveryError = "\(error)"
            }
            try await trails.save(t)
        }
        return written
    }

    func deliver(_ t: inout TrailRecord) async throws -> Int {
        let account = TrailsService.account(of: t)
        let home = t.trail.homeRegion ?? "us-east-1"
        var byRegion: [String: [TrailEventRecord]] = [:]
        while true {
            let batch = try await events.events(accountId: account, after: t.deliveredSeq, limit: 5000)
            guard let last = batch.last else { break }
            for e in batch where (t.trail.isMultiRegionTrail == true || e.region == home) && t.selects(Self.facts(e)) {
                byRegion[e.region, default: []].append(e)
            }
            t.deliveredSeq = last.seq
        }
        var written = 0
        let now = clock.now()
        for (region, list) in byRegion.sorted(by: { $0.key < $1.key }) {
            guard let bucket = t.trail.s3BucketName else { continue }
            let body = Array(("{\"Records\":[" + list.map(\.json).joined(separator: ",") + "]}").utf8)
            let key = Self.logKey(prefix: t.trail.s3KeyPrefix, account: account, region: region, at: now)
            try await put(bucket: bucket, key: key, body: Gzip.deflate(body), metadata: [:])
            written += 1
            t.latestDeliveryTime = now
            if let topic = t.trail.snsTopicARN, let notify = trails.notify {
                // AWS's notification: the bucket and the new object's key.
                var w = JSONWriter()
                w.value(.map(["s3Bucket": .string(bucket), "s3ObjectKey": .list([.string(key)])]))
                try await notify(topic, String(decoding: w.bytes, as: UTF8.self))
            }
            if t.trail.logFileValidationEnabled == true {
                let times = list.map(\.time)
                t.pendingFiles.append(.init(bucket: bucket, key: key, hash: Self.sha256(body),
                                            newest: Self.time(times.max()!), oldest: Self.time(times.min()!)))
            }
        }
        if let arn = t.trail.cloudWatchLogsLogGroupArn, let sink = trails.logSink, let groupName = TrailsService.logGroupName(arn) {
            try await deliverToLogs(byRegion, sink: sink, groupName: groupName, account: account, home: home)
            if !byRegion.isEmpty { t.latestCloudWatchLogsDeliveryTime = now }
        }
        if t.trail.logFileValidationEnabled == true, let start = t.digestStart, now.timeIntervalSince(start) >= digestInterval {
            try await writeDigest(&t, account: account, home: home, start: start, end: now)
            written += 1
        }
        return written
    }

    static func facts(_ e: TrailEventRecord) -> EventFacts {
        let type: String?
        switch e.eventSource {
        case "s3.amazonaws.com": type = "AWS::S3::Object"
        case "logs.amazonaws.com": type = "AWS::Logs::LogGroup"
        case "monitoring.amazonaws.com": type = "AWS::CloudWatch::Metric"
        default: type = e.resources.first?.type
        }
        return EventFacts(management: e.management, readOnly: e.readOnly, eventSource: e.eventSource, eventName: e.eventName, resourceType: type)
    }

    // MARK: Files

    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")

    /// `<prefix>/AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<unique>.json.gz`
    static func logKey(prefix: String?, account: String, region: String, at date: Date) -> String {
        let (y, mo, d, h, mi, _) = parts(date)
        let unique = String((0..<16).map { _ in alphabet.randomElement()! })
        let stamp = "\(y)\(pad(mo))\(pad(d))T\(pad(h))\(pad(mi))Z"
        return (prefix.map { "\($0)/" } ?? "") + "AWSLogs/\(account)/CloudTrail/\(region)/\(y)/\(pad(mo))/\(pad(d))/\(account)_CloudTrail_\(region)_\(stamp)_\(unique).json.gz"
    }

    /// `<prefix>/AWSLogs/<account>/CloudTrail-Digest/<region>/YYYY/MM/DD/<account>_CloudTrail-Digest_<region>_<trail>_<home>_<YYYYMMDDTHHmmssZ>.json.gz`
    static func digestKey(prefix: String?, account: String, region: String, trail: String, home: String, at date: Date) -> String {
        let (y, mo, d, h, mi, s) = parts(date)
        let stamp = "\(y)\(pad(mo))\(pad(d))T\(pad(h))\(pad(mi))\(pad(s))Z"
        return (prefix.map { "\($0)/" } ?? "")
            + "AWSLogs/\(account)/CloudTrail-Digest/\(region)/\(y)/\(pad(mo))/\(pad(d))/\(account)_CloudTrail-Digest_\(region)_\(trail)_\(home)_\(stamp).json.gz"
    }

    static func parts(_ date: Date) -> (Int, Int, Int, Int, Int, Int) {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        let c = cal.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return (c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
    }

    static func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    /// `2026-11-21T20:00:00Z`
    static func time(_ date: Date) -> String {
        let (y, mo, d, h, mi, s) = parts(date)
        return "\(y)-\(pad(mo))-\(pad(d))T\(pad(h)):\(pad(mi)):\(pad(s))Z"
    }

    static func time(_ millis: Int64) -> String { time(Date(timeIntervalSince1970: Double(millis) / 1000)) }

    static func sha256(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    func put(bucket: String, key: String, body: [UInt8], metadata: [String: String]) async throws {
        try await trails.objects.putObject(ObjectRecord(bucket: bucket, key: key, size: body.count, etag: S3Service.etag(body),
                                                        contentType: "application/json", lastModified: clock.now(), metadata: metadata),
                                           body: body)
    }

    // MARK: Digests

    func writeDigest(_ t: inout TrailRecord, account: String, home: String, start: Date, end: Date) async throws {
        guard let bucket = t.trail.s3BucketName else { return }
        let key = Self.digestKey(prefix: t.trail.s3KeyPrefix, account: account, region: home, trail: t.name, home: home, at: end)
        let signingKey = try await trails.keys.current()
        var w = JSONWriter()
        w.beginObject()
        func field(_ k: String, _ v: String?) {
            w.key(k)
            if let v { w.string(v) } else { w.null() }
            w.comma()
        }
        field("awsAccountId", account)
        field("digestStartTime", Self.time(start))
        field("digestEndTime", Self.time(end))
        field("digestS3Bucket", bucket)
        field("digestS3Object", key)
        field("digestPublicKeyFingerprint", signingKey.fingerprint)
        field("digestSignatureAlgorithm", "SHA256withRSA")
        field("newestEventTime", t.pendingFiles.map(\.newest).max())
        field("oldestEventTime", t.pendingFiles.map(\.oldest).min())
        field("previousDigestS3Bucket", t.lastDigestBucket)
        field("previousDigestS3Object", t.lastDigestKey)
        field("previousDigestHashValue", t.lastDigestHash)
        field("previousDigestHashAlgorithm", t.lastDigestHash == nil ? nil : "SHA-256")
        field("previousDigestSignature", t.lastDigestSignature)
        w.key("logFiles"); w.beginArray()
        for (i, f) in t.pendingFiles.enumerated() {
            if i > 0 { w.comma() }
            w.beginObject()
            w.key("s3Bucket"); w.string(f.bucket); w.comma()
            w.key("s3Object"); w.string(f.key); w.comma()
            w.key("hashValue"); w.string(f.hash); w.comma()
            w.key("hashAlgorithm"); w.string("SHA-256"); w.comma()
            w.key("newestEventTime"); w.string(f.newest); w.comma()
            w.key("oldestEventTime"); w.string(f.oldest)
            w.endObject()
        }
        w.endArray()
        w.endObject()
        let body = w.bytes
        let hash = Self.sha256(body)
        // What the AWS CLI verifies: end time, location, the digest's hash, the previous signature.
        let toSign = "\(Self.time(end))\n\(bucket)/\(key)\n\(hash)\n\(t.lastDigestSignature ?? "null")"
        let signature = try await trails.keys.sign(toSign, with: signingKey)
        try await put(bucket: bucket, key: key, body: Gzip.deflate(body),
                      metadata: ["signature": signature, "signature-algorithm": "SHA256withRSA"])
        t.pendingFiles = []
        t.digestStart = end
        t.lastDigestBucket = bucket
        t.lastDigestKey = key
        t.lastDigestHash = hash
        t.lastDigestSignature = signature
        t.latestDigestDeliveryTime = end
    }

    // MARK: CloudWatch Logs

    /// Events go to the group's stream `<account>_CloudTrail_<region>`, as AWS names it.
    func deliverToLogs(_ byRegion: [String: [TrailEventRecord]], sink: any LogSink, groupName: String, account: String, home: String) async throws {
        for (region, list) in byRegion {
            let sorted = list.sorted { $0.time < $1.time }
            _ = try await sink.deliver(scope: ResourceScope(accountId: account, region: home), group: groupName,
                                       stream: "\(account)_CloudTrail_\(region)", events: sorted.map { (timestamp: $0.time, message: $0.json) })
        }
    }
}
