public import AWSShapes
import Foundation
import Storage
import Synchronization
public import TrailwatchCore

/// GetInsightRuleReport: the rule's contributors over a time range, computed from the events
/// of its log groups that reached it (ingested while it was enabled), bucketed by `Period` on
/// the events' timestamps. Periods are aligned to multiples of `Period` since the epoch; the
/// report covers every period that overlaps [StartTime, EndTime), whole.
///
/// - Each event that passes the rule's filters and has every key is one observation of the
///   contributor its keys name, with value 1 (AggregateOn Count) or its ValueOf (Sum).
/// - A contributor's value in a period is the sum of its observations there. Contributors are
///   ranked by the sum of those values over the range (OrderBy Sum, the default) or by their
///   largest period value (OrderBy Maximum); the top MaxContributorCount are answered.
/// - MetricDatapoints, one per period of the range (zero when nothing was observed, as AWS
///   answers; none when no Metrics are asked for), carry the metrics asked for:
///   UniqueContributors, MaxContributorValue (the top contributor's value in that period),
///   SampleCount (observations), Sum, Minimum and Maximum (of single observations), and
///   Average (Sum / SampleCount; AWS's definition is ambiguous).
/// - AggregationStatistic reads `SampleCount` for a Count rule (as AWS answers) and `Sum`.
struct InsightRuleReport {
    static let metricNames: Set<String> = ["UniqueContributors", "MaxContributorValue", "SampleCount", "Sum", "Minimum", "Maximum", "Average"]
    /// MaxContributorCount's range and default.
    static let maxContributors = 100, defaultContributors = 10
    /// At most this many periods in a report (as GetMetricStatistics).
    static let maxDatapoints = 1440

    struct Bucket {
        var byContributor: [[String]: Double] = [:]
        var sampleCount = 0.0, sum = 0.0, minimum = Double.infinity, maximum = -Double.infinity
    }

    let definition: InsightRuleDefinition
    let start: Int64, end: Int64, period: Int64
    var buckets: [Int64: Bucket] = [:]

    init(definition: InsightRuleDefinition, start: Int64, end: Int64, period: Int64) {
        self.definition = definition
        self.start = start - (start % period + period) % period
        self.end = end
        self.period = period
    }

    /// The periods of the report, oldest first.
    var slots: StrideTo<Int64> { stride(from: start, to: end, by: Int(period)) }

    /// Adds one event (epoch ms) to the report.
    mutating func add(timestamp: Int64, message: String) {
        guard let (keys, value) = definition.contribution(of: message) else { return }
        let t = timestamp / 1000
        guard t >= start, t < end else { return }
        let slot = t - (t - start) % period // t >= start
        buckets[slot, default: Bucket()].observe(keys, value)
    }

    func output(metrics: [String], orderBy: String, top: Int) -> CloudWatch.GetInsightRuleReportOutput {
        var totals: [[String]: (sum: Double, max: Double)] = [:]
        for bucket in buckets.values {
            for (k, v) in bucket.byContributor {
                let t = totals[k] ?? (0, -Double.infinity)
                totals[k] = (t.sum + v, max(t.max, v))
            }
        }
        let rankValue: ((sum: Double, max: Double)) -> Double = orderBy == "Maximum" ? { $0.max } : { $0.sum }
        let ranked = totals.sorted { a, b in
            let (x, y) = (rankValue(a.value), rankValue(b.value))
            return x != y ? x > y : a.key.lexicographicallyPrecedes(b.key)
        }.prefix(top)
        let seen = buckets.keys.sorted()
        let contributors = ranked.map { key, total in
            CloudWatch.InsightRuleContributor(
                keys: key, approximateAggregateValue: rankValue(total),
                datapoints: seen.compactMap { slot in
                    buckets[slot]?.byContributor[key].map {
                        CloudWatch.InsightRuleContributorDatapoint(timestamp: Date(timeIntervalSince1970: Double(slot)), approximateValue: $0)
                    }
                })
        }
        let wanted = Set(metrics)
        let datapoints = metrics.isEmpty ? nil : slots.map { slot -> CloudWatch.InsightRuleMetricDatapoint in
            let b = buckets[slot] ?? Bucket()
            func metric(_ name: String, _ v: @autoclosure () -> Double) -> Double? {
                guard wanted.contains(name) else { return nil }
                return b.sampleCount == 0 ? 0 : v()
            }
            return CloudWatch.InsightRuleMetricDatapoint(
                timestamp: Date(timeIntervalSince1970: Double(slot)),
                uniqueContributors: metric("UniqueContributors", Double(b.byContributor.count)),
                maxContributorValue: metric("MaxContributorValue", b.byContributor.values.max() ?? 0),
                sampleCount: metric("SampleCount", b.sampleCount),
                average: metric("Average", b.sum / b.sampleCount),
                sum: metric("Sum", b.sum),
                minimum: metric("Minimum", b.minimum),
                maximum: metric("Maximum", b.maximum))
        }
        return CloudWatch.GetInsightRuleReportOutput(
            keyLabels: definition.keys.map(\.label),
            aggregationStatistic: definition.aggregate == .count ? "SampleCount" : "Sum",
            aggregateValue: totals.values.reduce(0) { $0 + $1.sum },
            approximateUniqueCount: totals.count,
            contributors: Array(contributors),
            metricDatapoints: datapoints)
    }
}

