public import AWSShapes
import Foundation
public import Storage
import Synchronization
public import TrailwatchCore

/// GetMetricData: MetricStat queries, metric math (with SEARCH) and Metrics Insights.
///
/// ```
/// validate every query (ids, exactly one of MetricStat/Expression, statistics, periods)
/// compile every expression (math or SELECT) ─► any error fails the whole call
/// evaluate the returned queries; references evaluate on demand, once, cycles refused
/// label (automatic labels for MetricStat), order (ScanBy), page (MaxDatapoints/NextToken)
/// ```
public struct MetricDataService: Sendable {
    let store: any MetricStore
    let clock: any WallClock
    /// Anomaly models for ANOMALY_DETECTION_BAND, trained on demand.
    public let bands: AnomalyBands
    /// `INSIGHT_RULE_METRIC(rule, metric)`: a Contributor Insights rule's metric over
    /// [start, end) seconds at a period, one point a period (Contributor Insights lives with
    /// the logs it reads, so it is handed in).
    public typealias InsightRuleMetric = @Sendable (_ ctx: CallContext, _ rule: String, _ metric: String,
                                                    _ start: Int64, _ end: Int64, _ period: Int64) async throws -> TimeSeries
    let insightRuleMetric: InsightRuleMetric?

    public static let maxQueries = 500
    public static let defaultMaxDatapoints = 100_800
    /// SEARCH answers at most this many series.
    public static let maxSearchResults = 500
    /// Metrics Insights reads at most two weeks back.
    public static let insightsWindow: Int64 = 14 * 86400

    /// - Parameter resources: where anomaly detectors are stored (their training configuration).
    public init(store: any MetricStore, clock: any WallClock, resources: (any ResourceStore)? = nil,
                insightRuleMetric: InsightRuleMetric? = nil) {
        self.store = store
        self.clock = clock
        self.insightRuleMetric = insightRuleMetric
        self.bands = AnomalyBands(store: store, resources: resources)
    }

    static let validationError = AWSErrorType("ValidationException", queryCode: "ValidationError")

    static func validation(_ messages: [String]) -> AWSError {
        AWSError(validationError, messages.joined(separator: "\n"))
    }

    /// A compiled query.
    enum Plan {
        case stat(MetricIdentity, Statistic, period: Int64, unit: String?)
        case math(MathExpr)
        case insights(InsightsQuery)
    }

    public func getMetricData(_ input: CloudWatch.GetMetricDataInput, _ ctx: CallContext) async throws -> CloudWatch.GetMetricDataOutput {
        let queries = input.metricDataQueries
        let run = try evaluation(input, ctx)
        var results: [CloudWatch.MetricDataResult] = []
        for q in queries where q.returnData ?? true {
            results.append(contentsOf: try await run.results(for: q))
        }
        // Order, then page by MaxDatapoints.
        let descending = (input.scanBy ?? "TimestampDescending") == "TimestampDescending"
        for i in results.indices where descending {
            results[i].timestamps?.reverse()
            results[i].values?.reverse()
        }
        var skip = 0
        if let token = input.nextToken {
            guard let offset = PageToken.decode(token, kind: "metricdata").flatMap(Int.init), offset >= 0 else {
                throw AWSError(CloudWatch.Errors.invalidNextToken, "")
            }
            skip = offset
        }
        let budget = max(1, input.maxDatapoints ?? Self.defaultMaxDatapoints)
        var seen = 0, emitted = 0
        var truncated = false
        for i in results.indices {
            let n = results[i].values?.count ?? 0
            let from = min(n, max(0, skip - seen))
            let take = min(n - from, max(0, budget - emitted))
            if from > 0 || take < n - from {
                results[i].timestamps = Array((results[i].timestamps ?? [])[from..<from + take])
                results[i].values = Array((results[i].values ?? [])[from..<from + take])
            }
            if from + take < n {
                truncated = true
                results[i].statusCode = "PartialData"
            }
            seen += n
            emitted += take
        }
        return CloudWatch.GetMetricDataOutput(
            metricDataResults: results,
            nextToken: truncated ? PageToken.encode(String(skip + emitted), kind: "metricdata") : nil,
            messages: run.topMessages.withLock { $0 })
    }

    /// The request checked and compiled, ready to evaluate: any error fails the whole call.
    func evaluation(_ input: CloudWatch.GetMetricDataInput, _ ctx: CallContext) throws -> Evaluation {
        let queries = input.metricDataQueries
        let now = Int64(clock.now().timeIntervalSince1970)
        let rawStart = Int64(input.startTime.timeIntervalSince1970.rounded(.down))
        let end = Int64(input.endTime.timeIntervalSince1970.rounded(.down))
        if rawStart == end { throw Self.validation(["The parameter StartTime must not equal parameter EndTime.\n"]) }
        if end < rawStart { throw Self.validation(["The parameter EndTime must be greater than StartTime.\n"]) }
        if queries.count > Self.maxQueries {
            throw Self.validation(["The collection MetricDataQueries must not have a size greater than \(Self.maxQueries)."])
        }
        let plans = try Self.compile(queries)
        let smallestPeriod = plans.values.compactMap { p -> Int64? in if case .stat(_, _, let period, _) = p { return period } else { return nil } }.min()
            ?? queries.compactMap { q -> Int64? in q.period.map(Int64.init).flatMap { $0 > 0 ? $0 : nil } }.min() ?? 60
        let start = PeriodAggregation.roundedStart(rawStart, now: now, period: smallestPeriod)

        return Evaluation(service: self, ctx: ctx, queries: queries, plans: plans, start: start, end: end, now: now,
                          defaultPeriod: smallestPeriod)
    }

