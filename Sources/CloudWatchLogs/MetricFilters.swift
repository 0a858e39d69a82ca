public import AWSShapes
public import AWSWire
import Foundation
import Storage
public import TrailwatchCore

/// Metric filters: definitions (Put/Describe/Delete/TestMetricFilter) and their application
/// to ingested events, which writes datapoints into the metrics store. Events in the embedded
/// metric format create metrics here too.
extension LogsService {
    static let metricFilterKind = "logs:metricFilter"
    static let maxFiltersPerGroup = 100

    /// Metric filters are resources named `<group>\u{1}<filter>`, so a group's sort together.
    static func filterKey(_ group: String, _ filter: String) -> String { group + "\u{1}" + filter }

    struct StoredFilter {
        let name: String
        let filter: CloudWatchLogs.MetricFilter
    }

    func metricFilters(_ scope: ResourceScope, group: String?) async throws -> [StoredFilter] {
        let records = try await resources.list(kind: Self.metricFilterKind, scope: scope,
                                               prefix: group.map { $0 + "\u{1}" }, after: nil, limit: Int.max)
        // A record that no longer decodes is skipped, never an error for every later write.
        return records.compactMap { r in
            (try? JSONReader.parse(r.body)).flatMap { try? CloudWatchLogs.MetricFilter(wire: $0) }
                .map { StoredFilter(name: r.name, filter: $0) }
        }
    }

    /// DeleteMetricFilter words a log group name past 512 characters its own way, before the
    /// model's constraint would.
    public static func checkGroupNameLength(_ input: WireValue) throws {
        guard case .map(let m) = input, let name = m["logGroupName"]?.stringValue, name.count > 512 else { return }
        throw AWSError(Errors.invalidParameterException, "Invalid LogGroup or LogStream, both must have length less than or equal to 512.")
    }

    public func putMetricFilter(_ input: CloudWatchLogs.PutMetricFilterRequest, _ ctx: CallContext) async throws -> EmptyShape {
        let group = try await requireGroup(name: input.logGroupName, ctx)
        do {
            _ = try FilterPattern(input.filterPattern)
        } catch {
            throw AWSError(Errors.invalidParameterException, "Invalid metric filter pattern")
        }
        guard input.metricTransformations.count == 1, let t = input.metricTransformations.first else {
            throw AWSError(Errors.invalidParameterException,
                           "1 validation error detected: Value at 'metricTransformations' failed to satisfy constraint: Member must have length less than or equal to 1")
        }
        if let dims = t.dimensions {
            if dims.count > 3 {
                throw AWSError(Errors.invalidParameterException, "The maximum number of dimensions allowed is 3.")
            }
            if t.defaultValue != nil && !dims.isEmpty {
                throw AWSError(Errors.invalidParameterException, "Dimensions and default value are mutually exclusive.")
            }
        }
        if !t.metricValue.hasPrefix("$"), Double(t.metricValue)?.isFinite != true {
            throw AWSError(Errors.invalidParameterException, "Invalid metric value: \(t.metricValue)")
        }
        if let d = t.defaultValue, !d.isFinite {
            throw AWSError(Errors.invalidParameterException, "Invalid default value: \(d)")
        }
        let key = Self.filterKey(group.name, input.filterName)
        let existing = try await metricFilters(ctx.scope, group: group.name)
        if !existing.contains(where: { $0.name == key }), existing.count >= Self.maxFiltersPerGroup {
            throw AWSError(Errors.limitExceededException, "Resource limit exceeded.")
        }
        let created = existing.first { $0.name == key }?.filter.creationTime ?? Int(nowMillis)
        let filter = CloudWatchLogs.MetricFilter(
            filterName: input.filterName, filterPattern: input.filterPattern, metricTransformations: input.metricTransformations,
            creationTime: created, logGroupName: group.name, applyOnTransformedLogs: input.applyOnTransformedLogs ?? false)
        var w = JSONWriter()
        w.value(filter.wireValue)
        let now = clock.now()
        try await resources.put(ResourceRecord(kind: Self.metricFilterKind, scope: ctx.scope, name: key, body: w.bytes,
                                               createdAt: now, updatedAt: now), ifAbsent: false)
        return EmptyShape()
    }

