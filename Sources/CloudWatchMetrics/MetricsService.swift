public import AWSShapes
public import AWSWire
import Foundation
public import Storage
public import TrailwatchCore

/// CloudWatch metrics: PutMetricData, GetMetricStatistics, ListMetrics (GetMetricData is in
/// MetricDataService).
public struct MetricsService: Sendable {
    let store: any MetricStore
    let clock: any WallClock

    public init(store: any MetricStore, clock: any WallClock) {
        self.store = store
        self.clock = clock
    }

    // MARK: PutMetricData

    public func putMetricData(_ input: CloudWatch.PutMetricDataInput, _ ctx: CallContext) async throws -> EmptyShape {
        let samples = try MetricDataValidation().samples(input, scope: ctx.scope, now: clock.now())
        try await store.append(samples)
        return EmptyShape()
    }

    /// PutMetricData's fast path: the raw awsJson body read straight into a batch; nil when
    /// the request needs the generic path (see PutMetricDataJSON).
    public func putMetricDataFast(_ body: [UInt8], _ ctx: CallContext) async throws -> (recorded: WireValue, output: EmptyShape)? {
        let now = Int64(clock.now().timeIntervalSince1970)
        guard let batch = PutMetricDataJSON.decode(body, scope: ctx.scope, now: now) else { return nil }
        try await store.append(batch)
        // CloudTrail records the namespace; the datums are a bulk payload it leaves out.
        return (.map(["Namespace": .string(batch.namespace)]), EmptyShape())
    }

    // MARK: GetMetricStatistics

    /// At most this many datapoints per call.
    public static let maxDatapoints = 1440

    public func getMetricStatistics(_ input: CloudWatch.GetMetricStatisticsInput, _ ctx: CallContext) async throws -> CloudWatch.GetMetricStatisticsOutput {
        let statistics = try Self.parseStatistics(basic: input.statistics, extended: input.extendedStatistics)
        let now = Int64(clock.now().timeIntervalSince1970)
        let period = Int64(input.period)
        try Self.checkPeriod(period, parameter: "Period")
        // Decoders refuse unrepresentable timestamps, so these conversions cannot trap.
        let rawStart = Int64(input.startTime.timeIntervalSince1970.rounded(.down))
        let end = Int64(input.endTime.timeIntervalSince1970.rounded(.down))
        // AWS compares the two to the second before any rounding; equal times are refused too.
        guard rawStart < end else {
            throw AWSError(CloudWatch.Errors.invalidParameterValueException, "The parameter StartTime must be less than the parameter EndTime.")
        }
        let start = PeriodAggregation.roundedStart(rawStart, now: now, period: period)
        let requested = (end - start + period - 1) / period
        if requested > Int64(Self.maxDatapoints) {
            throw AWSError(CloudWatch.Errors.invalidParameterCombinationException,
                           "You have requested up to \(requested) datapoints, which exceeds the limit of \(Self.maxDatapoints). You may reduce the datapoints requested by increasing Period, or decreasing the time range.")
        }
        let identity = MetricIdentity(namespace: input.namespace, metricName: input.metricName,
                                      dimensions: (input.dimensions ?? []).map { MetricDimension(name: $0.name, value: $0.value) })
        let matching = try await store.series(in: ctx.scope, namespace: input.namespace, metricName: input.metricName)
            .filter { $0.key.metric == identity && (input.unit == nil || $0.key.unit == input.unit) }
        let cells = try await store.cells(matching.map(\.id), start: start, end: end, resolution: Int(period))
        let distributions = statistics.contains { !$0.isBasic }
        var datapoints: [CloudWatch.Datapoint] = []
        for (info, seriesCells) in zip(matching, cells) {
            for (ts, cell) in PeriodAggregation.aggregate(seriesCells, start: start, end: end, period: period, distributions: distributions) {
                datapoints.append(Self.datapoint(ts, cell, statistics, unit: info.key.unit))
            }
        }
        datapoints.sort { ($0.timestamp ?? .distantPast) < ($1.timestamp ?? .distantPast) }
        return CloudWatch.GetMetricStatisticsOutput(label: input.metricName, datapoints: datapoints)
    }

