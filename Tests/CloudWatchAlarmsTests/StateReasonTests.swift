@testable import CloudWatchAlarms
import Testing

/// Reasons and reason data compared with text AWS produced. Each expected string is verbatim
/// from AWS output: LocalStack's snapshots recorded against AWS
/// (localstack/localstack tests/aws/services/cloudwatch/test_cloudwatch.snapshot.json, with its
/// placeholders filled in) or alarm notifications quoted in public repositories. queryDate
/// milliseconds are .000 here because the evaluator's clock has whole seconds.
@Suite("Alarm evaluation: StateReason and StateReasonData as AWS words them")
struct StateReasonTests {
    /// A range of `values` one `period` apart starting at `start`, oldest first.
    func range(_ start: Int64, _ period: Int64, _ values: [Double?], samples: [Double]? = nil,
               lower: [Double]? = nil, upper: [Double]? = nil) -> [AlarmDatapoint] {
        values.enumerated().map { i, v in
            AlarmDatapoint(timestamp: start + Int64(i) * period, value: v, sampleCount: samples?[i],
                           lower: lower?[i], upper: upper?[i])
        }
    }

    func rule(_ c: AlarmComparison, _ threshold: Double?, n: Int, m: Int? = nil, missing: MissingDataTreatment = .missing,
              period: Int = 60, statistic: String = "Average", unit: String? = nil) -> AlarmRule {
        AlarmRule(comparison: c, threshold: threshold, evaluationPeriods: n, datapointsToAlarm: m ?? n, treatMissingData: missing,
                  period: period, statistic: statistic, unit: unit, datapointsToAlarmIsSet: m != nil)
    }

    @Test("one breaching datapoint (LocalStack's AWS snapshot test_put_metric_alarm)")
    func oneDatapoint() {
        let r = rule(.greaterThanThreshold, 21, n: 1, missing: .ignore, period: 10, unit: "Seconds")
        let out = AlarmEvaluator.evaluate(r, datapoints: range(1_796_119_180, 10, [nil, nil, 21.5], samples: [0, 0, 2]),
                                          current: .insufficientData, now: 1_796_119_225)
        #expect(out.state == .alarm)
        #expect(out.reason == "Threshold Crossed: 1 datapoint [21.5 (01/12/26 10:00:00)] was greater than the threshold (21.0).")
        #expect(out.reasonData == #"{"version":"1.0","queryDate":"2026-12-01T10:00:25.000+0000","startDate":"2026-12-01T10:00:00.000+0000","unit":"Seconds","statistic":"Average","period":10,"recentDatapoints":[21.5],"threshold":21.0,"evaluatedDatapoints":[{"timestamp":"2026-12-01T10:00:00.000+0000","sampleCount":2.0,"value":21.5}]}"#)
    }

    @Test("no data, treated as breaching (LocalStack's AWS snapshot test_breaching_alarm_actions)")
    func allMissingBreaching() {
        let r = rule(.greaterThanThreshold, 2, n: 2, missing: .breaching, period: 10, unit: "Seconds")
        let out = AlarmEvaluator.evaluate(r, datapoints: range(1_796_119_180, 10, [nil, nil, nil, nil]),
                                          current: .insufficientData, now: 1_796_119_225)
        #expect(out.state == .alarm)
        #expect(out.reason == "Threshold Crossed: no datapoints were received for 2 periods and 2 missing datapoints were treated as [Breaching].")
        #expect(out.reasonData == #"{"version":"1.0","queryDate":"2026-12-01T10:00:25.000+0000","unit":"Seconds","statistic":"Average","period":10,"recentDatapoints":[],"threshold":2.0,"evaluatedDatapoints":[{"timestamp":"2026-12-01T10:00:10.000+0000"},{"timestamp":"2026-12-01T10:00:00.000+0000"}]}"#)
    }