    /// The series each returned query evaluates to, by query id, for the alarm evaluator: the
    /// same engine as GetMetricData, without labels, ordering or paging. A Metrics Insights
    /// query with GROUP BY answers one series per group, each with its group's `attributes`.
    public func series(_ input: CloudWatch.GetMetricDataInput, _ ctx: CallContext) async throws -> [String: [TimeSeries]] {
        let run = try evaluation(input, ctx)
        var out: [String: [TimeSeries]] = [:]
        for q in input.metricDataQueries where q.returnData ?? true {
            out[q.id] = try await run.series(for: q)
        }
        return out
    }

    /// Whether `expression` is a Metrics Insights query with GROUP BY (one series per group).
    public static func isGroupedQuery(_ expression: String) -> Bool {
        guard InsightsQuery.looksLikeQuery(expression), let q = try? InsightsQuery.parse(expression) else { return false }
        return !q.groupBy.isEmpty
    }

    // MARK: Compiling

    static func compile(_ queries: [CloudWatch.MetricDataQuery]) throws -> [String: Plan] {
        var errors: [String] = []
        var ids = Set<String>()
        var duplicate = false
        var plans: [String: Plan] = [:]
        var insightsCount = 0
        for (i, q) in queries.enumerated() {
            let path = "MetricDataQueries.member.\(i + 1)"
            if !Self.validID(q.id) {
                errors.append("The value for parameter \(path).Id is not matching the expected pattern ^[a-z][a-zA-Z0-9_]*$.")
            }
            if !ids.insert(q.id).inserted { duplicate = true }
            switch (q.metricStat, q.expression) {
            case (nil, nil):
                errors.append("The parameter \(path).MetricStat is required.\n")
            case (.some, .some):
                errors.append("The parameters \(path).Expression and \(path).MetricStat are mutually exclusive and you have specified both.")
            case (let stat?, nil):
                if q.period != nil {
                    errors.append("The parameters \(path).Period and \(path).MetricStat are mutually exclusive and you have specified both.")
                }
                guard let statistic = Statistic(stat.stat) else {
                    errors.append("The value for parameter \(path).MetricStat.Stat is not a valid statistic.")
                    continue
                }
                guard let ns = stat.metric.namespace, let name = stat.metric.metricName else {
                    errors.append("The parameter \(path).MetricStat.Metric.\(stat.metric.namespace == nil ? "Namespace" : "MetricName") is required.")
                    continue
                }
                let p = Int64(stat.period)
                guard p > 0, p % 60 == 0 || [1, 5, 10, 20, 30].contains(p) else {
                    errors.append("The parameter \(path).MetricStat.Period must be a multiple of 60.")
                    continue
                }
                let identity = MetricIdentity(namespace: ns, metricName: name,
                                              dimensions: (stat.metric.dimensions ?? []).map { MetricDimension(name: $0.name, value: $0.value) })
                plans[q.id] = .stat(identity, statistic, period: p, unit: stat.unit)
            case (nil, let text?):
                do {
                    if InsightsQuery.looksLikeQuery(text) {
                        insightsCount += 1
                        plans[q.id] = .insights(try InsightsQuery.parse(text))
                    } else {
                        let expr = try MathParser.parse(text)
                        try Self.checkFunctions(expr)
                        plans[q.id] = .math(expr)
                    }
                } catch let e as MathError {
                    errors.append(e.bare ? e.message : "Error in expression '\(q.id)': \(e.message)")
                }
            }
        }
        if duplicate { errors.append("The values for parameter id in MetricDataQueries are not unique.") }
        if insightsCount > 1 { errors.append("Maximum number of queries (1) exceeded") }
        if !errors.isEmpty { throw validation(errors) }
        return plans
    }

    /// Refuses unknown function names before anything is read.
    static func checkFunctions(_ e: MathExpr) throws {
        switch e {
        case .call(let name, let args):
            guard MathEvaluator.functions.contains(name) else { throw MathError(message: "Function '\(name)' not found") }
            for a in args { try checkFunctions(a) }
        case .array(let items): for i in items { try checkFunctions(i) }
        case .unary(_, let a): try checkFunctions(a)
        case .binary(_, let a, let b): try checkFunctions(a); try checkFunctions(b)
        default: break
        }
    }

    static func validID(_ id: String) -> Bool {
        guard let first = id.unicodeScalars.first, ("a"..."z").contains(first) else { return false }
        return id.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }
}
