import AWSShapes
@testable import CloudWatchAlarms
@testable import CloudWatchMetrics
import Foundation
import Storage
import StorageSQLite
import Testing
import TrailwatchCore

/// Anomaly detection end to end in process: a detector, ANOMALY_DETECTION_BAND in
/// GetMetricData, and an alarm on the band, over three days of a daily sine.
@Suite("Anomaly detection: detectors, bands and band alarms")
struct AnomalyAlarmTests {
    let clock = ManualClock(Date(timeIntervalSince1970: 1_790_000_000))
    var ctx: CallContext {
        CallContext(requestID: "r", identity: .root(accountId: "123456789012", accessKeyId: "k"), region: "us-east-1", receivedAt: clock.now())
    }
    /// The start of the 5-minute period the clock is in.
    let p0: Int64 = 1_790_000_000 / 300 * 300
    static let dims = [CloudWatch.Dimension(name: "Host", value: "web-1")]

    /// 100 + 50·sin(time of day), with a little deterministic noise.
    static func seasonal(_ t: Int64, _ i: Int) -> Double {
        100 + 50 * sin(2 * .pi * Double(t % 86_400) / 86_400) + Double((i * 7919) % 11 - 5) * 0.5
    }

    func put(_ metrics: MetricsService, _ points: [(Int64, Double)]) async throws {
        for chunk in stride(from: 0, to: points.count, by: 1000) {
            let data = points[chunk..<min(chunk + 1000, points.count)].map { t, v in
                CloudWatch.MetricDatum(metricName: "Requests", dimensions: Self.dims, timestamp: Date(timeIntervalSince1970: Double(t)), value: v)
            }
            _ = try await metrics.putMetricData(CloudWatch.PutMetricDataInput(namespace: "Shop", metricData: data), ctx)
        }
    }

    /// Three days before the current period, one datapoint every 5 minutes.
    func history(_ metrics: MetricsService) async throws {
        try await put(metrics, (1...864).map { k in let t = p0 - Int64(k) * 300; return (t, Self.seasonal(t, k)) })
    }

    @Test("the band holds the seasonal value and not a spike; the band alarm stays OK, then fires on the spike")
    func bandAlarm() async throws {
        let backend = try SQLiteBackend(location: .memory, clock: clock)
        let metrics = MetricsService(store: backend.metrics, clock: clock)
        let metricData = MetricDataService(store: backend.metrics, clock: clock, resources: backend.resources)
        let alarms = AlarmService(resources: backend.resources, tags: backend.tags, clock: clock)
        let evaluation = AlarmEvaluation(alarms: alarms, metricData: metricData)
        try await history(metrics)

        let m1 = CloudWatch.MetricDataQuery(id: "m1", metricStat: CloudWatch.MetricStat(
            metric: CloudWatch.Metric(namespace: "Shop", metricName: "Requests", dimensions: Self.dims), period: 300, stat: "Average"))
        let ad1 = CloudWatch.MetricDataQuery(id: "ad1", expression: "ANOMALY_DETECTION_BAND(m1, 2)", label: "Requests (expected)")
        // GetMetricData: the band over the next hour, lower then upper, around the sine.
        let out = try await metricData.getMetricData(CloudWatch.GetMetricDataInput(
            metricDataQueries: [m1, ad1], startTime: Date(timeIntervalSince1970: Double(p0)),
            endTime: Date(timeIntervalSince1970: Double(p0 + 3600)), scanBy: "TimestampAscending"), ctx)
        let bands = out.metricDataResults?.filter { $0.id == "ad1" } ?? []
        try #require(bands.count == 2)
        #expect(bands.map(\.label) == ["Requests (expected) Lower", "Requests (expected) Upper"])
        let lower = try #require(bands[0].values), upper = try #require(bands[1].values)
        try #require(lower.count == 12 && upper.count == 12)
        for (i, t) in (bands[0].timestamps ?? []).enumerated() {
            let expected = Self.seasonal(Int64(t.timeIntervalSince1970), 0)
            #expect(lower[i] < expected && expected < upper[i], "at \(t): \(lower[i]) < \(expected) < \(upper[i])")
            #expect(upper[i] < 250)
        }

        _ = try await alarms.putMetricAlarm(CloudWatch.PutMetricAlarmInput(
            alarmName: "requests-anomaly", evaluationPeriods: 1, comparisonOperator: "LessThanLowerOrGreaterThanUpperThreshold",
            metrics: [m1, ad1], thresholdMetricId: "ad1"), ctx)
        // A seasonal value in the current period: once it closes, the alarm is OK.
        try await put(metrics, [(p0 + 10, Self.seasonal(p0, 0))])
        clock.advance(by: 300)
        try await evaluation.round()
        var alarm = try #require(try await alarms.load("requests-anomaly", ctx.scope))
        #expect(alarm.stateValue == "OK", "\(alarm.stateReason)")

        // A spike far above the band: ALARM, worded as AWS words band alarms.
        try await put(metrics, [(p0 + 310, 400)])
        clock.advance(by: 300)
        try await evaluation.round()
        alarm = try #require(try await alarms.load("requests-anomaly", ctx.scope))
        #expect(alarm.stateValue == "ALARM")
        #expect(alarm.stateReason.hasPrefix("Thresholds Crossed: 1 datapoint [400.0 ("), "\(alarm.stateReason)")
        #expect(alarm.stateReason.contains("was less than the lower thresholds ["))
        let data = try JSONReader.parse(Array((alarm.stateReasonData ?? "").utf8))
        guard case .list(let uppers)? = data["recentUpperThresholds"], case .list(let lowers)? = data["recentLowerThresholds"] else {
            Issue.record("no band thresholds in \(alarm.stateReasonData ?? "")")
            return
        }
        #expect(uppers.count == 1 && lowers.count == 1)
    }

