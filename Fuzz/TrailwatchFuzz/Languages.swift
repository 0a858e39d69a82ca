@testable import CloudWatchAlarms
@testable import CloudWatchLogs
@testable import CloudWatchMetrics
import LogsInsights
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

    /// A Logs Insights query (the input's first line) run over three records, one of them the
    /// input's second part as a message (JSON discovery included).
    static func logsInsights(_ bytes: [UInt8]) {
        let (query, message) = bytes.splitOnce()
        guard let run = try? InsightsRun(query, limit: 100) else { return }
        for (i, m) in [message, #"{"a":1,"b":{"c":"x"},"d":[1,2]}"#, "plain 10.0.0.1 - GET /x 200"].enumerated() {
            try? run.consume(LogRecord(timestamp: 1_796_119_200_000 + Int64(i) * 61_000, message: m, logStream: "s", log: "1:g",
                                       ingestionTime: 1_796_119_200_000, ptr: "p"))
        }
        _ = try? run.results()
    }

    static func dashboard(_ bytes: [UInt8]) {
        _ = DashboardBodyValidator().validate(bytes.text)
    }
}

/// Harnesses for the alarm languages: composite AlarmRules (parsed, then evaluated with every
/// child in ALARM), and mute-rule schedules (the input's first line the expression, the second
/// the duration; a valid one is asked for windows and its next activation).
enum AlarmLanguages {
    static func alarmRule(_ bytes: [UInt8]) {
        guard let rule = try? CompositeRule.parse(bytes.text) else { return }
        _ = rule.evaluate { _ in .alarm }
        _ = rule.alarms
    }

    static func muteSchedule(_ bytes: [UInt8]) {
        let (expression, duration) = bytes.splitOnce()
        guard let schedule = try? MuteSchedule.parse(expression: expression, duration: duration.isEmpty ? "PT1H" : duration,
                                                     timezone: "America/New_York") else { return }
        for t: Int64 in [0, 1_790_000_000, 1_772_953_200, -86_400, Int64.max / 2] {
            _ = schedule.window(containing: t)
            _ = schedule.nextActivation(atOrAfter: t)
        }
    }
}
