/// CloudWatch's metric-alarm evaluation: given a rule and the datapoints of its evaluation
/// range, the state AWS would set and the reason it would give. Pure: no storage, no clock.
///
/// ```
/// evaluation range (oldest ─► newest), N = EvaluationPeriods, M = DatapointsToAlarm
///   real datapoints ≥ N ─► the N newest real ones decide; missing data is not consulted
///   real datapoints < N ─► every real one, plus N − real missing periods counted as
///       breaching     ─► breaching         (ALARM when breaching ≥ M, else OK)
///       notBreaching  ─► not breaching
///       missing       ─► breaching ≥ M ─► ALARM; any real one not breaching ─► OK;
///                        else the oldest breaching one is ≥ M periods old ─► ALARM
///                        ("avoiding premature transitions"), else INSUFFICIENT_DATA
///       ignore        ─► as missing, but keep the state where missing would not decide
/// ```
/// The rules are AWS's "How alarm state is evaluated when data is missing" (Using Amazon
/// CloudWatch alarms, awsdocs/amazon-cloudwatch-user-guide doc_source/AlarmThatSendsEmail.md);
/// every row of its two tables is a case in Tests/CloudWatchAlarmsTests/Fixtures/missing-data.json.
public enum AlarmEvaluator {
    /// How many periods back the evaluation looks (AWS's "evaluation range") for a rule:
    /// N + 2. AWS does not publish the formula ("depends on the length of the alarm period and
    /// whether it is based on a metric with standard resolution or high resolution"); N + 2
    /// is the 5 its documented example retrieves for N = 3.
    public static func evaluationRange(_ rule: AlarmRule) -> Int { max(rule.evaluationPeriods, 1) + 2 }

    /// datapoints: the evaluation range, oldest first, one entry per period ending at the newest complete period.
    /// `now` (epoch seconds) becomes `queryDate` in the reason data. `current` does not change
    /// the verdict: AWS words a transition the same from every prior state ("OK -> ALARM" also
    /// when leaving INSUFFICIENT_DATA), and a retained state is reported as `state == nil`.
    public static func evaluate(_ rule: AlarmRule, datapoints: [AlarmDatapoint], current: AlarmStateValue, now: Int64) -> AlarmOutcome {
        guard let verdict = decide(rule, datapoints) else { return AlarmOutcome(state: nil, reason: "", reasonData: "") }
        return AlarmOutcome(state: verdict.state, reason: StateReason.text(verdict, rule),
                            reasonData: StateReason.data(verdict, rule, now: now))
    }

    /// The verdict for `datapoints` (oldest first), or nil to keep the current state.
    static func decide(_ rule: AlarmRule, _ datapoints: [AlarmDatapoint]) -> AlarmVerdict? {
        let n = max(rule.evaluationPeriods, 1)
        let m = min(max(rule.datapointsToAlarm, 1), n)
        let judged = datapoints.map { rule.comparison.breaches($0, threshold: rule.threshold) }
        let real = datapoints.indices.filter { judged[$0] != nil }
        let gaps = datapoints.indices.reversed().filter { judged[$0] == nil }
            .map { AlarmDatapoint(timestamp: datapoints[$0].timestamp, value: nil) }
        if tooFewSamples(rule, real.suffix(n).map { datapoints[$0] }) { return nil }

        var verdict = AlarmVerdict(n: n, m: m)
        let window = real.suffix(n)
        for i in window {
            if judged[i] == true { verdict.breaching.append(datapoints[i]) } else { verdict.clear.append(datapoints[i]) }
        }
        let breaching = verdict.breaching.count
        if real.count >= n {
            verdict.state = breaching >= m ? .alarm : .ok
        } else {
            let fill = Array(gaps.prefix(n - real.count))
            switch rule.treatMissingData {
            case .breaching:
                verdict.filled = fill
                verdict.state = breaching + fill.count >= m ? .alarm : .ok
            case .notBreaching:
                verdict.filled = fill
                verdict.state = breaching >= m ? .alarm : .ok
            case .missing, .ignore:
                if breaching >= m {
                    verdict.state = .alarm
                } else if !verdict.clear.isEmpty {
                    verdict.state = .ok
                } else if rule.treatMissingData == .ignore {
                    return nil
                } else if let oldest = real.first, datapoints.count - oldest >= m {
                    verdict.state = .alarm
                } else {
                    verdict.state = .insufficientData
                    verdict.unknown = fill
                }
            }
        }
        verdict.evaluated = evaluated(verdict, rule)
        return verdict
    }

    /// `evaluatedDatapoints`, newest first: the datapoints the transition needed — the M newest
    /// breaching ones for ALARM, the N − M + 1 newest non-breaching ones for OK (real ones, and
    /// missing periods counted that way), every unknown period for INSUFFICIENT_DATA.
    private static func evaluated(_ v: AlarmVerdict, _ rule: AlarmRule) -> [AlarmDatapoint] {
        let pool: [AlarmDatapoint]
        let needed: Int
        switch v.state {
        case .alarm:
            pool = v.breaching + (rule.treatMissingData == .breaching ? v.filled : [])
            needed = v.m
        case .ok:
            pool = v.clear + (rule.treatMissingData == .notBreaching ? v.filled : [])
            needed = v.n - v.m + 1
        case .insufficientData:
            pool = v.unknown + v.breaching
            needed = v.n
        }
        return Array(pool.sorted { $0.timestamp > $1.timestamp }.prefix(needed))
    }

    /// AWS's "percentile-based alarms and low data samples": with
    /// `EvaluateLowSampleCountPercentile` "ignore", a percentile alarm keeps its state while
    /// its evaluated datapoints hold fewer than 10/(1−p) samples (p ≥ 0.5) or 10/p (p < 0.5).
    /// The samples are summed over the evaluated datapoints (AWS says "during the evaluation
    /// period"); datapoints without a sample count are not checked.
    static func tooFewSamples(_ rule: AlarmRule, _ window: [AlarmDatapoint]) -> Bool {
        guard rule.evaluateLowSampleCountPercentile == "ignore",
              let first = rule.statistic.first, first == "p" || first == "P",
              let percent = Double(rule.statistic.dropFirst()), percent > 0, percent < 100 else { return false }
        let p = percent / 100
        let minimum = p >= 0.5 ? 10 / (1 - p) : 10 / p
        let counts = window.compactMap(\.sampleCount)
        return !counts.isEmpty && counts.reduce(0, +) < minimum
    }
}

/// What an evaluation decided, with the datapoints its reason and reason data cite.
struct AlarmVerdict {
    /// EvaluationPeriods and DatapointsToAlarm, normalized.
    let n: Int, m: Int
    var state: AlarmStateValue = .insufficientData
    /// The evaluated real datapoints that breach / do not breach, oldest first.
    var breaching: [AlarmDatapoint] = []
    var clear: [AlarmDatapoint] = []
    /// Missing periods counted as `treatMissingData` says (breaching or notBreaching), newest first.
    var filled: [AlarmDatapoint] = []
    /// Missing periods left unknown (INSUFFICIENT_DATA), newest first.
    var unknown: [AlarmDatapoint] = []
    /// `evaluatedDatapoints`, newest first.
    var evaluated: [AlarmDatapoint] = []

    /// Every evaluated real datapoint, oldest first (`recentDatapoints`).
    var recent: [AlarmDatapoint] { (breaching + clear).sorted { $0.timestamp < $1.timestamp } }
}