    static func datapoint(_ ts: Int64, _ cell: MetricCell, _ statistics: [Statistic], unit: String) -> CloudWatch.Datapoint {
        var d = CloudWatch.Datapoint(timestamp: Date(timeIntervalSince1970: Double(ts)), unit: unit)
        var extended: [String: Double] = [:]
        for s in statistics {
            let v = s.value(of: cell)
            switch s.kind {
            case .sampleCount: d.sampleCount = v
            case .average: d.average = v
            case .sum: d.sum = v
            case .minimum: d.minimum = v
            case .maximum: d.maximum = v
            default: if let v { extended[s.name] = v }
            }
        }
        if statistics.contains(where: { !$0.isBasic }) { d.extendedStatistics = extended }
        return d
    }

    /// The statistics asked for, refused as AWS refuses them.
    static func parseStatistics(basic: [String]?, extended: [String]?) throws -> [Statistic] {
        // AWS documents "one or the other" but answers both together.
        if basic == nil && extended == nil {
            throw AWSError(CloudWatch.Errors.invalidParameterCombinationException, "Must specify either Statistics or ExtendedStatistics")
        }
        var out: [Statistic] = []
        for (i, name) in (basic ?? []).enumerated() {
            guard let s = Statistic(name), s.isBasic else {
                throw AWSError(CloudWatch.Errors.invalidParameterValueException,
                               "The parameter Statistics.member.\(i + 1) must be a value in the set [SampleCount, Average, Sum, Minimum, Maximum].")
            }
            out.append(s)
        }
        for (i, name) in (extended ?? []).enumerated() {
            guard let s = Statistic(name), !s.isBasic else {
                throw AWSError(CloudWatch.Errors.invalidParameterValueException,
                               "The value \(name) for parameter ExtendedStatistics.member.\(i + 1) is not a valid statistic.")
            }
            out.append(s)
        }
        return out
    }

    /// Periods are 1, 5, 10, 20, 30 or a multiple of 60 seconds.
    static func checkPeriod(_ period: Int64, parameter: String) throws {
        guard period > 0, period % 60 == 0 || [1, 5, 10, 20, 30].contains(period) else {
            throw AWSError(CloudWatch.Errors.invalidParameterValueException, "The parameter \(parameter) must be a multiple of 60.")
        }
    }

    // MARK: ListMetrics

    /// ListMetrics answers up to 500 metrics a page.
    public static let listPageSize = 500

    public func listMetrics(_ input: CloudWatch.ListMetricsInput, _ ctx: CallContext) async throws -> CloudWatch.ListMetricsOutput {
        let now = Int64(clock.now().timeIntervalSince1970)
        // Metrics are listed for two weeks after their last datapoint; PT3H narrows that to three hours.
        let since = now - (input.recentlyActive == "PT3H" ? 3 * 3600 : 14 * 86400)
        let filters = input.dimensions ?? []
        var seen = Set<MetricIdentity>()
        var metrics: [MetricIdentity] = []
        for info in try await store.series(in: ctx.scope, namespace: input.namespace, metricName: input.metricName)
        where info.lastReceived >= since && seen.insert(info.key.metric).inserted {
            let dims = info.key.metric.dimensions
            let matches = filters.allSatisfy { f in dims.contains { $0.name == f.name && (f.value == nil || $0.value == f.value) } }
            if matches { metrics.append(info.key.metric) }
        }
        metrics.sort(by: Self.listOrder)
        var startIndex = 0
        if let token = input.nextToken {
            guard let after = PageToken.decode(token, kind: "metrics"), let i = Int(after), i >= 0, i <= metrics.count else {
                throw AWSError(CloudWatch.Errors.invalidNextToken, "The value for parameter NextToken is invalid.")
            }
            startIndex = i
        }
        let page = metrics[startIndex..<min(metrics.count, startIndex + Self.listPageSize)]
        let next = startIndex + page.count < metrics.count ? PageToken.encode(String(startIndex + page.count), kind: "metrics") : nil
        return CloudWatch.ListMetricsOutput(
            metrics: page.map { m in
                CloudWatch.Metric(namespace: m.namespace, metricName: m.metricName,
                                  dimensions: m.dimensions.map { CloudWatch.Dimension(name: $0.name, value: $0.value) })
            },
            nextToken: next)
    }

    static func listOrder(_ a: MetricIdentity, _ b: MetricIdentity) -> Bool {
        if a.namespace != b.namespace { return a.namespace < b.namespace }
        if a.metricName != b.metricName { return a.metricName < b.metricName }
        return a.dimensions.lexicographicallyPrecedes(b.dimensions)
    }
}
