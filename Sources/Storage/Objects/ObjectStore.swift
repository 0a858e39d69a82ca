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
/// write into). Every call that returns has committed.
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
