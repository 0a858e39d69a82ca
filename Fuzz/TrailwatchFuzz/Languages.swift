@testable import CloudWatchLogs
@testable import CloudWatchMetrics
import TrailwatchCore

/// Harnesses for the small languages requests carry: filter patterns (matched against the
/// input's second part), metric math, SEARCH, Metrics Insights SQL and dashboard bodies.
enum Languages {
    static func filterPattern(_ bytes: [UInt8]) {
        let (pattern, message) = bytes.splitOnce()
        guard let p = try? FilterPattern(pattern) else { return }
        _ = p.match(message)
        _ = p.match(#"{"status": 500, "path": "/api", "user": {"id": 7}, "tags": ["a", "b"]}"#)
        _ = p.match("127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /a.gif HTTP/1.0\" 200 2326")
    }

    static func metricMath(_ bytes: [UInt8]) {
        _ = try? MathParser.parse(bytes.text)
    }

    static func search(_ bytes: [UInt8]) {
        _ = try? SearchExpression.parse(bytes.text)
    }

    static func insights(_ bytes: [UInt8]) {
        _ = try? InsightsQuery.parse(bytes.text)
    }

    static func dashboard(_ bytes: [UInt8]) {
        _ = DashboardBodyValidator().validate(bytes.text)
    }
}
