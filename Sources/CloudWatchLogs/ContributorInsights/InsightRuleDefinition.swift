import AWSShapes
import AWSWire
import Foundation
import TrailwatchCore

/// A Contributor Insights rule's definition (AWS's "Contributor Insights rule syntax"): which
/// log groups it reads, how their events are split into fields (JSON or CLF), the keys that
/// name a contributor, the filters an event must pass, and whether contributors are ranked by
/// their event count or by the sum of a field.
///
/// ```
/// {"Schema": {"Name": "CloudWatchLogRule", "Version": 1},
///  "LogGroupNames": ["API-Gateway-Access-Logs*"], "LogFormat": "JSON",
///  "Contribution": {"Keys": ["$.ip"], "ValueOf": "$.requestBytes",
///                   "Filters": [{"Match": "$.httpMethod", "In": ["PUT"]}]},
///  "AggregateOn": "Sum"}
/// ```
struct InsightRuleDefinition: Sendable {
    enum LogFormat: String, Sendable { case json = "JSON", clf = "CLF" }
    enum Aggregate: String, Sendable { case count = "Count", sum = "Sum" }

    /// Where a field's value comes from: a JSON path, or a CLF position (from 1).
    enum FieldRef: Sendable {
        case json(JSONSelector)
        case position(Int)
    }

    struct Filter: Sendable {
        enum Test: Sendable {
            case `in`([String]), notIn([String]), startsWith([String])
            case greaterThan(Double), lessThan(Double), equalTo(Double), notEqualTo(Double)
            case isPresent(Bool)
        }
        var field: FieldRef
        var test: Test
    }

    var logGroupNames: [String]
    var logGroupARNs: [String]
    var format: LogFormat
    var keys: [(label: String, field: FieldRef)]
    var value: FieldRef?
    var filters: [Filter]
    var aggregate: Aggregate

    /// AWS's limits on a rule.
    /// AWS's limits on a rule: keys, filters, values of an In/NotIn/StartsWith filter, log
    /// groups (the console's limit; the API's is unverified), and a key value's bytes (longer
    /// ones are cut, as AWS truncates keys to 1 KB).
    static let maxKeys = 4, maxFilters = 4, maxValues = 10, maxLogGroups = 20, maxKeyBytes = 1024

    static func invalid(_ message: String) -> AWSError {
        AWSError(CloudWatch.Errors.invalidParameterValueException, message)
    }

    /// Parses and validates `text`, refusing what AWS refuses with InvalidParameterValue.
    static func parse(_ text: String) throws -> InsightRuleDefinition {
        guard let doc = try? JSONReader.parse(Array(text.utf8)), case .map(let root) = doc else {
            throw invalid("The rule definition is not valid JSON.") // wording unverified
        }
        guard case .map(let schema)? = root["Schema"], schema["Name"]?.scalarText == "CloudWatchLogRule",
              schema["Version"]?.doubleValue == 1 else {
            throw invalid("The rule definition must have a Schema of Name CloudWatchLogRule and Version 1.") // wording unverified
        }
        let names = try strings(root["LogGroupNames"], "LogGroupNames")
        let arns = try strings(root["LogGroupARNs"], "LogGroupARNs")
        if names.isEmpty == arns.isEmpty { throw invalid("The rule definition must specify either LogGroupNames or LogGroupARNs, but not both.") } // wording unverified
        for name in names where name.dropLast().contains("*") {
            throw invalid("The log group name \(name) may only end with a wildcard (*).") // wording unverified
        }
        if names.count + arns.count > maxLogGroups { throw invalid("A rule can read at most \(maxLogGroups) log groups.") } // wording unverified
        guard let formatText = root["LogFormat"]?.scalarText, let format = LogFormat(rawValue: formatText) else {
            throw invalid("LogFormat must be JSON or CLF.") // wording unverified
        }
        var positions: [String: Int] = [:]
        if case .map(let fields)? = root["Fields"] {
            guard format == .clf else { throw invalid("Fields can only be used with the CLF log format.") } // wording unverified
            for (k, v) in fields {
                guard let n = Int(k), n >= 1, let name = v.scalarText, !name.isEmpty else {
                    throw invalid("Fields maps field positions (from 1) to names.") // wording unverified
                }
                positions[name] = n
            }
        }
        func ref(_ text: String) throws -> FieldRef {
            switch format {
            case .json:
                guard let s = try? JSONSelector.parse(text) else { throw invalid("\(text) is not a valid JSON path.") } // wording unverified
                return .json(s)
            case .clf:
                if let n = positions[text] { return .position(n) }
                if let n = Int(text), n >= 1 { return .position(n) }
                throw invalid("\(text) is not a field defined in Fields.") // wording unverified
            }
        }
        guard case .map(let contribution)? = root["Contribution"] else { throw invalid("The rule definition must have a Contribution.") } // wording unverified
        let keyTexts = try strings(contribution["Keys"], "Keys")
        guard (1...maxKeys).contains(keyTexts.count) else { throw invalid("Contribution must have between 1 and \(maxKeys) Keys.") } // wording unverified
        let keys = try keyTexts.map { (label: $0, field: try ref($0)) }
        let value = try contribution["ValueOf"].map { v -> FieldRef in
            guard let t = v.scalarText else { throw invalid("ValueOf must be a field.") } // wording unverified
            return try ref(t)
        }
        var filters: [Filter] = []
        if let raw = contribution["Filters"] {
            guard case .list(let list) = raw, list.count <= maxFilters else { throw invalid("Contribution can have at most \(maxFilters) Filters.") } // wording unverified
            for item in list { filters.append(try filter(item, ref)) }
        }
        guard let aggregateText = root["AggregateOn"]?.scalarText, let aggregate = Aggregate(rawValue: aggregateText) else {
            throw invalid("AggregateOn must be Count or Sum.") // wording unverified
        }
        if aggregate == .count, value != nil { throw invalid("ValueOf can only be specified when AggregateOn is Sum.") } // wording unverified
        return InsightRuleDefinition(logGroupNames: names, logGroupARNs: arns, format: format, keys: keys, value: value,
                                     filters: filters, aggregate: aggregate)
    }

