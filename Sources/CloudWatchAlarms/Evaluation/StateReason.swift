import TrailwatchCore

/// `StateReason` and `StateReasonData` for a verdict, worded and laid out as CloudWatch does.
/// Every form below was seen in a reason AWS produced (LocalStack's snapshots recorded against
/// AWS, tests/aws/services/cloudwatch/test_cloudwatch.snapshot.json, and alarm notifications
/// quoted in public repositories), except where a comment says it was not found:
///
/// ```
/// Threshold Crossed: 1 datapoint [21.5 (01/12/26 10:00:00)] was greater than the threshold (21.0).
/// Threshold Crossed: 2 out of the last 3 datapoints [5.0 (…), 4.0 (…)] were greater than the
///     threshold (3.0) (minimum 2 datapoints for OK -> ALARM transition).      (DatapointsToAlarm set)
/// Threshold Crossed: 1 datapoint [0.0 (…)] was not greater than or equal to the threshold (1.0)
///     and 1 missing datapoint was treated as [Breaching].
/// Threshold Crossed: 6 datapoints were less than or equal to the threshold (0.0). The most
///     recent datapoints which crossed the threshold: [five newest].         (five or more cited)
/// Threshold Crossed: no datapoints were received for 2 periods and 2 missing datapoints were
///     treated as [Breaching].                                    ([NonBreaching] for notBreaching)
/// Insufficient Data: 1 datapoint was unknown.
/// Thresholds Crossed: 1 out of the last 1 datapoints [0.0 (…)] was less than the lower thresholds
///     [0.02] or greater than the upper thresholds [0.3] (minimum 1 datapoint for OK -> ALARM transition).
/// ```
/// Cited datapoints are the evaluated real ones on the new state's side of the threshold,
/// newest first. Not found in any AWS output, so inferred from the forms above: the wording
/// of `LessThanLowerThreshold` / `GreaterThanUpperThreshold` alone, the long (five or more)
/// form for band operators and with a missing-data clause, the reason for an OK or ALARM
/// decided only by missing periods while real datapoints exist, and the unknown count when
/// INSUFFICIENT_DATA comes with some real datapoints.
enum StateReason {
    /// Five or more cited datapoints switch to the long form, which lists the five newest.
    static let listedInline = 5

    static func text(_ v: AlarmVerdict, _ rule: AlarmRule) -> String {
        if v.state == .insufficientData {
            return "Insufficient Data: \(v.unknown.count) \(v.unknown.count == 1 ? "datapoint was" : "datapoints were") unknown."
        }
        let alarm = v.state == .alarm
        let prefix = rule.comparison.isBand ? "Thresholds Crossed" : "Threshold Crossed"
        let label = rule.treatMissingData == .breaching ? "Breaching" : "NonBreaching"
        let f = v.filled.count
        let cited = Array((alarm ? v.breaching : v.clear).reversed())
        guard !cited.isEmpty else {
            return "\(prefix): no datapoints were received for \(f) \(f == 1 ? "period" : "periods") and \(f) "
                + "\(f == 1 ? "missing datapoint was" : "missing datapoints were") treated as [\(label)]."
        }
        let c = cited.count
        let verb = c == 1 ? "was" : "were"
        let head = rule.datapointsToAlarmIsSet ? "\(c) out of the last \(v.n) datapoints" : "\(c) \(c == 1 ? "datapoint" : "datapoints")"
        let shown = Array(cited.prefix(listedInline))
        let list = shown.map { "\(AWSFormat.number($0.value ?? 0)) (\(AWSFormat.reasonDate($0.timestamp)))" }.joined(separator: ", ")
        let condition = self.condition(rule, alarm: alarm, shown)
        let missing = f == 0 ? "" : " and \(f) \(f == 1 ? "missing datapoint was" : "missing datapoints were") treated as [\(label)]"
        var minimum = ""
        if rule.datapointsToAlarmIsSet {
            let need = alarm ? v.m : v.n - v.m + 1
            minimum = " (minimum \(need) \(need == 1 ? "datapoint" : "datapoints") for \(alarm ? "OK -> ALARM" : "ALARM -> OK") transition)"
        }
        if c >= listedInline {
            return "\(prefix): \(head) \(verb) \(condition)\(missing). The most recent datapoints which crossed the threshold: [\(list)]\(minimum)."
        }
        return "\(prefix): \(head) [\(list)] \(verb) \(condition)\(missing)\(minimum)."
    }