    @Test("a band over a metric math expression is trained on the expression's history; its alarm fires on a spike")
    func bandOverMetricMath() async throws {
        let backend = try SQLiteBackend(location: .memory, clock: clock)
        let metrics = MetricsService(store: backend.metrics, clock: clock)
        let metricData = MetricDataService(store: backend.metrics, clock: clock, resources: backend.resources)
        let alarms = AlarmService(resources: backend.resources, tags: backend.tags, clock: clock)
        let evaluation = AlarmEvaluation(alarms: alarms, metricData: metricData)
        let detectors = AnomalyDetectorService(resources: backend.resources, metricData: metricData, clock: clock)

        let m1 = CloudWatch.MetricDataQuery(id: "m1", metricStat: CloudWatch.MetricStat(
            metric: CloudWatch.Metric(namespace: "Shop", metricName: "Requests", dimensions: Self.dims), period: 300, stat: "Average"),
            returnData: false)
        // Requests per second over 5-minute periods: the sine divided by 300.
        let rate = CloudWatch.MetricDataQuery(id: "rate", expression: "m1 / 300", label: "Requests/s")
        _ = try await detectors.putAnomalyDetector(CloudWatch.PutAnomalyDetectorInput(
            metricMathAnomalyDetector: CloudWatch.MetricMathAnomalyDetector(metricDataQueries: [m1, rate])), ctx)
        func detectorState() async throws -> String? {
            try await detectors.describeAnomalyDetectors(CloudWatch.DescribeAnomalyDetectorsInput(anomalyDetectorTypes: ["METRIC_MATH"]), ctx)
                .anomalyDetectors?.first?.stateValue
        }
        #expect(try await detectorState() == "PENDING_TRAINING")
        try await history(metrics)
        #expect(try await detectorState() == "TRAINED")
        let ad1 = CloudWatch.MetricDataQuery(id: "ad1", expression: "ANOMALY_DETECTION_BAND(rate, 2)")
        let out = try await metricData.getMetricData(CloudWatch.GetMetricDataInput(
            metricDataQueries: [m1, rate, ad1], startTime: Date(timeIntervalSince1970: Double(p0)),
            endTime: Date(timeIntervalSince1970: Double(p0 + 3600)), scanBy: "TimestampAscending"), ctx)
        let bands = out.metricDataResults?.filter { $0.id == "ad1" } ?? []
        try #require(bands.count == 2)
        let lower = try #require(bands[0].values), upper = try #require(bands[1].values)
        try #require(lower.count == 12 && upper.count == 12)
        for (i, t) in (bands[0].timestamps ?? []).enumerated() {
            let expected = Self.seasonal(Int64(t.timeIntervalSince1970), 0) / 300
            #expect(lower[i] < expected && expected < upper[i], "at \(t): \(lower[i]) < \(expected) < \(upper[i])")
            #expect(upper[i] < 250.0 / 300)
        }

        _ = try await alarms.putMetricAlarm(CloudWatch.PutMetricAlarmInput(
            alarmName: "rate-anomaly", evaluationPeriods: 1, comparisonOperator: "GreaterThanUpperThreshold",
            metrics: [m1, rate, ad1], thresholdMetricId: "ad1"), ctx)
        try await put(metrics, [(p0 + 10, Self.seasonal(p0, 0))])
        clock.advance(by: 300)
        try await evaluation.round()
        #expect(try await alarms.load("rate-anomaly", ctx.scope)?.stateValue == "OK")
        try await put(metrics, [(p0 + 310, 400)])
        clock.advance(by: 300)
        try await evaluation.round()
        let alarm = try #require(try await alarms.load("rate-anomaly", ctx.scope))
        #expect(alarm.stateValue == "ALARM", "\(alarm.stateReason)")
    }

