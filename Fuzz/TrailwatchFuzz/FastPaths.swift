@testable import CloudWatchLogs
import CloudWatchMetrics
import TrailwatchCore

/// Harnesses for the hand-written fast paths that read hot request bodies straight from bytes.
enum FastPaths {
    static let scope = ResourceScope(accountId: "000000000000", region: "us-east-1")

    static func putMetricData(_ bytes: [UInt8]) {
        _ = PutMetricDataJSON.decode(bytes, scope: scope, now: 1_796_148_738)
    }

    static func putLogEvents(_ bytes: [UInt8]) {
        _ = PutLogEventsJSON.decode(bytes)
    }
}
