public import AWSShapes
import Foundation
import Storage
import Synchronization
import TrailwatchCore

extension MetricDataService {
    /// One GetMetricData call's evaluation: each query's value computed once, on demand.
    final class Evaluation: @unchecked Sendable {
        // Accessed from one task at a time (the call's own); `topMessages` is read at the end.
        let service: MetricDataService
        let ctx: CallContext
        let queries: [String: CloudWatch.MetricDataQuery]
        let order: [String]
        let plans: [String: Plan]
        let start: Int64
        let end: Int64
        let now: Int64
        let defaultPeriod: Int64
        let reader: MetricSeriesReader
        let topMessages = Mutex<[CloudWatch.MessageData]?>(nil)

        private var values: [String: MathValue] = [:]
        private var inProgress: Set<String> = []
        private var resultMessages: [String: [CloudWatch.MessageData]] = [:]
        private var statLabels: [String: String] = [:]

        init(service: MetricDataService, ctx: CallContext, queries: [CloudWatch.MetricDataQuery], plans: [String: Plan],
             start: Int64, end: Int64, now: Int64, defaultPeriod: Int64) {
            self.service = service
            self.ctx = ctx
            var byID: [String: CloudWatch.MetricDataQuery] = [:]
            for q in queries { byID[q.id] = q }
            self.queries = byID
            self.order = queries.map(\.id)
            self.plans = plans
            self.start = start
            self.end = end
            self.now = now
            self.defaultPeriod = defaultPeriod
            self.reader = MetricSeriesReader(store: service.store, scope: ctx.scope)
            // MetricStat labels: explicit, else the metric name, with the statistic and the
            // period when the request's MetricStat queries differ in them (AWS's default).
            let auto = queries.filter { q in
                if case .stat = plans[q.id] { return q.label?.isEmpty ?? true } else { return false }
            }
            let sources = queries.compactMap { q -> (String, TimeSeries.Source)? in
                guard case .stat(let m, let s, let p, _) = plans[q.id] else { return nil }
                return (q.id, TimeSeries.Source(metric: m, stat: s.name, period: p))
            }
            let labels = AutomaticLabels.metricStatLabels(sources.map(\.1))
            let autoIDs = Set(auto.map(\.id))
            for ((id, _), label) in zip(sources, labels) where autoIDs.contains(id) { statLabels[id] = label }
            for q in queries { if let l = q.label, !l.isEmpty { statLabels[q.id] = l } }
        }

        func addTopMessage(_ code: String, _ value: String) {
            topMessages.withLock { m in
                if !(m ?? []).contains(where: { $0.code == code }) {
                    m = (m ?? []) + [CloudWatch.MessageData(code: code, value: value)]
                }
            }
        }

        func addMessage(_ id: String, _ code: String, _ value: String) {
            if !(resultMessages[id] ?? []).contains(where: { $0.code == code }) {
                resultMessages[id, default: []].append(CloudWatch.MessageData(code: code, value: value))
            }
        }

        // MARK: Values

        func value(_ id: String) async throws -> MathValue {
            if let v = values[id] { return v }
            guard let plan = plans[id], let query = queries[id] else {
                throw MathError(message: "ID '\(id)' not found")
            }
            guard inProgress.insert(id).inserted else {
                throw MathError(message: "Circular dependency involving '\(id)'.")
            }
            defer { inProgress.remove(id) }
            let v: MathValue
            switch plan {
            case .stat(let metric, let stat, let period, let unit):
                let read = try await reader.read(metric, stat: stat, period: period, unit: unit, start: start, end: end)
                var series = read.series
                series.label = statLabels[id] ?? metric.metricName
                if let units = read.multipleUnits {
                    addMessage(id, "MultipleUnits", "Multiple units returned: '[\(units.joined(separator: ", "))]'")
                }
                v = .series(series)
            case .math(let expr):
                let evaluator = MathEvaluator(environment(for: query))
                v = try await evaluator.evaluate(expr)
                if evaluator.droppedNonFinite {
                    addMessage(id, "ArithmeticError", "One or more data-points have been dropped due to non-numeric values (NaN, -Infinite, +Infinite)")
                }
            case .insights(let q):
                v = try await insights(q, query: query)
            }
            values[id] = v
            return v
        }