    @Test("detectors: put, describe with its training state, filter, delete; the refusals")
    func detectors() async throws {
        let backend = try SQLiteBackend(location: .memory, clock: clock)
        let metrics = MetricsService(store: backend.metrics, clock: clock)
        let metricData = MetricDataService(store: backend.metrics, clock: clock, resources: backend.resources)
        let service = AnomalyDetectorService(resources: backend.resources, metricData: metricData, clock: clock)
        let single = CloudWatch.SingleMetricAnomalyDetector(namespace: "Shop", metricName: "Requests", dimensions: Self.dims, stat: "Average")
        _ = try await service.putAnomalyDetector(CloudWatch.PutAnomalyDetectorInput(
            configuration: CloudWatch.AnomalyDetectorConfiguration(
                excludedTimeRanges: [CloudWatch.RangeShape(startTime: Date(timeIntervalSince1970: 1_789_900_000),
                                                           endTime: Date(timeIntervalSince1970: 1_789_903_600))],
                metricTimezone: "Europe/Berlin"),
            singleMetricAnomalyDetector: single), ctx)
        var found = try await service.describeAnomalyDetectors(CloudWatch.DescribeAnomalyDetectorsInput(namespace: "Shop"), ctx)
        try #require(found.anomalyDetectors?.count == 1)
        let d = try #require(found.anomalyDetectors?.first)
        #expect(d.stateValue == "PENDING_TRAINING")
        #expect(d.singleMetricAnomalyDetector?.metricName == "Requests" && d.stat == "Average")
        #expect(d.configuration?.metricTimezone == "Europe/Berlin" && d.configuration?.excludedTimeRanges?.count == 1)

        try await history(metrics)
        found = try await service.describeAnomalyDetectors(CloudWatch.DescribeAnomalyDetectorsInput(), ctx)
        #expect(found.anomalyDetectors?.first?.stateValue == "TRAINED")
        found = try await service.describeAnomalyDetectors(CloudWatch.DescribeAnomalyDetectorsInput(anomalyDetectorTypes: ["METRIC_MATH"]), ctx)
        #expect(found.anomalyDetectors?.isEmpty == true)

        await #expect(throws: AWSError.self) {
            try await service.putAnomalyDetector(CloudWatch.PutAnomalyDetectorInput(namespace: "Shop", singleMetricAnomalyDetector: single), ctx)
        }
        await #expect(throws: AWSError.self) {
            try await service.putAnomalyDetector(CloudWatch.PutAnomalyDetectorInput(
                configuration: CloudWatch.AnomalyDetectorConfiguration(metricTimezone: "Mars/Olympus"), singleMetricAnomalyDetector: single), ctx)
        }
        _ = try await service.deleteAnomalyDetector(CloudWatch.DeleteAnomalyDetectorInput(singleMetricAnomalyDetector: single), ctx)
        do {
            _ = try await service.deleteAnomalyDetector(CloudWatch.DeleteAnomalyDetectorInput(singleMetricAnomalyDetector: single), ctx)
            Issue.record("deleting a missing detector succeeded")
        } catch let e as AWSError {
            #expect(e.type.code == "ResourceNotFoundException")
        }
    }
}