    /// "greater than the threshold (21.0)", "not less than the lower thresholds [1.0, 2.0] or
    /// not greater than the upper thresholds [3.0, 4.0]": the band lists follow `shown`.
    private static func condition(_ rule: AlarmRule, alarm: Bool, _ shown: [AlarmDatapoint]) -> String {
        let not = alarm ? "" : "not "
        let threshold = "the threshold (\(AWSFormat.number(rule.threshold ?? 0)))"
        let lower = "\(not)less than the lower thresholds [\(shown.map { AWSFormat.number($0.lower ?? 0) }.joined(separator: ", "))]"
        let upper = "\(not)greater than the upper thresholds [\(shown.map { AWSFormat.number($0.upper ?? 0) }.joined(separator: ", "))]"
        switch rule.comparison {
        case .greaterThanOrEqualToThreshold: return "\(not)greater than or equal to \(threshold)"
        case .greaterThanThreshold: return "\(not)greater than \(threshold)"
        case .lessThanThreshold: return "\(not)less than \(threshold)"
        case .lessThanOrEqualToThreshold: return "\(not)less than or equal to \(threshold)"
        case .lessThanLowerOrGreaterThanUpperThreshold: return "\(lower) or \(upper)"
        case .lessThanLowerThreshold: return lower
        case .greaterThanUpperThreshold: return upper
        }
    }

    /// The reason data, keys in AWS's order: version, queryDate, startDate (the oldest evaluated
    /// real datapoint; absent when there is none), unit, statistic (absent when empty), period,
    /// recentDatapoints (evaluated real values, oldest first), threshold — or, for band
    /// operators, recentLowerThresholds and recentUpperThresholds — and evaluatedDatapoints
    /// (newest first; a missing period has only its timestamp). Not found in AWS output:
    /// evaluatedDatapoints for band operators (AWS's 2019 band samples predate the field).
    static func data(_ v: AlarmVerdict, _ rule: AlarmRule, now: Int64) -> String {
        var w = JSONWriter()
        let recent = v.recent
        w.beginObject()
        w.field("version"); w.string("1.0")
        w.comma(); w.field("queryDate"); w.string(AWSFormat.dataDate(now))
        if let first = recent.first { w.comma(); w.field("startDate"); w.string(AWSFormat.dataDate(first.timestamp)) }
        if let unit = rule.unit { w.comma(); w.field("unit"); w.string(unit) }
        if !rule.statistic.isEmpty { w.comma(); w.field("statistic"); w.string(rule.statistic) }
        w.comma(); w.field("period"); w.int(Int64(rule.period))
        w.comma(); w.field("recentDatapoints"); numbers(&w, recent.compactMap(\.value))
        if rule.comparison.isBand {
            w.comma(); w.field("recentLowerThresholds"); numbers(&w, recent.compactMap(\.lower))
            w.comma(); w.field("recentUpperThresholds"); numbers(&w, recent.compactMap(\.upper))
        } else if let threshold = rule.threshold {
            w.comma(); w.field("threshold"); number(&w, threshold)
        }
        w.comma(); w.field("evaluatedDatapoints"); w.beginArray()
        for (i, point) in v.evaluated.enumerated() {
            if i > 0 { w.comma() }
            w.beginObject()
            w.field("timestamp"); w.string(AWSFormat.dataDate(point.timestamp))
            if let value = point.value {
                if let samples = point.sampleCount { w.comma(); w.field("sampleCount"); number(&w, samples) }
                w.comma(); w.field("value"); number(&w, value)
            }
            w.endObject()
        }
        w.endArray()
        w.endObject()
        return String(decoding: w.bytes, as: UTF8.self)
    }

    private static func number(_ w: inout JSONWriter, _ d: Double) { w.rawBytes(Array(AWSFormat.number(d).utf8)) }

    private static func numbers(_ w: inout JSONWriter, _ ds: [Double]) {
        w.beginArray()
        for (i, d) in ds.enumerated() {
            if i > 0 { w.comma() }
            number(&w, d)
        }
        w.endArray()
    }
}
