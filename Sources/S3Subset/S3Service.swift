public import AWSWire
import Crypto
import Foundation
public import Storage
public import TrailwatchCore

/// The S3 subset Trailwatch serves (path-style REST XML): CreateBucket, HeadBucket,
/// ListBuckets, DeleteBucket, PutObject, GetObject, HeadObject, DeleteObject, ListObjectsV2.
/// Enough for `aws s3 ls` / `aws s3 cp`, log exports and trail delivery.
public struct S3Service: Sendable {
    let store: any ObjectStore
    let clock: any WallClock

    public init(store: any ObjectStore, clock: any WallClock) {
        self.store = store
        self.clock = clock
    }

    static let xmlns = "http://s3.amazonaws.com/doc/2006-03-01/"

    /// One REST request, as the server hands it over.
    public struct Request: Sendable {
        public var method: String
        public var rawPath: String
        public var rawQuery: String
        public var headers: [(String, String)]
        public var body: [UInt8]

        public init(method: String, rawPath: String, rawQuery: String, headers: [(String, String)], body: [UInt8]) {
            self.method = method
            self.rawPath = rawPath
            self.rawQuery = rawQuery
            self.headers = headers
            self.body = body
        }

        func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name }?.1
        }
    }

    /// The operation a request names (for the route table's records and errors).
    public static func operation(method: String, rawPath: String, rawQuery: String) -> String {
        let (bucket, key) = split(rawPath)
        switch (method, bucket.isEmpty, key.isEmpty) {
        case ("GET", true, _): return "ListBuckets"
        case ("PUT", false, true): return "CreateBucket"
        case ("HEAD", false, true): return "HeadBucket"
        case ("DELETE", false, true): return "DeleteBucket"
        case ("GET", false, true):
            if rawQuery == "location" || rawQuery.hasPrefix("location&") || rawQuery.hasPrefix("location=") { return "GetBucketLocation" }
            let keys = PercentEncoding.parseForm(Substring(rawQuery), plusIsSpace: false).map(\.0)
            if keys.contains("versions") { return "ListObjectVersions" }
            // Any other sub-resource (?acl, ?policy, ?tagging...) is an operation not built here,
            // never a listing.
            if keys.contains(where: { !Self.listingParameters.contains($0) && !$0.hasPrefix("X-Amz-") }) { return "Unknown" }
            return keys.contains("list-type") ? "ListObjectsV2" : "ListObjects"
        case ("PUT", false, false): return "PutObject"
        case ("GET", false, false): return "GetObject"
        case ("HEAD", false, false): return "HeadObject"
        case ("DELETE", false, false): return "DeleteObject"
        default: return "Unknown"
        }
    }

    /// The query parameters of ListObjects and ListObjectsV2.
    static let listingParameters: Set<String> = [
        "list-type", "prefix", "delimiter", "marker", "max-keys", "continuation-token", "start-after",
        "encoding-type", "fetch-owner", "x-id",
    ]

    /// The request parameters CloudTrail records for a call: the bucket and key it names.
    public static func auditParameters(rawPath: String) -> WireValue {
        let (bucket, key) = split(rawPath)
        var m: [String: WireValue] = [:]
        if !bucket.isEmpty { m["bucketName"] = .string(bucket) }
        if !key.isEmpty { m["key"] = .string(key) }
        return .map(m)
    }

    /// `/bucket/some/key` -> ("bucket", "some/key"), percent-decoded.
    static func split(_ rawPath: String) -> (bucket: String, key: String) {
        var path = Substring(rawPath)
        if path.hasPrefix("/") { path = path.dropFirst() }
        guard let slash = path.firstIndex(of: "/") else {
            return (PercentEncoding.decode(path, plusIsSpace: false), "")
        }
        return (PercentEncoding.decode(path[..<slash], plusIsSpace: false),
                PercentEncoding.decode(path[path.index(after: slash)...], plusIsSpace: false))
    }

    public func handle(_ req: Request, _ ctx: CallContext) async throws -> WireResponse {
        try checkPayloadHash(req)
        let (bucket, key) = Self.split(req.rawPath)
        let query = PercentEncoding.parseForm(Substring(req.rawQuery), plusIsSpace: false)
        let operation = Self.operation(method: req.method, rawPath: req.rawPath, rawQuery: req.rawQuery)
        if operation != "ListBuckets", operation != "CreateBucket", let b = try await store.bucket(bucket),
           b.accountId != ctx.identity.accountId {
            // Another account's bucket: no bucket policy grants access yet ([9]), so S3 refuses.
            if operation == "HeadBucket" { return WireResponse(status: 403, headers: [], body: []) }
            var denied = AWSError(AWSErrorType("AccessDenied", status: 403), "Access Denied")
            denied.resourceOwner = b.accountId
            throw denied
        }
        switch operation {
        case "ListBuckets": return try await listBuckets(ctx)
        case "CreateBucket": return try await createBucket(bucket, req, ctx)
        case "HeadBucket": return try await headBucket(bucket)
        case "GetBucketLocation":
            let b = try await requireBucket(bucket)
            return Self.xml { w in
                w.open("LocationConstraint", xmlns: Self.xmlns)
                if b.region != "us-east-1" { w.raw(XMLWriter.escape(b.region)) }
                w.close("LocationConstraint")
            }
        case "DeleteBucket": return try await deleteBucket(bucket, ctx)
        case "ListObjectsV2", "ListObjects": return try await listObjects(bucket, query: query, v2: req.rawQuery.contains("list-type=2"))
        case "PutObject": return try await putObject(bucket, key, req)
        case "GetObject": return try await getObject(bucket, key, head: false)
        case "HeadObject": return try await getObject(bucket, key, head: true)
        case "DeleteObject": return try await deleteObject(bucket, key)
        default:
            throw AWSError(AWSErrorType("NotImplemented", status: 501),
                           "Trailwatch's S3 subset does not implement \(req.method) \(req.rawPath)?\(req.rawQuery).")
        }
    }

    /// A declared body hash must be the body's (S3's XAmzContentSHA256Mismatch).
    func checkPayloadHash(_ req: Request) throws {
        guard let declared = req.header("x-amz-content-sha256"), declared.count == 64 else { return }
        let actual = SHA256.hash(data: req.body).map { String(format: "%02x", $0) }.joined()
        if actual != declared.lowercased() {
            throw AWSError(AWSErrorType("XAmzContentSHA256Mismatch", status: 400),
                           "The provided 'x-amz-content-sha256' header does not match what was computed.",
                           fields: ["ClientComputedContentSHA256": .string(declared), "S3ComputedContentSHA256": .string(actual)])
        }
    }

    static func noSuchBucket(_ name: String) -> AWSError {
        AWSError(AWSErrorType("NoSuchBucket", status: 404), "The specified bucket does not exist", fields: ["BucketName": .string(name)])
    }

    func requireBucket(_ name: String) async throws -> BucketRecord {
        guard let b = try await store.bucket(name) else { throw Self.noSuchBucket(name) }
        return b
    }

    static func xml(_ build: (inout XMLWriter) -> Void) -> WireResponse {
        var w = XMLWriter()
        w.declaration()
        build(&w)
        return WireResponse(status: 200, headers: [("Content-Type", "application/xml")], body: Array(w.text.utf8))
    }

    // MARK: Buckets

    /// S3's bucket naming rules (the general-purpose bucket subset).
    static func validBucketName(_ name: String) -> Bool {
        let chars = Array(name.utf8)
        guard chars.count >= 3, chars.count <= 63 else { return false }
        func alnum(_ c: UInt8) -> Bool { (c >= 97 && c <= 122) || (c >= 48 && c <= 57) }
        guard alnum(chars.first!), alnum(chars.last!) else { return false }
        guard chars.allSatisfy({ alnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") }) else { return false }
        if name.contains("..") { return false }
        let parts = name.split(separator: ".")
        if parts.count == 4, parts.allSatisfy({ UInt8($0) != nil }) { return false }
        return true
    }

    func createBucket(_ name: String, _ req: Request, _ ctx: CallContext) async throws -> WireResponse {
        guard Self.validBucketName(name) else {
            throw AWSError(AWSErrorType("InvalidBucketName", status: 400), "The specified bucket is not valid.", fields: ["BucketName": .string(name)])
        }
        var region = ctx.region
        if let text = String(bytes: req.body, encoding: .utf8), let r = text.range(of: "<LocationConstraint>"),
           let end = text.range(of: "</LocationConstraint>", range: r.upperBound..<text.endIndex) {
            region = String(text[r.upperBound..<end.lowerBound])
        }
        let created = try await store.createBucket(BucketRecord(name: name, accountId: ctx.identity.accountId, region: region, createdAt: clock.now()))
        if !created {
            let existing = try await store.bucket(name)
            if existing?.accountId == ctx.identity.accountId {
                // us-east-1 answers success to its owner; other regions refuse.
                if ctx.region != "us-east-1" {
                    throw AWSError(AWSErrorType("BucketAlreadyOwnedByYou", status: 409),
                                   "Your previous request to create the named bucket succeeded and you already own it.", fields: ["BucketName": .string(name)])
                }
            } else {
                throw AWSError(AWSErrorType("BucketAlreadyExists", status: 409),
                               "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.",
                               fields: ["BucketName": .string(name)])
            }
        }
        return WireResponse(status: 200, headers: [("Location", "/\(name)")], body: [])
    }

    func headBucket(_ name: String) async throws -> WireResponse {
        guard let b = try await store.bucket(name) else { return WireResponse(status: 404, headers: [], body: []) }
        return WireResponse(status: 200, headers: [("x-amz-bucket-region", b.region)], body: [])
    }

    func listBuckets(_ ctx: CallContext) async throws -> WireResponse {
        let buckets = try await store.buckets(accountId: ctx.identity.accountId)
        return Self.xml { w in
            w.open("ListAllMyBucketsResult", xmlns: Self.xmlns)
            w.open("Owner")
            w.element("ID", ctx.identity.accountId)
            w.element("DisplayName", "trailwatch")
            w.close("Owner")
            w.open("Buckets")
            for b in buckets {
                w.open("Bucket")
                w.element("Name", b.name)
                w.element("CreationDate", Timestamps.iso8601(b.createdAt))
                w.close("Bucket")
            }
            w.close("Buckets")
            w.close("ListAllMyBucketsResult")
        }
    }

    func deleteBucket(_ name: String, _ ctx: CallContext) async throws -> WireResponse {
        switch try await store.deleteBucket(name) {
        case .deleted: return WireResponse(status: 204, headers: [], body: [])
        case .missing: throw Self.noSuchBucket(name)
        case .notEmpty:
            throw AWSError(AWSErrorType("BucketNotEmpty", status: 409), "The bucket you tried to delete is not empty", fields: ["BucketName": .string(name)])
        }
    }

    // MARK: Objects

    public static func etag(_ body: [UInt8]) -> String {
        "\"" + Insecure.MD5.hash(data: body).map { String(format: "%02x", $0) }.joined() + "\""
    }

    func putObject(_ bucket: String, _ key: String, _ req: Request) async throws -> WireResponse {
        _ = try await requireBucket(bucket)
        var metadata: [String: String] = [:]
        for (k, v) in req.headers where k.lowercased().hasPrefix("x-amz-meta-") { metadata[String(k.lowercased().dropFirst(11))] = v }
        var body = req.body
        var headers: [(String, String)] = []
        if AWSChunked.isChunked(req.headers) {
            let decoded = try AWSChunked.decode(req.body)
            if let declared = req.header("x-amz-decoded-content-length").flatMap(Int.init), declared != decoded.payload.count {
                throw AWSChunked.malformed()
            }
            if let crc = decoded.trailers["x-amz-checksum-crc32"] ?? req.header("x-amz-checksum-crc32") {
                var be = Gzip.crc32(decoded.payload).bigEndian
                let actual = Base64.encode(withUnsafeBytes(of: &be) { Array($0) })
                guard actual == crc else {
                    throw AWSError(AWSErrorType("BadDigest", status: 400), "The CRC32 you specified did not match the calculated checksum.")
                }
                headers.append(("x-amz-checksum-crc32", crc))
            }
            body = decoded.payload
        }
        let record = ObjectRecord(bucket: bucket, key: key, size: body.count, etag: Self.etag(body),
                                  contentType: req.header("content-type") ?? "binary/octet-stream", lastModified: clock.now(), metadata: metadata)
        try await put(record, body: body)
        return WireResponse(status: 200, headers: [("ETag", record.etag)] + headers, body: [])
    }

    /// Stores an object written by Trailwatch itself (exports, trail files).
    public func put(_ record: ObjectRecord, body: [UInt8]) async throws {
        try await store.putObject(record, body: body)
    }

    func getObject(_ bucket: String, _ key: String, head: Bool) async throws -> WireResponse {
        _ = try await requireBucket(bucket)
        let found: (ObjectRecord, [UInt8])?
        if head {
            found = try await store.headObject(bucket: bucket, key: key).map { ($0, []) }
        } else {
            found = try await store.object(bucket: bucket, key: key)
        }
        guard let (o, body) = found else {
            if head { return WireResponse(status: 404, headers: [], body: []) }
            throw AWSError(AWSErrorType("NoSuchKey", status: 404), "The specified key does not exist.", fields: ["Key": .string(key)])
        }
        var headers = [("Content-Type", o.contentType), ("ETag", o.etag), ("Last-Modified", Timestamps.rfc822(o.lastModified)),
                       ("Accept-Ranges", "bytes")]
        if head { headers.append(("Content-Length", String(o.size))) }
        for (k, v) in o.metadata.sorted(by: { $0.key < $1.key }) { headers.append(("x-amz-meta-\(k)", v)) }
        return WireResponse(status: 200, headers: headers, body: body)
    }

    func deleteObject(_ bucket: String, _ key: String) async throws -> WireResponse {
        _ = try await requireBucket(bucket)
        try await store.deleteObject(bucket: bucket, key: key)
        return WireResponse(status: 204, headers: [], body: [])
    }

    func listObjects(_ bucket: String, query: [(String, String)], v2: Bool) async throws -> WireResponse {
        _ = try await requireBucket(bucket)
        func q(_ name: String) -> String? { query.first { $0.0 == name }?.1 }
        let prefix = q("prefix") ?? ""
        let delimiter = q("delimiter").flatMap { $0.isEmpty ? nil : $0 }
        let maxKeys = min(max(Int(q("max-keys") ?? "1000") ?? 1000, 0), 1000)
        let urlEncoded = q("encoding-type") == "url"
        let token = q("continuation-token")
        var after: String?
        if let token {
            guard let bytes = Base64.decode(token) else {
                throw AWSError(AWSErrorType("InvalidArgument", status: 400), "The continuation token provided is incorrect")
            }
            after = String(decoding: bytes, as: UTF8.self)
        } else {
            after = q(v2 ? "start-after" : "marker")
        }
        // Walk keys in order, folding those past the delimiter into common prefixes.
        var contents: [ObjectRecord] = []
        var prefixes: [String] = []
        var last: String?
        var truncated = false
        var cursor = after
        scan: while true {
            let batch = try await store.listObjects(bucket: bucket, prefix: prefix, after: cursor, limit: 1000)
            if batch.isEmpty { break }
            for o in batch {
                cursor = o.key
                if contents.count + prefixes.count == maxKeys {
                    truncated = true
                    break scan
                }
                if let delimiter, let r = o.key.dropFirst(prefix.count).range(of: delimiter) {
                    let common = String(o.key[..<r.upperBound])
                    if prefixes.last != common { prefixes.append(common) }
                    // Skip the rest of this common prefix.
                    cursor = common + "\u{10FFFF}"
                    last = common
                    continue scan
                }
                contents.append(o)
                last = o.key
            }
            if batch.count < 1000 { break }
        }
        func enc(_ s: String) -> String { urlEncoded ? PercentEncoding.encode(s, keepSlash: true) : s }
        return Self.xml { w in
            w.open("ListBucketResult", xmlns: Self.xmlns)
            w.element("Name", bucket)
            w.element("Prefix", enc(prefix))
            if let delimiter { w.element("Delimiter", enc(delimiter)) }
            w.element("MaxKeys", String(maxKeys))
            if urlEncoded { w.element("EncodingType", "url") }
            w.element("IsTruncated", truncated ? "true" : "false")
            if v2 {
                w.element("KeyCount", String(contents.count + prefixes.count))
                if let token { w.element("ContinuationToken", token) }
                if let s = q("start-after") { w.element("StartAfter", enc(s)) }
                if truncated, let last { w.element("NextContinuationToken", Base64.encode(Array(last.utf8))) }
            } else {
                w.element("Marker", enc(q("marker") ?? ""))
                if truncated, let last { w.element("NextMarker", enc(last)) }
            }
            for o in contents {
                w.open("Contents")
                w.element("Key", enc(o.key))
                w.element("LastModified", Timestamps.iso8601(o.lastModified))
                w.element("ETag", o.etag)
                w.element("Size", String(o.size))
                w.element("StorageClass", "STANDARD")
                w.close("Contents")
            }
            for p in prefixes {
                w.open("CommonPrefixes")
                w.element("Prefix", enc(p))
                w.close("CommonPrefixes")
            }
            w.close("ListBucketResult")
        }
    }
}
