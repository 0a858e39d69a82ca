import AWSWire
import TrailwatchCore

/// The `HistoryData` of a ConfigurationUpdate item, as AWS writes it: the alarm's
/// configuration as a camel-cased object under `createdAlarm`, `updatedAlarm` (with
/// `originalUpdatedFields`, the previous value of every field the update changed) or
/// `deletedAlarm`, e.g.
/// `{"version":"1.0","type":"Create","createdAlarm":{"namespace":"AWS/EBS","threshold":1800.0,…,
/// "okactions":[],"alarmConfigurationUpdatedTimestamp":"2014-08-23T15:48:26.693+0000"}}`.
/// (AWS spells the OK actions `okactions`, lower case.)
enum AlarmConfigurationData {
    enum Change: String {
        case create = "Create", update = "Update", delete = "Delete"
    }

    static func json(_ change: Change, alarm: AlarmRecord, previous: AlarmRecord?) -> String {
        let now = fields(alarm)
        var w = JSONWriter()
        w.beginObject()
        w.field("version"); w.string("1.0"); w.comma()
        w.field("type"); w.string(change.rawValue); w.comma()
        switch change {
        case .create: w.field("createdAlarm")
        case .update: w.field("updatedAlarm")
        case .delete: w.field("deletedAlarm")
        }
        object(&w, now)
        if change == .update, let previous {
            let before = fields(previous)
            let old = Dictionary(before, uniquingKeysWith: { a, _ in a })
            let new = Dictionary(now, uniquingKeysWith: { a, _ in a })
            // A field whose value changed, or that the update removed, with its old value.
            let changed = before.filter { new[$0.0] != $0.1 } + now.filter { old[$0.0] == nil }.map { ($0.0, WireValue.null) }
            w.comma()
            w.field("originalUpdatedFields"); object(&w, changed)
        }
        w.endObject()
        return String(decoding: w.bytes, as: UTF8.self)
    }

    private static func object(_ w: inout JSONWriter, _ fields: [(String, WireValue)]) {
        w.beginObject()
        for (i, (k, v)) in fields.enumerated() {
            if i > 0 { w.comma() }
            w.key(k); w.value(v)
        }
        w.endObject()
    }

    /// The alarm's configuration, in AWS's order, unset members left out.
    static func fields(_ a: AlarmRecord) -> [(String, WireValue)] {
        var out: [(String, WireValue)] = []
        func add(_ k: String, _ v: WireValue?) { if let v { out.append((k, v)) } }
        func strings(_ l: [String]) -> WireValue { .list(l.map(WireValue.string)) }
        add("namespace", a.namespace.map(WireValue.string))
        add("threshold", a.threshold.map(WireValue.double))
        add("metricName", a.metricName.map(WireValue.string))
        add("period", a.period.map { .int(Int64($0)) })
        if !a.isComposite && a.metricsJSON == nil {
            add("dimensions", .list(a.dimensions.map { .map(["name": .string($0.name), "value": .string($0.value)]) }))
        }
        add("stateValue", .string(a.stateValue))
        add("metrics", a.metricsJSON.flatMap { try? JSONReader.parse(Array($0.utf8)) }.map(camelCased))
        add("thresholdMetricId", a.thresholdMetricId.map(WireValue.string))
        add("alarmRule", a.alarmRule.map(WireValue.string))
        add("alarmName", .string(a.name))
        add("okactions", strings(a.okActions))
        add("alarmActions", strings(a.alarmActions))
        add("actionsEnabled", .bool(a.actionsEnabled))
        if !a.isComposite {
            add("evaluationPeriods", .int(Int64(a.evaluationPeriods)))
            add("datapointsToAlarm", a.datapointsToAlarm.map { .int(Int64($0)) })
            add("comparisonOperator", .string(a.comparisonOperator))
            add("treatMissingData", a.treatMissingData.map(WireValue.string))
            add("evaluateLowSampleCountPercentile", a.evaluateLowSampleCountPercentile.map(WireValue.string))
        }
        add("insufficientDataActions", strings(a.insufficientDataActions))
        add("alarmDescription", a.description.map(WireValue.string))
        add("statistic", a.statistic.map(WireValue.string))
        add("extendedStatistic", a.extendedStatistic.map(WireValue.string))
        add("unit", a.unit.map(WireValue.string))
        add("actionsSuppressor", a.actionsSuppressor.map(WireValue.string))
        add("actionsSuppressorWaitPeriod", a.actionsSuppressorWaitPeriod.map { .int(Int64($0)) })
        add("actionsSuppressorExtensionPeriod", a.actionsSuppressorExtensionPeriod.map { .int(Int64($0)) })
        add("alarmArn", .string(a.arn))
        add("alarmConfigurationUpdatedTimestamp", .string(AWSFormat.dataDate(milliseconds: a.configurationUpdated)))
        add("stateUpdatedTimestamp", .string(AWSFormat.dataDate(milliseconds: a.stateUpdated)))
        return out
    }

    /// The wire's `Id`, `MetricStat`, … as AWS's history writes them: `id`, `metricStat`, ….
    static func camelCased(_ v: WireValue) -> WireValue {
        switch v {
        case .map(let m):
            return .map(Dictionary(m.map { k, v in (k.prefix(1).lowercased() + k.dropFirst(), camelCased(v)) }, uniquingKeysWith: { a, _ in a }))
        case .list(let l):
            return .list(l.map(camelCased))
        default:
            return v
        }
    }
}
