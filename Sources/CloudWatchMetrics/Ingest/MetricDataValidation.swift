public import AWSShapes
public import Foundation
public import Storage
public import TrailwatchCore

/// Turns PutMetricData input into samples, refusing it whole with AWS's error when any datum
/// breaks a rule (so an invalid request stores nothing).
///
/// Parameter paths in messages use the Query form AWS uses for every protocol
/// (`MetricData.member.3.Dimensions.member.1.Value`).
public struct MetricDataValidation: Sendable {
    /// Datums per request (MetricData and EntityMetricData together).
    public static let maxDatums = 1000
    public static let maxValues = 150
    public static let maxDimensions = 30
    /// Values must lie within ±2^360.
    public static let maxMagnitude = Double(sign: .plus, exponent: 360, significand: 1)
    /// Timestamps from two weeks back to two hours ahead.
    public static let maxAge: TimeInterval = 14 * 86400
    public static let maxLead: TimeInterval = 2 * 3600

    public static let units = Set(unitOrder)

    /// StandardUnit, in the order AWS lists it in messages.
    public static let unitOrder: [String] = [
        "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes",
        "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second",
        "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second",
        "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
    ]

    public init() {}

    static func invalid(_ message: String) -> AWSError {
        AWSError(CloudWatch.Errors.invalidParameterValueException, message)
    }

    static func combination(_ message: String) -> AWSError {
        AWSError(CloudWatch.Errors.invalidParameterCombinationException, message)
    }

    /// The samples of `input`, stamped with `now` when a datum has no timestamp.
    public func samples(_ input: CloudWatch.PutMetricDataInput, scope: ResourceScope, now: Date) throws -> [MetricSample] {
        let namespace = input.namespace
        if namespace.hasPrefix("AWS/") {
            throw Self.invalid("The value \(namespace) for parameter Namespace is invalid.")
        }
        try Self.checkText(namespace, parameter: "Namespace")
        var datums: [(CloudWatch.MetricDatum, DatumPath)] = []
        datums.reserveCapacity(input.metricData?.count ?? 0)
        for (i, d) in (input.metricData ?? []).enumerated() { datums.append((d, DatumPath(entity: nil, index: i))) }
        for (e, entity) in (input.entityMetricData ?? []).enumerated() {
            for (i, d) in (entity.metricData ?? []).enumerated() {
                datums.append((d, DatumPath(entity: e, index: i)))
            }
        }
        if datums.isEmpty {
            throw AWSError(CloudWatch.Errors.missingRequiredParameterException, "The parameter MetricData is required.")
        }
        if datums.count > Self.maxDatums {
            throw Self.invalid("The collection MetricData must not have a size greater than \(Self.maxDatums).")
        }
        if (input.entityMetricData?.count ?? 0) > 2 {
            throw Self.invalid("The collection EntityMetricData must not have a size greater than 2.")
        }
        // AWS reports every datum's problem at once, one per line, under the first one's code.
        var out: [MetricSample] = []
        out.reserveCapacity(datums.count)
        var problems: [AWSError] = []
        for (d, path) in datums {
            do {
                out.append(try sample(d, path: path, namespace: namespace, scope: scope, now: now))
            } catch let e as AWSError {
                problems.append(e)
            }
        }
        if let first = problems.first {
            throw AWSError(first.type, problems.filter { $0.type == first.type }.map(\.message).joined(separator: "\n"))
        }
        return out
    }

    /// Where a datum sits in the request; its Query path is only spelled out for errors.
    struct DatumPath: CustomStringConvertible {
        let entity: Int?
        let index: Int
        var description: String {
            entity.map { "EntityMetricData.member.\($0 + 1).MetricData.member.\(index + 1)" } ?? "MetricData.member.\(index + 1)"
        }
    }

    func sample(_ d: CloudWatch.MetricDatum, path: DatumPath, namespace: String, scope: ResourceScope, now: Date) throws -> MetricSample {
        if !Self.plainASCII(d.metricName) { try Self.checkText(d.metricName, parameter: "\(path).MetricName") }
        let dims = d.dimensions ?? []
        if dims.count > Self.maxDimensions {
            throw Self.invalid("The collection \(path).Dimensions must not have a size greater than \(Self.maxDimensions).")
        }
        var seen = Set<String>()
        for (j, dim) in dims.enumerated() {
            for (field, text) in [("Name", dim.name), ("Value", dim.value)] where !Self.plainASCII(text) {
                let p = "\(path).Dimensions.member.\(j + 1)"
                if !text.unicodeScalars.allSatisfy(\.isASCII) {
                    throw Self.invalid("The value for parameter \(p).\(field) contains non-ASCII characters.")
                }
                try Self.checkText(text, parameter: "\(p).\(field)")
                if text.allSatisfy({ $0 == " " }) {
                    throw AWSError(CloudWatch.Errors.missingRequiredParameterException, "The parameter \(p).\(field) is required.")
                }
            }
            if dims.count > 1, !seen.insert(dim.name).inserted {
                throw Self.invalid("No Metric may specify the same dimension twice.")
            }
        }
        let unit = d.unit ?? "None"
        if !Self.units.contains(unit) {
            throw Self.invalid("The parameter \(path).Unit must be a value in the set [ \(Self.unitOrder.joined(separator: ", ")) ].")
        }
        var highResolution = false
        if let r = d.storageResolution {
            guard r == 1 || r == 60 else { throw Self.invalid("The parameter \(path).StorageResolution must be a value in the set [ 1, 60 ].") }
            highResolution = r == 1
        }
        // AWS words a timestamp too far ahead the same way as one too old.
        let timestamp = d.timestamp ?? now
        if timestamp < now.addingTimeInterval(-Self.maxAge) || timestamp > now.addingTimeInterval(Self.maxLead) {
            throw Self.invalid("The parameter \(path).Timestamp must specify a time within the past two weeks.")
        }
        let cell = try self.cell(d, path: path)
        return MetricSample(
            key: SeriesKey(scope: scope,
                           metric: MetricIdentity(namespace: namespace, metricName: d.metricName,
                                                  dimensions: dims.map { MetricDimension(name: $0.name, value: $0.value) }),
                           unit: unit),
            timestamp: Int64(timestamp.timeIntervalSince1970.rounded(.down)),
            highResolution: highResolution, cell: cell)
    }

