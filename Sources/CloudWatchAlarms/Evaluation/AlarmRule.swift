// The value types a metric alarm is evaluated with: its rule, one datapoint per period, and
// the outcome. `AlarmEvaluator` (AlarmEvaluator.swift) turns the first two into the third.

/// A metric alarm's state, spelled as AWS spells `StateValue`.
public enum AlarmStateValue: String, Sendable, Codable {
    case ok = "OK", alarm = "ALARM", insufficientData = "INSUFFICIENT_DATA"
}

/// `TreatMissingData`: what a period without data counts as when the evaluation range holds
/// fewer real datapoints than `EvaluationPeriods`. AWS's default is `missing`.
public enum MissingDataTreatment: String, Sendable, Codable {
    case missing, ignore, breaching, notBreaching
}

/// `ComparisonOperator`. The first four compare with `AlarmRule.threshold`; the last three (the
/// band operators of anomaly-detection alarms) with each datapoint's `lower`/`upper` bounds.
public enum AlarmComparison: String, Sendable, Codable, CaseIterable {
    case greaterThanOrEqualToThreshold = "GreaterThanOrEqualToThreshold"
    case greaterThanThreshold = "GreaterThanThreshold"
    case lessThanThreshold = "LessThanThreshold"
    case lessThanOrEqualToThreshold = "LessThanOrEqualToThreshold"
    case lessThanLowerOrGreaterThanUpperThreshold = "LessThanLowerOrGreaterThanUpperThreshold"
    case lessThanLowerThreshold = "LessThanLowerThreshold"
    case greaterThanUpperThreshold = "GreaterThanUpperThreshold"

    /// True for the operators that compare against a band rather than a threshold.
    public var isBand: Bool {
        switch self {
        case .lessThanLowerOrGreaterThanUpperThreshold, .lessThanLowerThreshold, .greaterThanUpperThreshold: true
        default: false
        }
    }

    /// Whether `point` breaches; nil when it cannot be judged (no value, or the threshold or
    /// band bound this operator needs is absent), which the evaluator treats as missing data.
    func breaches(_ point: AlarmDatapoint, threshold: Double?) -> Bool? {
        guard let v = point.value else { return nil }
        switch self {
        case .greaterThanOrEqualToThreshold: return threshold.map { v >= $0 }
        case .greaterThanThreshold: return threshold.map { v > $0 }
        case .lessThanThreshold: return threshold.map { v < $0 }
        case .lessThanOrEqualToThreshold: return threshold.map { v <= $0 }
        case .lessThanLowerThreshold: return point.lower.map { v < $0 }
        case .greaterThanUpperThreshold: return point.upper.map { v > $0 }
        case .lessThanLowerOrGreaterThanUpperThreshold:
            guard let lower = point.lower, let upper = point.upper else { return nil }
            return v < lower || v > upper
        }
    }
}

/// One period's value in the evaluation range; nil value = no data in that period.
public struct AlarmDatapoint: Sendable, Equatable {
    /// The period's start, epoch seconds.
    public var timestamp: Int64
    /// The period's statistic, or nil when the period has no data.
    public var value: Double?
    /// How many samples the statistic was computed from (reported in `evaluatedDatapoints`,
    /// and checked for percentile statistics with too few samples).
    public var sampleCount: Double?
    /// The band's lower bound for this period (band operators only).
    public var lower: Double?
    /// The band's upper bound for this period (band operators only).
    public var upper: Double?

    public init(timestamp: Int64, value: Double?, sampleCount: Double? = nil, lower: Double? = nil, upper: Double? = nil) {
        self.timestamp = timestamp
        self.value = value
        self.sampleCount = sampleCount
        self.lower = lower
        self.upper = upper
    }
}

/// What an alarm is evaluated against: PutMetricAlarm's settings that bear on the state.
public struct AlarmRule: Sendable {
    public var comparison: AlarmComparison
    /// The static threshold; required by the four threshold operators, ignored by the band ones.
    public var threshold: Double?
    /// N: how many of the most recent datapoints are evaluated. At least 1.
    public var evaluationPeriods: Int
    /// M: how many of the N must breach for ALARM; 1...N (values outside are clamped).
    public var datapointsToAlarm: Int
    public var treatMissingData: MissingDataTreatment
    /// Seconds per period (reported in `stateReasonData`).
    public var period: Int
    /// `Statistic` or `ExtendedStatistic`, e.g. "Average" or "p99"; empty for metric math.
    public var statistic: String
    public var unit: String?
    /// Whether PutMetricAlarm set `DatapointsToAlarm`. AWS words the reason differently then:
    /// "2 out of the last 3 datapoints [...] ... (minimum 2 datapoints for OK -> ALARM
    /// transition)." instead of "2 datapoints [...] ...".
    public var datapointsToAlarmIsSet: Bool
    /// `EvaluateLowSampleCountPercentile`: "ignore" keeps the state while a percentile alarm's
    /// evaluated datapoints hold too few samples; nil or "evaluate" always evaluates.
    public var evaluateLowSampleCountPercentile: String?

    public init(comparison: AlarmComparison, threshold: Double?, evaluationPeriods: Int, datapointsToAlarm: Int,
                treatMissingData: MissingDataTreatment = .missing, period: Int, statistic: String, unit: String? = nil,
                datapointsToAlarmIsSet: Bool = false, evaluateLowSampleCountPercentile: String? = nil) {
        self.comparison = comparison
        self.threshold = threshold
        self.evaluationPeriods = evaluationPeriods
        self.datapointsToAlarm = datapointsToAlarm
        self.treatMissingData = treatMissingData
        self.period = period
        self.statistic = statistic
        self.unit = unit
        self.datapointsToAlarmIsSet = datapointsToAlarmIsSet
        self.evaluateLowSampleCountPercentile = evaluateLowSampleCountPercentile
    }
}

/// The result of one evaluation.
public struct AlarmOutcome: Sendable, Equatable {
    /// The state to set; nil = keep the current state (AWS "retain current state"), and then
    /// `reason` and `reasonData` are empty: the alarm keeps its own.
    public var state: AlarmStateValue?
    /// `StateReason`, worded as AWS words it.
    public var reason: String
    /// `StateReasonData`: JSON text.
    public var reasonData: String

    public init(state: AlarmStateValue?, reason: String, reasonData: String) {
        self.state = state
        self.reason = reason
        self.reasonData = reasonData
    }
}
