import AWSShapes
@testable import CloudWatchAlarms
import CloudWatchMetrics
import Foundation
import Storage
import StorageSQLite
import Testing
import TrailwatchCore

/// Alarms whose value comes from the GetMetricData engine: metric math and a Metrics
/// Insights query, evaluated on the manual clock.
@Suite("Alarms on metric math and Metrics Insights")
struct QueryAlarmTests {
    let clock = ManualClock(Date(timeIntervalSince1970: 1_790_000_000))
    var ctx: CallContext {
        CallContext(requestID: "r", identity: .root(accountId: "123456789012", accessKeyId: "k"), region: "us-east-1", receivedAt: clock.now())
    }

    func put(_ metrics: MetricsService, host: String, errors: Double, requests: Double) async throws {
        _ = try await metrics.putMetricData(CloudWatch.PutMetricDataInput(namespace: "Web", metricData: [
            CloudWatch.MetricDatum(metricName: "Errors", dimensions: [CloudWatch.Dimension(name: "Host", value: host)], timestamp: clock.now(), value: errors),
            CloudWatch.MetricDatum(metricName: "Requests", dimensions: [CloudWatch.Dimension(name: "Host", value: host)], timestamp: clock.now(), value: requests),
        ]), ctx)
    }

    @Test("an error-rate alarm (metric math) and a Metrics Insights alarm move with the data")
    func mathAndInsights() async throws {
        let backend = try SQLiteBackend(location: .memory, clock: clock)
        let metrics = MetricsService(store: backend.metrics, clock: clock)
        let alarms = AlarmService(resources: backend.resources, tags: backend.tags, clock: clock)
        let evaluation = AlarmEvaluation(alarms: alarms, metricData: MetricDataService(store: backend.metrics, clock: clock))
        func stat(_ id: String, _ name: String) -> CloudWatch.MetricDataQuery {
            CloudWatch.MetricDataQuery(id: id, metricStat: CloudWatch.MetricStat(
                metric: CloudWatch.Metric(namespace: "Web", metricName: name, dimensions: [CloudWatch.Dimension(name: "Host", value: "a")]),
                period: 60, stat: "Sum"), returnData: false)
        }
        _ = try await alarms.putMetricAlarm(CloudWatch.PutMetricAlarmInput(
            alarmName: "error-rate", evaluationPeriods: 1, threshold: 10, comparisonOperator: "GreaterThanThreshold",
            metrics: [stat("e", "Errors"), stat("r", "Requests"),
                      CloudWatch.MetricDataQuery(id: "rate", expression: "100 * e / r", label: "Error rate")]), ctx)
        _ = try await alarms.putMetricAlarm(CloudWatch.PutMetricAlarmInput(
            alarmName: "errors-across-hosts", evaluationPeriods: 1, threshold: 50, comparisonOperator: "GreaterThanThreshold",
            metrics: [CloudWatch.MetricDataQuery(id: "q", expression: #"SELECT SUM(Errors) FROM SCHEMA("Web", Host)"#, period: 60)]), ctx)

        try await put(metrics, host: "a", errors: 1, requests: 100)
        try await put(metrics, host: "b", errors: 2, requests: 100)
        clock.advance(by: 60)
        try await evaluation.round()
        #expect(try await alarms.load("error-rate", ctx.scope)?.stateValue == "OK")
        #expect(try await alarms.load("errors-across-hosts", ctx.scope)?.stateValue == "OK")

        try await put(metrics, host: "a", errors: 30, requests: 100)
        try await put(metrics, host: "b", errors: 40, requests: 100)
        clock.advance(by: 60)
        try await evaluation.round()
        let rate = try #require(try await alarms.load("error-rate", ctx.scope))
        #expect(rate.stateValue == "ALARM")
        #expect(rate.stateReason.hasPrefix("Threshold Crossed: 1 datapoint [30.0 ("), "\(rate.stateReason)")
        let across = try #require(try await alarms.load("errors-across-hosts", ctx.scope))
        #expect(across.stateValue == "ALARM")
        #expect(across.stateReason.hasPrefix("Threshold Crossed: 1 datapoint [70.0 ("), "\(across.stateReason)")
    }
}
