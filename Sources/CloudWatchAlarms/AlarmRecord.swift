public import AWSShapes
import AWSWire
import CloudWatchMetrics
public import Foundation
public import Storage
public import TrailwatchCore

/// A metric alarm as stored: its configuration (what PutMetricAlarm said) and its state. The
/// record is the body of the resource `cloudwatch:alarm` named after the alarm, in the alarm's
/// region; an update replaces the configuration and keeps the state, as AWS does.
public struct AlarmRecord: Codable, Sendable, Equatable {
    public struct Dimension: Codable, Sendable, Equatable {
        public var name: String
        public var value: String
    }

    public var name: String
    public var arn: String
    public var description: String?
    public var actionsEnabled: Bool
    public var okActions: [String]
    public var alarmActions: [String]
    public var insufficientDataActions: [String]
    public var metricName: String?
    public var namespace: String?
    public var statistic: String?
    public var extendedStatistic: String?
    public var dimensions: [Dimension]
    public var period: Int?
    public var unit: String?
    public var evaluationPeriods: Int
    public var datapointsToAlarm: Int?
    public var threshold: Double?
    public var comparisonOperator: String
    public var treatMissingData: String?
    public var evaluateLowSampleCountPercentile: String?
    /// The `Metrics` array (metric math or a Metrics Insights query) as its wire JSON.
    public var metricsJSON: String?
    public var thresholdMetricId: String?
    /// Epoch seconds.
    public var configurationUpdated: Double
    public var stateValue: String
    public var stateReason: String
    public var stateReasonData: String?
    public var stateUpdated: Double
    public var stateTransitioned: Double
    /// A composite alarm's rule (nil for a metric alarm, whose metric members are then set).
    public var alarmRule: String?
    public var actionsSuppressor: String?
    public var actionsSuppressorWaitPeriod: Int?
    public var actionsSuppressorExtensionPeriod: Int?
    /// Why a composite alarm's ALARM actions are held back now (`WaitPeriod`, `Alarm`,
    /// `ExtensionPeriod`), and since when (epoch seconds); see `ActionsSuppression`.
    public var actionsSuppressedBy: String?
    public var actionsSuppressedReason: String?
    public var actionsSuppressedSince: Double?
    /// A multi-time-series alarm's time series (a Metrics Insights query with GROUP BY),
    /// each evaluated on its own; nil for an alarm on one time series.
    public var contributors: [AlarmContributorRecord]?

    /// The resource kind alarms are stored under.
    public static let kind = "cloudwatch:alarm"

    /// The `Metrics` array, decoded.
    public var metrics: [CloudWatch.MetricDataQuery]? {
        guard let metricsJSON, let node = try? JSONReader.parse(Array(metricsJSON.utf8)) else { return nil }
        return try? [CloudWatch.MetricDataQuery](wire: node)
    }

    static func encode(_ metrics: [CloudWatch.MetricDataQuery]?) -> String? {
        metrics?.json
    }

    /// The stored body.
    func resource(scope: ResourceScope, created: Date) throws -> ResourceRecord {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return ResourceRecord(kind: Self.kind, scope: scope, name: name, body: Array(try encoder.encode(self)),
                              createdAt: created, updatedAt: Date(timeIntervalSince1970: configurationUpdated))
    }

    /// The alarm a stored resource holds.
    init(_ resource: ResourceRecord) throws {
        self = try JSONDecoder().decode(AlarmRecord.self, from: Data(resource.body))
    }