    @Test("no data with notBreaching, and with missing")
    func allMissingOther() {
        let ok = AlarmEvaluator.evaluate(rule(.greaterThanThreshold, 0, n: 1, missing: .notBreaching),
                                         datapoints: range(1_596_178_080, 60, [nil, nil, nil]), current: .alarm, now: 1_596_178_300)
        #expect(ok.state == .ok)
        #expect(ok.reason == "Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [NonBreaching].")
        let unknown = AlarmEvaluator.evaluate(rule(.greaterThanThreshold, 60, n: 1),
                                              datapoints: range(1_596_178_080, 60, [nil, nil, nil]), current: .ok, now: 1_596_178_300)
        #expect(unknown.state == .insufficientData)
        #expect(unknown.reason == "Insufficient Data: 1 datapoint was unknown.")
        let five = AlarmEvaluator.evaluate(rule(.greaterThanThreshold, 5, n: 5),
                                           datapoints: range(1_596_178_080, 60, Array(repeating: nil, count: 7)), current: .ok, now: 1_596_178_600)
        #expect(five.reason == "Insufficient Data: 5 datapoints were unknown.")
    }

    @Test("M out of N, both ways (an AWS EventBridge event in tidal-open-source/cw-alert-router)")
    func mOutOfN() {
        let r = rule(.greaterThanOrEqualToThreshold, 10, n: 2, m: 2, period: 300)
        let alarm = AlarmEvaluator.evaluate(r, datapoints: range(1_601_878_200, 300, [nil, nil, 10.0, 10.25]), current: .ok, now: 1_601_879_458)
        #expect(alarm.state == .alarm)
        #expect(alarm.reason == "Threshold Crossed: 2 out of the last 2 datapoints [10.25 (05/10/20 06:25:00), 10.0 (05/10/20 06:20:00)] were greater than or equal to the threshold (10.0) (minimum 2 datapoints for OK -> ALARM transition).")
        #expect(alarm.reasonData.hasPrefix(#"{"version":"1.0","queryDate":"2020-10-05T06:30:58.000+0000","startDate":"2020-10-05T06:20:00.000+0000","statistic":"Average","period":300,"recentDatapoints":[10.0,10.25],"threshold":10.0,"#))
        let ok = AlarmEvaluator.evaluate(rule(.greaterThanOrEqualToThreshold, 30, n: 2, m: 2, period: 300),
                                         datapoints: range(1_601_879_220, 300, [nil, nil, 10.0, 10.0]), current: .alarm, now: 1_601_880_458)
        #expect(ok.state == .ok)
        #expect(ok.reason == "Threshold Crossed: 2 out of the last 2 datapoints [10.0 (05/10/20 06:42:00), 10.0 (05/10/20 06:37:00)] were not greater than or equal to the threshold (30.0) (minimum 1 datapoint for ALARM -> OK transition).")
        let three = AlarmEvaluator.evaluate(rule(.greaterThanOrEqualToThreshold, 7, n: 3, m: 3),
                                            datapoints: range(1_626_304_440, 60, [nil, nil, 9.18241509182415, 9.72, 8.891518474692088]),
                                            current: .ok, now: 1_626_304_850)
        #expect(three.reason == "Threshold Crossed: 3 out of the last 3 datapoints [8.891518474692088 (14/07/21 23:18:00), 9.72 (14/07/21 23:17:00), 9.18241509182415 (14/07/21 23:16:00)] were greater than or equal to the threshold (7.0) (minimum 3 datapoints for OK -> ALARM transition).")
    }