extension InsightRuleReport.Bucket {
    mutating func observe(_ keys: [String], _ value: Double) {
        byContributor[keys, default: 0] += value
        sampleCount += 1
        sum += value
        minimum = min(minimum, value)
        maximum = max(maximum, value)
    }
}

extension ContributorInsightsService {
    public func getInsightRuleReport(_ input: CloudWatch.GetInsightRuleReportInput, _ ctx: CallContext) async throws -> CloudWatch.GetInsightRuleReportOutput {
        guard let resource = try await resources.get(kind: InsightRuleRecord.kind, scope: ctx.scope, name: input.ruleName) else {
            throw AWSError(Errors.resourceNotFoundException, "Rule \(input.ruleName) does not exist.") // wording unverified
        }
        let rule = try InsightRuleRecord(resource)
        let definition = try InsightRuleDefinition.parse(rule.definition)
        let period = Int64(input.period)
        guard period >= 60, period % 60 == 0 else { throw InsightRuleDefinition.invalid("The parameter Period must be a multiple of 60.") } // wording unverified
        let start = Int64(input.startTime.timeIntervalSince1970.rounded(.down)), end = Int64(input.endTime.timeIntervalSince1970.rounded(.down))
        guard start < end else { throw InsightRuleDefinition.invalid("The parameter StartTime must be less than the parameter EndTime.") } // wording unverified
        let periods = (end - start + period - 1) / period
        if periods > Int64(InsightRuleReport.maxDatapoints) {
            throw InsightRuleDefinition.invalid("You have requested up to \(periods) datapoints, which exceeds the limit of \(InsightRuleReport.maxDatapoints).") // wording unverified
        }
        let top = input.maxContributorCount ?? InsightRuleReport.defaultContributors
        guard (1...InsightRuleReport.maxContributors).contains(top) else {
            throw InsightRuleDefinition.invalid("The parameter MaxContributorCount must be between 1 and \(InsightRuleReport.maxContributors).") // wording unverified
        }
        let orderBy = input.orderBy ?? "Sum"
        guard orderBy == "Sum" || orderBy == "Maximum" else { throw InsightRuleDefinition.invalid("The parameter OrderBy must be Sum or Maximum.") } // wording unverified
        let metrics = input.metrics ?? []
        for m in metrics where !InsightRuleReport.metricNames.contains(m) {
            throw InsightRuleDefinition.invalid("\(m) is not a valid metric; valid metrics are \(InsightRuleReport.metricNames.sorted().joined(separator: ", ")).") // wording unverified
        }
        let report = Mutex(InsightRuleReport(definition: definition, start: start, end: end, period: period))
        let from = report.withLock { $0.start }
        for group in try await groups(of: definition, ctx.scope) {
            let streams = try await logs.streams(groupID: group.id)
            try await logs.scan(streamIDs: streams.map(\.id), start: from * 1000, end: end * 1000, now: nowMillis) { batch in
                report.withLock { r in
                    for e in batch where rule.counts(ingestedAt: e.ingestionTime) { r.add(timestamp: e.timestamp, message: e.message) }
                }
                return true
            }
        }
        return report.withLock { $0.output(metrics: metrics, orderBy: orderBy, top: top) }
    }

    /// `INSIGHT_RULE_METRIC(rule, metric)` in metric math: the report's datapoints for one
    /// metric over [start, end) seconds, one a period.
    public func metric(_ ctx: CallContext, rule: String, metric: String, start: Int64, end: Int64,
                       period: Int64) async throws -> [(timestamp: Int64, value: Double)] {
        let report = try await getInsightRuleReport(
            CloudWatch.GetInsightRuleReportInput(ruleName: rule, startTime: Date(timeIntervalSince1970: Double(start)),
                                                 endTime: Date(timeIntervalSince1970: Double(end)), period: Int(period), metrics: [metric]),
            ctx)
        var points: [(timestamp: Int64, value: Double)] = []
        for p in report.metricDatapoints ?? [] {
            let value: Double? = switch metric {
            case "UniqueContributors": p.uniqueContributors
            case "MaxContributorValue": p.maxContributorValue
            case "SampleCount": p.sampleCount
            case "Sum": p.sum
            case "Minimum": p.minimum
            case "Maximum": p.maximum
            default: p.average
            }
            if let value { points.append((Int64(p.timestamp.timeIntervalSince1970), value)) }
        }
        return points
    }

    /// The caller's log groups a definition names: exact names, names ending in `*` as
    /// prefixes, and ARNs (`arn:aws:logs:<region>:<account or *>:log-group:<name>`, or
    /// `log-group/<name>` as AWS's examples write it) in the caller's region and account.
    /// Names that match nothing are skipped: a rule may name groups made later.
    func groups(of definition: InsightRuleDefinition, _ scope: ResourceScope) async throws -> [LogGroupRecord] {
        var patterns = definition.logGroupNames
        for arn in definition.logGroupARNs {
            let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
            guard parts.count == 6, parts[2] == "logs", parts[3] == scope.region, parts[4] == scope.accountId || parts[4] == "*" else { continue }
            var resource = String(parts[5])
            guard resource.hasPrefix("log-group:") || resource.hasPrefix("log-group/") else { continue }
            resource.removeFirst("log-group:".count)
            if resource.hasSuffix(":*") { resource.removeLast(2) }
            patterns.append(resource)
        }
        return try await logs.groups(scope: scope).filter { group in
            patterns.contains { p in p.hasSuffix("*") ? group.name.hasPrefix(p.dropLast()) : group.name == p }
        }
    }
}
