public import Foundation

/// An S3 bucket as stored. Bucket names are global across accounts and regions.
public struct BucketRecord: Sendable, Equatable {
    public var name: String
    public var accountId: String
    public var region: String
    public var createdAt: Date

    public init(name: String, accountId: String, region: String, createdAt: Date) {
        self.name = name
        self.accountId = accountId
        self.region = region
        self.createdAt = createdAt
    }
}

/// An object's metadata (its bytes travel beside it).
public struct ObjectRecord: Sendable, Equatable {
    public var bucket: String
    public var key: String
    public var size: Int
    /// The quoted hex MD5 of the bytes, as S3's ETag for a single-part upload.
    public var etag: String
    public var contentType: String
    public var lastModified: Date
    /// `x-amz-meta-*` headers, names without the prefix.
    public var metadata: [String: String]

    public init(bucket: String, key: String, size: Int, etag: String, contentType: String, lastModified: Date, metadata: [String: String] = [:]) {
        self.bucket = bucket
        self.key = key
        self.size = size
        self.etag = etag
        self.contentType = contentType
        self.lastModified = lastModified
        self.metadata = metadata
    }
}

public enum BucketDeletion: Sendable, Equatable {
    case deleted, missing, notEmpty
}

/// Durable storage of buckets and objects (the S3 subset that log exports and trail delivery
/// write into).
///
/// Contract, for every implementation (checked by `ObjectStoreKit` in StorageConformanceTests):
/// - Every call that returns has committed: the change survives a crash, and a second node
///   sharing the backend sees it from then on. Each call is atomic: an object's record and
///   bytes are replaced together.
/// - Bucket names are global across accounts and regions and compare exactly. `createBucket`
///   answers false, changing nothing, when the name is taken by anyone; of concurrent
///   creators of one name exactly one is answered true. `buckets(accountId:)` answers that
///   account's buckets in every region, by name byte-wise ascending.
/// - `deleteBucket` answers `.missing` for an unknown name, `.notEmpty` (deleting nothing)
///   while the bucket holds any object, else `.deleted`; the name is then free again.
/// - Objects are keyed by (bucket, key), keys compared exactly (case-sensitively). The store
///   does not check that the bucket exists: callers do.
/// - `putObject` stores the object or replaces everything about it (record and bytes);
///   `object` answers the record and bytes as stored (`lastModified` to the precision of a
///   double of seconds since 1970), `headObject` the same record; both nil when absent.
/// - `deleteObject` answers true when it deleted something, false otherwise (not an error).
/// - `listObjects` answers keys starting with `prefix` (literally, byte-wise: `%` and `_` are
///   not wildcards; `""` matches every key) and sorting strictly after `after` (which need not
///   exist), in byte-wise UTF-8 order as S3 lists them, at most `limit` (0 answers none).
///   Paging with `after` = the last key answered visits every key once.
public protocol ObjectStore: Sendable {
    /// Creates the bucket; false when the name is taken.
    func createBucket(_ bucket: BucketRecord) async throws -> Bool
    func bucket(_ name: String) async throws -> BucketRecord?
    /// The account's buckets by name.
    func buckets(accountId: String) async throws -> [BucketRecord]
    func deleteBucket(_ name: String) async throws -> BucketDeletion
    /// Stores (or replaces) an object.
    func putObject(_ object: ObjectRecord, body: [UInt8]) async throws
    func object(bucket: String, key: String) async throws -> (ObjectRecord, [UInt8])?
    func headObject(bucket: String, key: String) async throws -> ObjectRecord?
    /// True when something was deleted.
    @discardableResult
    func deleteObject(bucket: String, key: String) async throws -> Bool
    /// Up to `limit` objects with keys starting with `prefix` and sorting after `after`, by key.
    func listObjects(bucket: String, prefix: String, after: String?, limit: Int) async throws -> [ObjectRecord]
}