    init(name: String, arn: String, description: String?, actionsEnabled: Bool, okActions: [String], alarmActions: [String],
         insufficientDataActions: [String], metricName: String?, namespace: String?, statistic: String?,
         extendedStatistic: String?, dimensions: [Dimension], period: Int?, unit: String?, evaluationPeriods: Int,
         datapointsToAlarm: Int?, threshold: Double?, comparisonOperator: String, treatMissingData: String?,
         evaluateLowSampleCountPercentile: String?, metricsJSON: String?, thresholdMetricId: String?,
         configurationUpdated: Double, stateValue: String, stateReason: String, stateReasonData: String?,
         stateUpdated: Double, stateTransitioned: Double, alarmRule: String? = nil, actionsSuppressor: String? = nil,
         actionsSuppressorWaitPeriod: Int? = nil, actionsSuppressorExtensionPeriod: Int? = nil) {
        self.name = name; self.arn = arn; self.description = description; self.actionsEnabled = actionsEnabled
        self.okActions = okActions; self.alarmActions = alarmActions; self.insufficientDataActions = insufficientDataActions
        self.metricName = metricName; self.namespace = namespace; self.statistic = statistic
        self.extendedStatistic = extendedStatistic; self.dimensions = dimensions; self.period = period; self.unit = unit
        self.evaluationPeriods = evaluationPeriods; self.datapointsToAlarm = datapointsToAlarm; self.threshold = threshold
        self.comparisonOperator = comparisonOperator; self.treatMissingData = treatMissingData
        self.evaluateLowSampleCountPercentile = evaluateLowSampleCountPercentile; self.metricsJSON = metricsJSON
        self.thresholdMetricId = thresholdMetricId; self.configurationUpdated = configurationUpdated
        self.stateValue = stateValue; self.stateReason = stateReason; self.stateReasonData = stateReasonData
        self.stateUpdated = stateUpdated; self.stateTransitioned = stateTransitioned
        self.alarmRule = alarmRule; self.actionsSuppressor = actionsSuppressor
        self.actionsSuppressorWaitPeriod = actionsSuppressorWaitPeriod
        self.actionsSuppressorExtensionPeriod = actionsSuppressorExtensionPeriod
    }

    /// True for a composite alarm.
    public var isComposite: Bool { alarmRule != nil }

    /// The composite alarm as DescribeAlarms shows it.
    var compositeShape: CloudWatch.CompositeAlarm {
        CloudWatch.CompositeAlarm(
            actionsEnabled: actionsEnabled, alarmActions: alarmActions, alarmArn: arn,
            alarmConfigurationUpdatedTimestamp: Date(timeIntervalSince1970: configurationUpdated), alarmDescription: description,
            alarmName: name, alarmRule: alarmRule, insufficientDataActions: insufficientDataActions, okActions: okActions,
            stateReason: stateReason, stateReasonData: stateReasonData, stateUpdatedTimestamp: Date(timeIntervalSince1970: stateUpdated),
            stateValue: stateValue, stateTransitionedTimestamp: Date(timeIntervalSince1970: stateTransitioned),
            actionsSuppressedBy: actionsSuppressedBy, actionsSuppressedReason: actionsSuppressedReason,
            actionsSuppressor: actionsSuppressor, actionsSuppressorWaitPeriod: actionsSuppressorWaitPeriod,
            actionsSuppressorExtensionPeriod: actionsSuppressorExtensionPeriod)
    }

    /// The alarm as DescribeAlarms shows it.
    var shape: CloudWatch.MetricAlarm {
        CloudWatch.MetricAlarm(
            alarmName: name, alarmArn: arn, alarmDescription: description,
            alarmConfigurationUpdatedTimestamp: Date(timeIntervalSince1970: configurationUpdated),
            actionsEnabled: actionsEnabled, okActions: okActions, alarmActions: alarmActions,
            insufficientDataActions: insufficientDataActions, stateValue: stateValue, stateReason: stateReason,
            stateReasonData: stateReasonData, stateUpdatedTimestamp: Date(timeIntervalSince1970: stateUpdated),
            metricName: metricName, namespace: namespace, statistic: statistic, extendedStatistic: extendedStatistic,
            dimensions: metricsJSON == nil ? dimensions.map { CloudWatch.Dimension(name: $0.name, value: $0.value) } : nil,
            period: period, unit: unit, evaluationPeriods: evaluationPeriods, datapointsToAlarm: datapointsToAlarm,
            threshold: threshold, comparisonOperator: comparisonOperator, treatMissingData: treatMissingData,
            evaluateLowSampleCountPercentile: evaluateLowSampleCountPercentile, metrics: metrics,
            thresholdMetricId: thresholdMetricId,
            stateTransitionedTimestamp: Date(timeIntervalSince1970: stateTransitioned))
    }

    /// Every action of the alarm, in all three lists.
    var allActions: [String] { okActions + alarmActions + insufficientDataActions }
}
