import AWSShapes
import TrailwatchCore

/// PutMetricAlarm's checks beyond the model's (lengths, enums and required members are the
/// model-driven validator's). Where AWS's exact wording could not be found, the message says
/// the same thing in AWS's style; those are marked "wording unverified".
enum AlarmValidation {
    static let comparisons = AlarmComparison.allCases.map(\.rawValue)
    static let missingData: Set<String> = ["breaching", "notBreaching", "ignore", "missing"]

    static func invalid(_ message: String) -> AWSError { AWSError(CloudWatch.Errors.invalidParameterValueException, message) }
    static func combination(_ message: String) -> AWSError { AWSError(CloudWatch.Errors.invalidParameterCombinationException, message) }
    static func missing(_ name: String) -> AWSError {
        AWSError(CloudWatch.Errors.missingRequiredParameterException, "The parameter \(name) is required.")
    }

    /// Whether `period` is one an alarm may use: 10, 20, 30 or a multiple of 60.
    static func validPeriod(_ period: Int) -> Bool {
        [10, 20, 30].contains(period) || (period > 0 && period % 60 == 0)
    }

    static func check(_ input: CloudWatch.PutMetricAlarmInput) throws {
        if input.alarmName.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw invalid("The parameter AlarmName must not contain ASCII control characters.") // wording unverified
        }
        // PromQL alarms evaluate a PromQL query over OpenTelemetry metrics; Trailwatch has
        // neither the query language nor that ingestion, so it refuses them rather than
        // storing an alarm it would never evaluate.
        if input.evaluationCriteria != nil || input.evaluationInterval != nil {
            throw invalid("Trailwatch does not support PromQL alarms (EvaluationCriteria, EvaluationInterval).")
        }
        guard let comparison = input.comparisonOperator else { throw missing("ComparisonOperator") }
        guard comparisons.contains(comparison) else {
            throw invalid("1 validation error detected: Value '\(comparison)' at 'comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: [\(comparisons.joined(separator: ", "))]")
        }
        guard let n = input.evaluationPeriods else { throw missing("EvaluationPeriods") }
        if n < 1 {
            throw invalid("The parameter EvaluationPeriods must be greater than or equal to 1.")
        }
        if let m = input.datapointsToAlarm {
            if m < 1 { throw invalid("The parameter DatapointsToAlarm must be greater than or equal to 1.") }
            if m > n { throw combination("DatapointsToAlarm must be less than or equal to EvaluationPeriods.") } // wording unverified
        }
        if let t = input.treatMissingData, !missingData.contains(t) {
            throw invalid("The value \(t) is not a valid value for TreatMissingData. Valid values are: breaching, notBreaching, ignore, missing.") // wording unverified
        }
        if let e = input.evaluateLowSampleCountPercentile, !["evaluate", "ignore"].contains(e) {
            throw invalid("The value \(e) is not a valid value for EvaluateLowSampleCountPercentile. Valid values are: evaluate, ignore.") // wording unverified
        }
        let band = comparison.contains("Lower") || comparison.contains("Upper")
        if band {
            guard input.thresholdMetricId != nil else { throw missing("ThresholdMetricId") }
            if input.threshold != nil { throw combination("Threshold and ThresholdMetricId cannot both be specified.") } // wording unverified
        } else if input.thresholdMetricId != nil {
            throw combination("ThresholdMetricId can only be used with the LessThanLowerOrGreaterThanUpperThreshold, LessThanLowerThreshold and GreaterThanUpperThreshold comparison operators.") // wording unverified
        } else if input.threshold == nil {
            throw missing("Threshold")
        }
        try checkActions((input.okActions ?? []) + (input.alarmActions ?? []) + (input.insufficientDataActions ?? []))
        if let metrics = input.metrics {
            if input.metricName != nil || input.namespace != nil || input.statistic != nil || input.extendedStatistic != nil
                || input.dimensions != nil || input.period != nil || input.unit != nil {
                throw combination("You cannot specify MetricName, Namespace, Statistic, ExtendedStatistic, Dimensions, Period or Unit together with Metrics.") // wording unverified
            }
            try checkMetrics(metrics, evaluationPeriods: n, band: input.thresholdMetricId)
            return
        }
        if band {
            throw invalid("An alarm on an anomaly detection band must give the metric and its ANOMALY_DETECTION_BAND in Metrics.") // wording unverified
        }
        guard input.metricName != nil else { throw missing("MetricName") }
        guard input.namespace != nil else { throw missing("Namespace") }
        switch (input.statistic, input.extendedStatistic) {
        case (nil, nil): throw missing("Statistic or ExtendedStatistic") // wording unverified
        case (.some, .some): throw combination("Statistic and ExtendedStatistic cannot both be specified.") // wording unverified
        default: break
        }
        if let s = input.statistic, !["SampleCount", "Average", "Sum", "Minimum", "Maximum"].contains(s) {
            throw invalid("1 validation error detected: Value '\(s)' at 'statistic' failed to satisfy constraint: Member must satisfy enum value set: [Maximum, SampleCount, Sum, Minimum, Average]")
        }
        guard let period = input.period else { throw missing("Period") }
        try checkPeriod(period, evaluationPeriods: n)
    }

    /// Every action must be an ARN.
    static func checkActions(_ actions: [String]) throws {
        for action in actions {
            let parts = action.split(separator: ":", omittingEmptySubsequences: false)
            if parts.count < 6 || parts[0] != "arn" {
                throw invalid("Invalid arn syntax: \(action)")
            }
        }
    }

    /// A period of 10, 20, 30 or a multiple of 60; Period × EvaluationPeriods at most a day
    /// (seven days for periods of an hour or more).
    static func checkPeriod(_ period: Int, evaluationPeriods n: Int) throws {
        guard validPeriod(period) else {
            throw invalid("The parameter Period must be 10, 20, 30 or a multiple of 60.") // wording unverified
        }
        let limit = period >= 3600 ? 7 * 86_400 : 86_400
        if period.multipliedReportingOverflow(by: n).partialValue > limit || period.multipliedReportingOverflow(by: n).overflow {
            throw invalid("The product of EvaluationPeriods and Period must not exceed \(limit) seconds.") // wording unverified
        }
    }

    /// `band`: an anomaly-detection alarm's ThresholdMetricId, whose ANOMALY_DETECTION_BAND
    /// query returns data beside the watched metric.
    static func checkMetrics(_ metrics: [CloudWatch.MetricDataQuery], evaluationPeriods n: Int, band: String? = nil) throws {
        if metrics.isEmpty || metrics.count > 10 {
            throw invalid("The collection Metrics must have between 1 and 10 items.") // wording unverified
        }
        let returning = metrics.filter { ($0.returnData ?? true) && $0.id != band }
        if let band {
            guard let query = metrics.first(where: { $0.id == band }) else {
                throw invalid("The ThresholdMetricId \(band) does not match any of the Metrics ids.") // wording unverified
            }
            guard query.expression?.uppercased().contains("ANOMALY_DETECTION_BAND") == true else {
                throw invalid("The ThresholdMetricId \(band) must refer to an ANOMALY_DETECTION_BAND expression.") // wording unverified
            }
        }
        if returning.count != 1 {
            throw invalid("Exactly one element of the metrics list should return data.")
        }
        for m in metrics {
            if m.metricStat == nil && m.expression == nil {
                throw invalid("Each element of the metrics list must have either a MetricStat or an Expression.") // wording unverified
            }
            if let stat = m.metricStat { try checkPeriod(stat.period, evaluationPeriods: n) }
            if let p = m.period { try checkPeriod(p, evaluationPeriods: n) }
        }
    }
}