    @Test("five or more datapoints: the long form listing the five newest (AWS events quoted on GitHub)")
    func longForm() {
        let r = rule(.lessThanOrEqualToThreshold, 0, n: 6, period: 300, statistic: "Sum")
        let alarm = AlarmEvaluator.evaluate(r, datapoints: range(1_664_487_000, 300, [nil, nil, 0, 0, 0, 0, 0, 0], samples: Array(repeating: 5, count: 8)),
                                            current: .ok, now: 1_664_489_404)
        #expect(alarm.reason == "Threshold Crossed: 6 datapoints were less than or equal to the threshold (0.0). The most recent datapoints which crossed the threshold: [0.0 (29/09/22 22:05:00), 0.0 (29/09/22 22:00:00), 0.0 (29/09/22 21:55:00), 0.0 (29/09/22 21:50:00), 0.0 (29/09/22 21:45:00)].")
        #expect(alarm.reasonData == #"{"version":"1.0","queryDate":"2022-09-29T22:10:04.000+0000","startDate":"2022-09-29T21:40:00.000+0000","statistic":"Sum","period":300,"recentDatapoints":[0.0,0.0,0.0,0.0,0.0,0.0],"threshold":0.0,"evaluatedDatapoints":[{"timestamp":"2022-09-29T22:05:00.000+0000","sampleCount":5.0,"value":0.0},{"timestamp":"2022-09-29T22:00:00.000+0000","sampleCount":5.0,"value":0.0},{"timestamp":"2022-09-29T21:55:00.000+0000","sampleCount":5.0,"value":0.0},{"timestamp":"2022-09-29T21:50:00.000+0000","sampleCount":5.0,"value":0.0},{"timestamp":"2022-09-29T21:45:00.000+0000","sampleCount":5.0,"value":0.0},{"timestamp":"2022-09-29T21:40:00.000+0000","sampleCount":5.0,"value":0.0}]}"#)
        let ok = AlarmEvaluator.evaluate(r, datapoints: range(1_661_776_140, 300, [nil, nil, 0, 0, 0, 0, 0, 9.0], samples: [0, 0, 5, 5, 5, 5, 5, 14]),
                                         current: .alarm, now: 1_661_778_544)
        #expect(ok.reason == "Threshold Crossed: 1 datapoint [9.0 (29/08/22 13:04:00)] was not less than or equal to the threshold (0.0).")
        #expect(ok.reasonData == #"{"version":"1.0","queryDate":"2022-08-29T13:09:04.000+0000","startDate":"2022-08-29T12:39:00.000+0000","statistic":"Sum","period":300,"recentDatapoints":[0.0,0.0,0.0,0.0,0.0,9.0],"threshold":0.0,"evaluatedDatapoints":[{"timestamp":"2022-08-29T13:04:00.000+0000","sampleCount":14.0,"value":9.0}]}"#)
        let fiveOfFive = AlarmEvaluator.evaluate(rule(.lessThanThreshold, 65, n: 5, m: 5), datapoints: range(1_588_202_760, 60, [nil, nil, 0, 0, 0, 0, 0]),
                                                 current: .insufficientData, now: 1_588_203_214)
        #expect(fiveOfFive.reason == "Threshold Crossed: 5 out of the last 5 datapoints were less than the threshold (65.0). The most recent datapoints which crossed the threshold: [0.0 (29/04/20 23:32:00), 0.0 (29/04/20 23:31:00), 0.0 (29/04/20 23:30:00), 0.0 (29/04/20 23:29:00), 0.0 (29/04/20 23:28:00)] (minimum 5 datapoints for OK -> ALARM transition).")
    }

    @Test("missing datapoints filled in are named in the reason (AWS notifications quoted on GitHub)")
    func filledMissing() {
        let breaching = AlarmEvaluator.evaluate(rule(.lessThanThreshold, 1, n: 2, missing: .breaching, period: 300),
                                                datapoints: range(1_776_709_800, 300, [nil, nil, nil, 0.0]), current: .ok, now: 1_776_710_800)
        #expect(breaching.state == .alarm)
        #expect(breaching.reason == "Threshold Crossed: 1 datapoint [0.0 (20/04/26 18:45:00)] was less than the threshold (1.0) and 1 missing datapoint was treated as [Breaching].")
        let notBreaching = AlarmEvaluator.evaluate(rule(.greaterThanOrEqualToThreshold, 1, n: 20, m: 1, missing: .notBreaching),
                                                   datapoints: range(1_710_591_300 - 21 * 60, 60, Array(repeating: nil, count: 21) + [613.0]),
                                                   current: .ok, now: 1_710_591_405)
        #expect(notBreaching.state == .alarm)
        #expect(notBreaching.reason == "Threshold Crossed: 1 out of the last 20 datapoints [613.0 (16/03/24 12:15:00)] was greater than or equal to the threshold (1.0) and 19 missing datapoints were treated as [NonBreaching] (minimum 1 datapoint for OK -> ALARM transition).")
    }