    static func strings(_ v: WireValue?, _ name: String) throws -> [String] {
        guard let v else { return [] }
        guard case .list(let items) = v else { throw invalid("\(name) must be a list.") } // wording unverified
        return try items.map {
            guard let s = $0.scalarText else { throw invalid("\(name) must be a list of strings.") } // wording unverified
            return s
        }
    }

    static func filter(_ item: WireValue, _ ref: (String) throws -> FieldRef) throws -> Filter {
        guard case .map(let m) = item, let match = m["Match"]?.scalarText else { throw invalid("Each filter needs a Match.") } // wording unverified
        let ops = m.filter { $0.key != "Match" }
        guard ops.count == 1, let (op, v) = ops.first else {
            throw invalid("The filter on \(match) must have exactly one operator.") // wording unverified
        }
        let test: Filter.Test
        func list() throws -> [String] {
            let items = try strings(v, op)
            guard (1...maxValues).contains(items.count) else { throw invalid("\(op) takes between 1 and \(maxValues) values.") } // wording unverified
            return items
        }
        func number() throws -> Double {
            guard let n = v.doubleValue else { throw invalid("\(op) takes a number.") } // wording unverified
            return n
        }
        switch op {
        case "In": test = .in(try list())
        case "NotIn": test = .notIn(try list())
        case "StartsWith": test = .startsWith(try list())
        case "GreaterThan": test = .greaterThan(try number())
        case "LessThan": test = .lessThan(try number())
        case "EqualTo": test = .equalTo(try number())
        case "NotEqualTo": test = .notEqualTo(try number())
        case "IsPresent":
            guard case .bool(let b) = v else { throw invalid("IsPresent takes true or false.") } // wording unverified
            test = .isPresent(b)
        default: throw invalid("\(op) is not a valid filter operator.") // wording unverified
        }
        return Filter(field: try ref(match), test: test)
    }

    // MARK: Reading an event

    /// One event as the rule sees it: its fields, split once.
    struct Parsed {
        var doc: WireValue?
        var columns: [String] = []

        func value(_ ref: FieldRef) -> String? {
            switch ref {
            case .json(let s):
                guard let doc, let v = s.resolve(in: doc).first else { return nil }
                if let text = v.scalarText { return text }
                var w = JSONWriter()
                w.value(v)
                return String(decoding: w.bytes, as: UTF8.self)
            case .position(let n):
                return n <= columns.count ? columns[n - 1] : nil
            }
        }
    }

    func parse(message: String) -> Parsed? {
        switch format {
        case .json:
            guard let doc = try? JSONReader.parse(Array(message.utf8)), case .map = doc else { return nil }
            return Parsed(doc: doc)
        case .clf:
            return Parsed(doc: nil, columns: DelimitedField.split(message))
        }
    }

    /// What one event contributes: its contributor's key values and its value (1 when the rule
    /// counts), or nil when it fails a filter, lacks a key, or its value is not a number.
    func contribution(of message: String) -> (keys: [String], value: Double)? {
        guard let parsed = parse(message: message) else { return nil }
        for f in filters where !f.passes(parsed.value(f.field)) { return nil }
        var keyValues: [String] = []
        keyValues.reserveCapacity(keys.count)
        for k in keys {
            guard let v = parsed.value(k.field) else { return nil }
            keyValues.append(v.utf8.count > Self.maxKeyBytes ? String(decoding: v.utf8.prefix(Self.maxKeyBytes), as: UTF8.self) : v)
        }
        switch aggregate {
        case .count: return (keyValues, 1)
        case .sum:
            // AWS's own examples sum without a ValueOf; each event then counts 1 (unverified).
            guard let ref = value else { return (keyValues, 1) }
            guard let text = parsed.value(ref), let v = Double(text), v.isFinite else { return nil }
            return (keyValues, v)
        }
    }
}

extension InsightRuleDefinition.Filter {
    /// Whether a field's value (nil when the event lacks it) passes. Matching is case
    /// sensitive; a field that is absent fails every test but NotIn, NotEqualTo and
    /// `IsPresent: false`; numeric tests fail on a value that is not a number.
    func passes(_ value: String?) -> Bool {
        switch test {
        case .isPresent(let wanted): return (value != nil) == wanted
        case .notIn(let list): return value.map { !list.contains($0) } ?? true
        case .notEqualTo(let n): return value.map { Double($0) != n } ?? true
        case .in(let list): return value.map { list.contains($0) } ?? false
        case .startsWith(let list): return value.map { v in list.contains { v.hasPrefix($0) } } ?? false
        case .greaterThan(let n): return value.flatMap(Double.init).map { $0 > n } ?? false
        case .lessThan(let n): return value.flatMap(Double.init).map { $0 < n } ?? false
        case .equalTo(let n): return value.flatMap(Double.init).map { $0 == n } ?? false
        }
    }
}
