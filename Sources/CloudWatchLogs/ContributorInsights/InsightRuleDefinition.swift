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
            case `in`([String]), notIn([String]), startsWith([String]), notStartsWith([String])
            case greaterThan(Double), lessThan(Double), equalTo(String), notEqualTo(String)
            case isPresent(Bool)
        }
        var field: FieldRef
        var tests: [Test]
    }

    var logGroupNames: [String]
    var logGroupARNs: [String]
    var format: LogFormat
    var keys: [(label: String, field: FieldRef)]
    var value: FieldRef?
    var filters: [Filter]
    var aggregate: Aggregate

    /// AWS's limits on a rule.
    static let maxKeys = 4, maxFilters = 4, maxLogGroups = 20, maxValues = 10 // values per In/NotIn/StartsWith (unverified)

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
        if names.isEmpty && arns.isEmpty { throw invalid("The rule definition must name LogGroupNames or LogGroupARNs.") } // wording unverified
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
        if aggregate == .sum, value == nil { throw invalid("A rule that aggregates on Sum needs a ValueOf.") } // wording unverified
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
        var tests: [Filter.Test] = []
        for (op, v) in m where op != "Match" {
            func list() throws -> [String] {
                let items = try strings(v, op)
                guard (1...maxValues).contains(items.count) else { throw invalid("\(op) takes between 1 and \(maxValues) values.") } // wording unverified
                return items
            }
            func number() throws -> Double {
                guard let n = v.doubleValue else { throw invalid("\(op) takes a number.") } // wording unverified
                return n
            }
            func scalar() throws -> String {
                guard let s = v.scalarText else { throw invalid("\(op) takes a value.") } // wording unverified
                return s
            }
            switch op {
            case "In": tests.append(.in(try list()))
            case "NotIn": tests.append(.notIn(try list()))
            case "StartsWith": tests.append(.startsWith(try list()))
            case "NotStartsWith": tests.append(.notStartsWith(try list()))
            case "GreaterThan": tests.append(.greaterThan(try number()))
            case "LessThan": tests.append(.lessThan(try number()))
            case "EqualTo": tests.append(.equalTo(try scalar()))
            case "NotEqualTo": tests.append(.notEqualTo(try scalar()))
            case "IsPresent":
                guard case .bool(let b) = v else { throw invalid("IsPresent takes true or false.") } // wording unverified
                tests.append(.isPresent(b))
            default: throw invalid("\(op) is not a valid filter operator.") // wording unverified
            }
        }
        guard !tests.isEmpty else { throw invalid("The filter on \(match) has no operator.") } // wording unverified
        return Filter(field: try ref(match), tests: tests)
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
            keyValues.append(v)
        }
        switch aggregate {
        case .count: return (keyValues, 1)
        case .sum:
            guard let ref = value, let text = parsed.value(ref), let v = Double(text), v.isFinite else { return nil }
            return (keyValues, v)
        }
    }
}

extension InsightRuleDefinition.Filter {
    /// Every test of a filter must hold (a filter's operators, like the filters, are ANDed).
    func passes(_ value: String?) -> Bool {
        tests.allSatisfy { test in
            switch test {
            case .isPresent(let wanted): return (value != nil) == wanted
            case .notIn(let list): return value.map { !list.contains($0) } ?? true
            case .notStartsWith(let list): return value.map { v in !list.contains { v.hasPrefix($0) } } ?? true
            case .notEqualTo(let x): return value.map { !Self.equal($0, x) } ?? true
            default: break
            }
            guard let value else { return false }
            switch test {
            case .in(let list): return list.contains(value)
            case .startsWith(let list): return list.contains { value.hasPrefix($0) }
            case .greaterThan(let n): return Double(value).map { $0 > n } ?? false
            case .lessThan(let n): return Double(value).map { $0 < n } ?? false
            case .equalTo(let x): return Self.equal(value, x)
            default: return false
            }
        }
    }

    /// Numbers compare as numbers (`200` equals `200.0`), anything else as text.
    static func equal(_ a: String, _ b: String) -> Bool {
        if let x = Double(a), let y = Double(b) { return x == y }
        return a == b
    }
}