    @Test("band operators: both bounds, in AWS's words (an AWS EventBridge event, 2019)")
    func band() {
        let r = rule(.lessThanLowerOrGreaterThanUpperThreshold, nil, n: 1, m: 1, statistic: "")
        let alarm = AlarmEvaluator.evaluate(r, datapoints: range(1_570_118_160, 60, [nil, nil, 0.0], lower: [0, 0, 0.020599444741798756], upper: [1, 1, 0.3006915352732461]),
                                            current: .ok, now: 1_570_118_404)
        #expect(alarm.reason == "Thresholds Crossed: 1 out of the last 1 datapoints [0.0 (03/10/19 15:58:00)] was less than the lower thresholds [0.020599444741798756] or greater than the upper thresholds [0.3006915352732461] (minimum 1 datapoint for OK -> ALARM transition).")
        #expect(alarm.reasonData.hasPrefix(#"{"version":"1.0","queryDate":"2019-10-03T16:00:04.000+0000","startDate":"2019-10-03T15:58:00.000+0000","period":60,"recentDatapoints":[0.0],"recentLowerThresholds":[0.020599444741798756],"recentUpperThresholds":[0.3006915352732461]"#))
        let ok = AlarmEvaluator.evaluate(r, datapoints: range(1_570_118_100, 60, [nil, nil, 0.166666666664241], lower: [0, 0, 0.0206719426210418], upper: [1, 1, 0.30076870222143803]),
                                         current: .alarm, now: 1_570_118_344)
        #expect(ok.reason == "Thresholds Crossed: 1 out of the last 1 datapoints [0.166666666664241 (03/10/19 15:57:00)] was not less than the lower thresholds [0.0206719426210418] or not greater than the upper thresholds [0.30076870222143803] (minimum 1 datapoint for ALARM -> OK transition).")
    }

    @Test("percentile alarms with too few samples keep their state when told to ignore them")
    func lowSamplePercentile() {
        var r = rule(.greaterThanThreshold, 1, n: 1, statistic: "p99")
        r.evaluateLowSampleCountPercentile = "ignore"
        let few = range(1_596_178_080, 60, [nil, nil, 5.0], samples: [0, 0, 999])
        #expect(AlarmEvaluator.evaluate(r, datapoints: few, current: .ok, now: 1_596_178_300).state == nil)
        #expect(AlarmEvaluator.evaluate(r, datapoints: range(1_596_178_080, 60, [nil, nil, 5.0], samples: [0, 0, 1000]), current: .ok, now: 1_596_178_300).state == .alarm)
        r.evaluateLowSampleCountPercentile = "evaluate"
        #expect(AlarmEvaluator.evaluate(r, datapoints: few, current: .ok, now: 1_596_178_300).state == .alarm)
    }

    @Test("numbers print as Java's Double.toString, dates in AWS's two UTC layouts")
    func formats() {
        let cases: [(Double, String)] = [(21, "21.0"), (21.5, "21.5"), (0, "0.0"), (-3.25, "-3.25"), (20000, "20000.0"),
                                         (0.0666851903306472, "0.0666851903306472"), (1.0166666666666666, "1.0166666666666666"),
                                         (0.001, "0.001"), (0.00015, "1.5E-4"), (1e7, "1.0E7"), (12_345_678, "1.2345678E7"),
                                         (9_999_999, "9999999.0"), (1e21, "1.0E21")]
        for (d, text) in cases { #expect(AWSFormat.number(d) == text, "\(d)") }
        #expect(AWSFormat.reasonDate(1_796_119_200) == "01/12/26 10:00:00")
        #expect(AWSFormat.dataDate(1_796_119_225) == "2026-12-01T10:00:25.000+0000")
        #expect(AWSFormat.dataDate(951_782_400) == "2000-02-29T00:00:00.000+0000")
    }
}