        func environment(for query: CloudWatch.MetricDataQuery) -> MathEnvironment {
            var env = MathEnvironment(
                start: start, end: end, defaultPeriod: query.period.map(Int64.init) ?? defaultPeriod,
                queryPeriod: query.period.map(Int64.init),
                resolve: { [self] id in try await self.value(id) },
                metricStats: { [self] in
                    var out: [(id: String, series: TimeSeries)] = []
                    for id in self.order {
                        if case .stat = self.plans[id], case .series(let s) = try await self.value(id) { out.append((id, s)) }
                    }
                    return out
                },
                search: { [self] text, stat, period in try await self.search(text, stat: stat, period: period) },
                anomalyModel: { [self] source, period, trainedAt in
                    try await self.service.bands.model(source, scope: self.ctx.scope, period: period, trainedAt: trainedAt)
                },
                isMetricStat: { [plans] id in if case .stat? = plans[id] { return true } else { return false } },
                expressionModel: { [self] expression, period, trainedAt in
                    // The expression's history: the same request's queries, evaluated afresh
                    // over the training window.
                    try await self.service.bands.model(expression: String(describing: expression), scope: self.ctx.scope,
                                                       period: period, trainedAt: trainedAt) { from, until in
                        let past = Evaluation(service: self.service, ctx: self.ctx, queries: self.order.compactMap { self.queries[$0] },
                                              plans: self.plans, start: from, end: until, now: self.now, defaultPeriod: self.defaultPeriod)
                        guard case .series(let s) = try await MathEvaluator(past.environment(for: query)).evaluate(expression) else { return nil }
                        return s
                    }
                })
            if let read = service.insightRuleMetric {
                let start = start, end = end, ctx = ctx
                env.insightRuleMetric = { rule, metric, period in
                    // The report's errors (no such rule, a bad period) are the expression's.
                    do { return try await read(ctx, rule, metric, start, end, period) } catch let e as AWSError { throw MathError(message: e.message) }
                }
            }
            return env
        }

        // MARK: Results

        static func notSeries(_ id: String) -> AWSError {
            MetricDataService.validation(["Error in expression '\(id)': The expression must return a time series or an array of time series"])
        }

        /// A returned query's value, its errors as the call's ValidationError.
        func returned(_ query: CloudWatch.MetricDataQuery) async throws -> MathValue {
            do {
                return try await value(query.id)
            } catch let e as MathError {
                throw MetricDataService.validation([e.bare ? e.message : "Error in expression '\(query.id)': \(e.message)"])
            }
        }

        /// A returned query's series, unlabelled (`MetricDataService.series`).
        func series(for query: CloudWatch.MetricDataQuery) async throws -> [TimeSeries] {
            switch try await returned(query) {
            case .series(let s): return [s]
            case .array(let members): return members
            default:
                throw Self.notSeries(query.id)
            }
        }

        func results(for query: CloudWatch.MetricDataQuery) async throws -> [CloudWatch.MetricDataResult] {
            let v = try await returned(query)
            let explicit = query.label.flatMap { $0.isEmpty ? nil : $0 }
            func result(_ s: TimeSeries, label: String) -> CloudWatch.MetricDataResult {
                CloudWatch.MetricDataResult(
                    id: query.id, label: label,
                    timestamps: s.timestamps.map { Date(timeIntervalSince1970: Double($0)) }, values: s.values,
                    statusCode: "Complete", messages: resultMessages[query.id] ?? [])
            }
            switch v {
            case .series(let s):
                let label: String
                if case .stat = plans[query.id] { label = s.label } else { label = explicit ?? query.id }
                return [result(s, label: label)]
            case .array(let members):
                return members.map { m in result(m, label: explicit.map { "\($0) \(m.label)" } ?? m.label) }
            default:
                throw Self.notSeries(query.id)
            }
        }

        // MARK: SEARCH

        func search(_ text: String, stat statName: String, period: Int64) async throws -> [TimeSeries] {
            let expr = try SearchExpression.parse(text)
            guard let stat = Statistic(statName) else { throw MathError(message: "The value for parameter Stat is not a valid statistic.\n") }
            let all = try await service.store.series(in: ctx.scope, namespace: expr.schema?.namespace, metricName: nil)
            // Metrics with data in the last two weeks, each with its series (one per unit).
            var byMetric: [MetricIdentity: [SeriesInfo]] = [:]
            var order: [MetricIdentity] = []
            for info in all where info.lastReceived >= now - 14 * 86400 {
                if byMetric[info.key.metric] == nil { order.append(info.key.metric) }
                byMetric[info.key.metric, default: []].append(info)
            }
            let matched = order.filter { expr.matches($0, accountId: ctx.identity.accountId, callerAccount: ctx.identity.accountId) }
            // Label and order first (labels depend only on what differs), keep 500, then read.
            let labels = AutomaticLabels.labels(matched.map { TimeSeries.Source(metric: $0, stat: stat.name, period: period) })
            var labelled = Array(zip(matched, labels))
            labelled.sort { $0.1.unicodeScalars.lexicographicallyPrecedes($1.1.unicodeScalars) }
            if labelled.count > MetricDataService.maxSearchResults {
                labelled = Array(labelled.prefix(MetricDataService.maxSearchResults))
                addTopMessage("MaxMetricsExceeded", "Maximum number of allowed metrics exceeded")
            }
            var members = try await reader.readMany(labelled.map { ($0.0, byMetric[$0.0]!) }, stat: stat, period: period, unit: nil,
                                                    start: start, end: end).map(\.series)
            for i in members.indices { members[i].label = labelled[i].1 }
            return members
        }
    }
}