    public func describeMetricFilters(_ input: CloudWatchLogs.DescribeMetricFiltersRequest, _ ctx: CallContext) async throws -> CloudWatchLogs.DescribeMetricFiltersResponse {
        if input.filterNamePrefix != nil && input.logGroupName == nil {
            throw AWSError(Errors.invalidParameterException, "If filterNamePrefix is specified, logGroupName must also be specified.")
        }
        if (input.metricName == nil) != (input.metricNamespace == nil) {
            throw AWSError(Errors.invalidParameterException, "If you specify metricName, you must also specify metricNamespace, and vice versa.")
        }
        if let name = input.logGroupName { _ = try await requireGroup(name: name, ctx) }
        let limit = try Self.limit(input.limit, max: 50, default: 50)
        let after = try LogsPageToken.decode(input.nextToken, kind: "metricFilters")
        var all = try await metricFilters(ctx.scope, group: input.logGroupName)
        if let prefix = input.filterNamePrefix { all = all.filter { ($0.filter.filterName ?? "").hasPrefix(prefix) } }
        if let name = input.metricName, let ns = input.metricNamespace {
            all = all.filter { $0.filter.metricTransformations?.contains { $0.metricName == name && $0.metricNamespace == ns } ?? false }
        }
        if let after { all = all.filter { Array(after.utf8).lexicographicallyPrecedes(Array($0.name.utf8)) } }
        let page = Array(all.prefix(limit))
        return CloudWatchLogs.DescribeMetricFiltersResponse(
            metricFilters: page.map(\.filter),
            nextToken: all.count > limit ? page.last.map { LogsPageToken.encode($0.name, kind: "metricFilters") } : nil)
    }

    public func deleteMetricFilter(_ input: CloudWatchLogs.DeleteMetricFilterRequest, _ ctx: CallContext) async throws -> EmptyShape {
        let group = try await requireGroup(name: input.logGroupName, ctx)
        let result = try await resources.delete(kind: Self.metricFilterKind, scope: ctx.scope,
                                                names: [Self.filterKey(group.name, input.filterName)], allOrNothing: true)
        guard result.missing.isEmpty else {
            throw AWSError(Errors.resourceNotFoundException, "The specified metric filter does not exist.")
        }
        return EmptyShape()
    }

    public func testMetricFilter(_ input: CloudWatchLogs.TestMetricFilterRequest, _ ctx: CallContext) async throws -> CloudWatchLogs.TestMetricFilterResponse {
        let pattern: FilterPattern
        do {
            pattern = try FilterPattern(input.filterPattern)
        } catch {
            throw AWSError(Errors.invalidParameterException, "Invalid metric filter pattern")
        }
        var matches: [CloudWatchLogs.MetricFilterMatchRecord] = []
        for (i, message) in input.logEventMessages.enumerated() {
            guard let m = pattern.match(message) else { continue }
            var extracted: [String: String] = [:]
            for f in m.fields { extracted["$" + f.name] = f.value }
            matches.append(CloudWatchLogs.MetricFilterMatchRecord(eventNumber: i, eventMessage: message, extractedValues: extracted))
        }
        return CloudWatchLogs.TestMetricFilterResponse(matches: matches)
    }

    // MARK: Applying filters

    /// Datapoints for `records` from the group's metric filters and from embedded metric
    /// format events; the log store commits them with the events.
    func derivedSamples(for records: [(timestamp: Int64, message: String)], group: LogGroupRecord) async throws -> [MetricSample] {
        var samples: [MetricSample] = []
        for stored in try await metricFilters(group.scope, group: group.name) {
            guard let text = stored.filter.filterPattern, let pattern = try? FilterPattern(text),
                  let t = stored.filter.metricTransformations?.first else { continue }
            for r in records {
                let seconds = r.timestamp / 1000
                guard let m = pattern.match(r.message) else {
                    if let d = t.defaultValue { samples.append(sample(group.scope, t, value: d, dimensions: [], at: seconds)) }
                    continue
                }
                let value: Double?
                if t.metricValue.hasPrefix("$") { value = m.value(of: t.metricValue).flatMap(Double.init) } else { value = Double(t.metricValue) }
                guard let value, value.isFinite else { continue }
                var dims: [MetricDimension] = []
                var complete = true
                for (name, selector) in (t.dimensions ?? [:]).sorted(by: { $0.key < $1.key }) {
                    if let v = selector.hasPrefix("$") ? m.value(of: selector) : selector, !v.isEmpty {
                        dims.append(MetricDimension(name: name, value: v))
                    } else {
                        complete = false
                    }
                }
                if complete { samples.append(sample(group.scope, t, value: value, dimensions: dims, at: seconds)) }
            }
        }
        samples += EmbeddedMetricFormat.samples(records, scope: group.scope)
        return samples
    }

    private func sample(_ scope: ResourceScope, _ t: CloudWatchLogs.MetricTransformation, value: Double,
                        dimensions: [MetricDimension], at seconds: Int64) -> MetricSample {
        MetricSample(key: SeriesKey(scope: scope, metric: MetricIdentity(namespace: t.metricNamespace, metricName: t.metricName, dimensions: dimensions),
                                    unit: t.unit ?? "None"),
                     timestamp: seconds, highResolution: false, cell: MetricCell(value: value))
    }
}
