public import AWSShapes
import AWSWire
import Foundation
public import Storage
public import TrailwatchCore

/// PutAnomalyDetector, DescribeAnomalyDetectors and DeleteAnomalyDetector.
///
/// A detector names what to model (one metric statistic, or metric math) and how to train it
/// (excluded time ranges, the metric's time zone). Bands are computed from it by
/// `ANOMALY_DETECTION_BAND` in GetMetricData and in alarms (`AnomalyBands`); a band over a
/// metric without a detector uses the default configuration, as AWS creates the model the
/// first time a band is asked for.
public struct AnomalyDetectorService: Sendable {
    let resources: any ResourceStore
    let metricData: MetricDataService
    let clock: any WallClock

    public init(resources: any ResourceStore, metricData: MetricDataService, clock: any WallClock) {
        self.resources = resources
        self.metricData = metricData
        self.clock = clock
    }

    static func invalid(_ message: String) -> AWSError { AWSError(CloudWatch.Errors.invalidParameterValueException, message) }
    static func combination(_ message: String) -> AWSError { AWSError(CloudWatch.Errors.invalidParameterCombinationException, message) }

    public func putAnomalyDetector(_ input: CloudWatch.PutAnomalyDetectorInput, _ ctx: CallContext) async throws -> CloudWatch.PutAnomalyDetectorOutput {
        var record = try Self.identity(namespace: input.namespace, metricName: input.metricName, dimensions: input.dimensions,
                                       stat: input.stat, single: input.singleMetricAnomalyDetector, math: input.metricMathAnomalyDetector)
        if let zone = input.configuration?.metricTimezone {
            guard TimeZone(identifier: zone) != nil else {
                throw Self.invalid("The metric timezone \(zone) is not a valid timezone.") // wording unverified
            }
            record.metricTimezone = zone
        }
        for range in input.configuration?.excludedTimeRanges ?? [] {
            guard range.startTime < range.endTime else {
                throw Self.invalid("The start time of an excluded time range must be before its end time.") // wording unverified
            }
            record.exclusions.append(.init(start: range.startTime.timeIntervalSince1970, end: range.endTime.timeIntervalSince1970))
        }
        record.periodicSpikes = input.metricCharacteristics?.periodicSpikes
        try await resources.put(try record.resource(scope: ctx.scope, at: clock.now()), ifAbsent: false)
        return CloudWatch.PutAnomalyDetectorOutput()
    }

    public func deleteAnomalyDetector(_ input: CloudWatch.DeleteAnomalyDetectorInput, _ ctx: CallContext) async throws -> CloudWatch.DeleteAnomalyDetectorOutput {
        let record = try Self.identity(namespace: input.namespace, metricName: input.metricName, dimensions: input.dimensions,
                                       stat: input.stat, single: input.singleMetricAnomalyDetector, math: input.metricMathAnomalyDetector)
        let deleted = try await resources.delete(kind: AnomalyDetectorRecord.kind, scope: ctx.scope, names: [record.key], allOrNothing: true)
        guard !deleted.deleted.isEmpty else {
            throw AWSError(CloudWatch.Errors.resourceNotFoundException, "This anomaly detection model does not exist") // wording unverified
        }
        return CloudWatch.DeleteAnomalyDetectorOutput()
    }

    /// DescribeAnomalyDetectors answers at most this many a page (its default too).
    static let maxResults = 100

    public func describeAnomalyDetectors(_ input: CloudWatch.DescribeAnomalyDetectorsInput, _ ctx: CallContext) async throws -> CloudWatch.DescribeAnomalyDetectorsOutput {
        let limit = input.maxResults ?? Self.maxResults
        guard (1...Self.maxResults).contains(limit) else {
            throw Self.invalid("The parameter MaxResults must be between 1 and \(Self.maxResults).") // wording unverified
        }
        let types = Set(input.anomalyDetectorTypes ?? ["SINGLE_METRIC", "METRIC_MATH"])
        for t in types where t != "SINGLE_METRIC" && t != "METRIC_MATH" {
            throw Self.invalid("1 validation error detected: Value '[\(t)]' at 'anomalyDetectorTypes' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [METRIC_MATH, SINGLE_METRIC]]")
        }
        let after = try input.nextToken.map { token -> String in
            guard let key = PageToken.decode(token, kind: "anomaly-detectors") else {
                throw AWSError(CloudWatch.Errors.invalidNextToken, "The service couldn't process your request because the NextToken is invalid.")
            }
            return key
        }
        let wanted = (input.dimensions ?? []).map { "\($0.name)=\($0.value)" }
        var page: [AnomalyDetectorRecord] = []
        var more = false
        for resource in try await resources.everything(kind: AnomalyDetectorRecord.kind, scope: ctx.scope)
        where after.map({ resource.name > $0 }) ?? true {
            let d = try AnomalyDetectorRecord(resource)
            guard types.contains(d.isMetricMath ? "METRIC_MATH" : "SINGLE_METRIC") else { continue }
            if let ns = input.namespace, d.namespace != ns { continue }
            if let name = input.metricName, d.metricName != name { continue }
            if !wanted.isEmpty, !Set(wanted).isSubset(of: d.dimensions.map { "\($0.name)=\($0.value)" }) { continue }
            if page.count == limit {
                more = true
                break
            }
            page.append(d)
        }
        var shapes: [CloudWatch.AnomalyDetector] = []
        for d in page { shapes.append(d.shape(state: try await state(of: d, ctx.scope))) }
        return CloudWatch.DescribeAnomalyDetectorsOutput(
            anomalyDetectors: shapes, nextToken: more ? page.last.map { PageToken.encode($0.key, kind: "anomaly-detectors") } : nil)
    }