    func cell(_ d: CloudWatch.MetricDatum, path: DatumPath) throws -> MetricCell {
        // Value excludes the other two; AWS accepts Values with StatisticValues (Values wins).
        if d.value != nil, let other = d.values != nil ? "Values" : (d.statisticValues != nil ? "StatisticValues" : nil) {
            throw Self.combination("The parameters \(path).Value and \(path).\(other) are mutually exclusive and you have specified both.")
        }
        if d.counts != nil && d.values == nil {
            throw Self.combination("The parameter \(path).Counts must be specified with \(path).Values.")
        }
        if let v = d.value {
            try Self.checkValue(v, parameter: "\(path).Value")
            return MetricCell(value: v)
        }
        if let s = d.statisticValues, d.values == nil {
            for (name, v) in [("SampleCount", s.sampleCount), ("Sum", s.sum), ("Minimum", s.minimum), ("Maximum", s.maximum)] {
                try Self.checkValue(v, parameter: "\(path).StatisticValues.\(name)")
            }
            if s.sampleCount <= 0 {
                throw Self.invalid("The parameter \(path).StatisticValues.SampleCount must be greater than 0.")
            }
            if s.minimum > s.maximum {
                throw Self.invalid("The parameter \(path).StatisticValues.Maximum must be greater than \(path).StatisticValues.Minimum.")
            }
            return MetricCell(statisticSet: s.sampleCount, sum: s.sum, min: s.minimum, max: s.maximum)
        }
        if let values = d.values {
            if values.count > Self.maxValues {
                throw Self.invalid("The collection \(path).Values must not have a size greater than \(Self.maxValues).")
            }
            if values.isEmpty {
                throw AWSError(CloudWatch.Errors.missingRequiredParameterException, "The parameter \(path).Values is required.")
            }
            for (k, v) in values.enumerated() { try Self.checkValue(v, parameter: "\(path).Values.member.\(k + 1)") }
            var counts = [Double](repeating: 1, count: values.count)
            if let c = d.counts {
                guard c.count == values.count else {
                    throw Self.invalid("The parameters \(path).Values and \(path).Counts must be of the same size.")
                }
                for (k, n) in c.enumerated() {
                    try Self.checkValue(n, parameter: "\(path).Counts.member.\(k + 1)")
                    if n < 0 { throw Self.invalid("The value \(Self.format(n)) for parameter \(path).Counts.member.\(k + 1) is invalid.") }
                }
                counts = c
            }
            let cell = MetricCell(values: values, counts: counts)
            if cell.count == 0 {
                throw Self.invalid("The parameter \(path).Counts must contain at least one count greater than 0.")
            }
            return cell
        }
        throw Self.combination("At least one of the parameters \(path).Value and \(path).StatisticValues must be specified.")
    }

    static func checkValue(_ v: Double, parameter: String) throws {
        guard v.isFinite, abs(v) <= maxMagnitude else {
            throw invalid("The value \(format(v)) for parameter \(parameter) is invalid.")
        }
        // CloudWatch also refuses magnitudes too small to keep (below 2^-360), except zero.
        if v != 0 && abs(v) < Double(sign: .plus, exponent: -360, significand: 1) {
            throw invalid("The value \(format(v)) for parameter \(parameter) is invalid.")
        }
    }

    /// True for printable ASCII with a non-space character: nothing further to check.
    @inline(__always) static func plainASCII(_ s: String) -> Bool {
        var sawNonSpace = false
        for c in s.utf8 {
            guard c >= 0x20, c < 0x7F else { return false }
            if c != 0x20 { sawNonSpace = true }
        }
        return sawNonSpace
    }

    /// Names and values may hold any characters but control characters.
    static func checkText(_ s: String, parameter: String) throws {
        if s.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw invalid("The value for parameter \(parameter) contains invalid characters.")
        }
    }

    static func format(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "Infinity" : "-Infinity" }
        return "\(v)"
    }
}