    /// TRAINED when the metric's (or the math expression's) last two weeks give a model at
    /// five-minute periods, PENDING_TRAINING before.
    func state(of d: AnomalyDetectorRecord, _ scope: ResourceScope) async throws -> String {
        let now = Int64(clock.now().timeIntervalSince1970)
        if let queries = d.metricDataQueries {
            return try await mathTrained(queries, scope, now: now) ? "TRAINED" : "PENDING_TRAINING"
        }
        guard let namespace = d.namespace, let name = d.metricName, let stat = d.stat else { return "PENDING_TRAINING" }
        let source = TimeSeries.Source(metric: MetricIdentity(namespace: namespace, metricName: name,
                                                              dimensions: d.dimensions.map { MetricDimension(name: $0.name, value: $0.value) }),
                                       stat: stat, period: 300)
        return try await metricData.bands.model(source, scope: scope, period: 300, trainedAt: now / 300 * 300) == nil ? "PENDING_TRAINING" : "TRAINED"
    }

    /// Whether a band over the detector's returned expression has points over the last hour.
    func mathTrained(_ queries: [CloudWatch.MetricDataQuery], _ scope: ResourceScope, now: Int64) async throws -> Bool {
        guard let watched = queries.first(where: { $0.returnData ?? true })?.id, !queries.contains(where: { $0.id == "trailwatch_band" }) else { return false }
        var all = queries.map { q in var q = q; q.returnData = false; return q }
        all.append(CloudWatch.MetricDataQuery(id: "trailwatch_band", expression: "ANOMALY_DETECTION_BAND(\(watched))"))
        let ctx = CallContext(requestID: "anomaly-detector-state", identity: .root(accountId: scope.accountId, accessKeyId: ""),
                              region: scope.region, receivedAt: Date(timeIntervalSince1970: Double(now)))
        let end = now / 300 * 300
        guard let band = try? await metricData.series(CloudWatch.GetMetricDataInput(
            metricDataQueries: all, startTime: Date(timeIntervalSince1970: Double(end - 3600)), endTime: Date(timeIntervalSince1970: Double(end))), ctx)
        else { return false }
        return band["trailwatch_band"]?.contains { !$0.isEmpty } ?? false
    }

    /// The detector an operation names, from the deprecated top-level members or exactly one
    /// of SingleMetricAnomalyDetector and MetricMathAnomalyDetector.
    static func identity(namespace: String?, metricName: String?, dimensions: [CloudWatch.Dimension]?, stat: String?,
                         single: CloudWatch.SingleMetricAnomalyDetector?, math: CloudWatch.MetricMathAnomalyDetector?) throws -> AnomalyDetectorRecord {
        let legacy = namespace != nil || metricName != nil || dimensions != nil || stat != nil
        if [legacy, single != nil, math != nil].filter({ $0 }).count > 1 {
            throw combination("Specify only one of the SingleMetricAnomalyDetector parameter, the MetricMathAnomalyDetector parameter, or the Namespace, MetricName, Dimensions and Stat parameters.") // wording unverified
        }
        if let math {
            let queries = math.metricDataQueries ?? []
            guard !queries.isEmpty else { throw AWSError(CloudWatch.Errors.missingRequiredParameterException, "MetricDataQueries is required for a MetricMathAnomalyDetector.") } // wording unverified
            guard queries.filter({ $0.returnData ?? true }).count == 1 else {
                throw invalid("Exactly one element of the MetricDataQueries array must have ReturnData set to true.") // wording unverified
            }
            _ = try MetricDataService.compile(queries)
            return AnomalyDetectorRecord(namespace: nil, metricName: nil, dimensions: [], stat: nil, metricMathJSON: queries.json,
                                         exclusions: [], metricTimezone: nil, periodicSpikes: nil)
        }
        let ns = single?.namespace ?? namespace, name = single?.metricName ?? metricName, st = single?.stat ?? stat
        let dims = single?.dimensions ?? dimensions ?? []
        guard let ns else { throw AWSError(CloudWatch.Errors.missingRequiredParameterException, "The parameter Namespace is required.") } // wording unverified
        guard let name else { throw AWSError(CloudWatch.Errors.missingRequiredParameterException, "The parameter MetricName is required.") } // wording unverified
        guard let st else { throw AWSError(CloudWatch.Errors.missingRequiredParameterException, "The parameter Stat is required.") } // wording unverified
        guard Statistic(st) != nil else { throw invalid("The value \(st) for parameter Stat is not supported.") } // wording unverified
        if let account = single?.accountId, !account.isEmpty, account.count != 12 || !account.allSatisfy(\.isNumber) {
            throw invalid("The value \(account) for parameter AccountId is not a valid account ID.") // wording unverified
        }
        return AnomalyDetectorRecord(namespace: ns, metricName: name, dimensions: dims.map { .init(name: $0.name, value: $0.value) },
                                     stat: st, metricMathJSON: nil, exclusions: [], metricTimezone: nil, periodicSpikes: nil)
    }
}

extension Array where Element == CloudWatch.MetricDataQuery {
    /// The queries as their wire JSON (how alarms and detectors store them).
    public var json: String {
        var w = JSONWriter()
        w.value(wireValue)
        return String(decoding: w.bytes, as: UTF8.self)
    }
}
