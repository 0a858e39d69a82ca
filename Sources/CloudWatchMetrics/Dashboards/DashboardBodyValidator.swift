import TrailwatchCore

/// Checks a `DashboardBody` against the dashboard body structure AWS documents
/// (CloudWatch-Dashboard-Body-Structure), reporting problems as AWS does: a JSON-pointer
/// `dataPath` and an ajv-style message ("Should have required property 'widgets'").
public struct DashboardBodyValidator: Sendable {
    /// One problem found in a body.
    public struct Problem: Sendable, Equatable {
        public var dataPath: String
        public var message: String
    }

    /// The outcome of validating a body.
    public enum Outcome: Sendable, Equatable {
        /// The body is not a JSON object at all.
        case notJSONObject
        /// The body is an object; `problems` is empty when it is valid.
        case checked([Problem])
    }

    static let widgetTypes: Set<String> = ["metric", "text", "log", "alarm", "explorer", "custom"]

    public init() {}

    /// Validates `body`.
    public func validate(_ body: String) -> Outcome {
        guard let doc = try? JSONReader.parse(Array(body.utf8)), case .map(let root) = doc else {
            return .notJSONObject
        }
        var problems: [Problem] = []
        guard let widgetsValue = root["widgets"] else {
            problems.append(Problem(dataPath: "", message: "Should have required property 'widgets'"))
            return .checked(problems)
        }
        guard case .list(let widgets) = widgetsValue else {
            problems.append(Problem(dataPath: "/widgets", message: "Should be array"))
            return .checked(problems)
        }
        if widgets.count > 500 {
            problems.append(Problem(dataPath: "/widgets", message: "Should NOT have more than 500 items"))
        }
        for (i, widget) in widgets.enumerated() {
            checkWidget(widget, path: "/widgets/\(i)", into: &problems)
        }
        if let variables = root["variables"] {
            if case .list(let list) = variables {
                if list.count > 25 { problems.append(Problem(dataPath: "/variables", message: "Should NOT have more than 25 items")) }
            } else {
                problems.append(Problem(dataPath: "/variables", message: "Should be array"))
            }
        }
        if root["end"] != nil && root["start"] == nil {
            problems.append(Problem(dataPath: "", message: "Should have property start when property end is present"))
        }
        if let po = root["periodOverride"], po != .string("auto"), po != .string("inherit") {
            problems.append(Problem(dataPath: "/periodOverride", message: "Should be equal to one of the allowed values"))
        }
        return .checked(problems)
    }

    private func checkWidget(_ widget: WireValue, path: String, into problems: inout [Problem]) {
        guard case .map(let w) = widget else {
            problems.append(Problem(dataPath: path, message: "Should be object"))
            return
        }
        if w["type"] == nil { problems.append(Problem(dataPath: path, message: "Should have required property 'type'")) }
        if w["properties"] == nil { problems.append(Problem(dataPath: path, message: "Should have required property 'properties'")) }
        if w["x"] != nil && w["y"] == nil { problems.append(Problem(dataPath: path, message: "Should have property y when property x is present")) }
        if w["y"] != nil && w["x"] == nil { problems.append(Problem(dataPath: path, message: "Should have property x when property y is present")) }
        checkInteger(w["x"], path: path + "/x", min: 0, max: 23, into: &problems)
        checkInteger(w["y"], path: path + "/y", min: 0, max: nil, into: &problems)
        checkInteger(w["width"], path: path + "/width", min: 1, max: 24, into: &problems)
        checkInteger(w["height"], path: path + "/height", min: 1, max: 1000, into: &problems)
        var type: String?
        if let t = w["type"] {
            if case .string(let s) = t, Self.widgetTypes.contains(s) {
                type = s
            } else {
                problems.append(Problem(dataPath: path + "/type", message: "Should be equal to one of the allowed values"))
            }
        }
        guard let propertiesValue = w["properties"] else { return }
        guard case .map(let p) = propertiesValue else {
            problems.append(Problem(dataPath: path + "/properties", message: "Should be object"))
            return
        }
        let ppath = path + "/properties"
        switch type {
        case "metric":
            checkMetricProperties(p, path: ppath, into: &problems)
        case "text":
            if p["markdown"] == nil { problems.append(Problem(dataPath: ppath, message: "Should have required property 'markdown'")) }
        case "log":
            if p["query"] == nil { problems.append(Problem(dataPath: ppath, message: "Should have required property 'query'")) }
            if p["region"] == nil { problems.append(Problem(dataPath: ppath, message: "Should have required property 'region'")) }
        case "alarm":
            if let alarms = p["alarms"] {
                if case .list(let list) = alarms {
                    if list.isEmpty { problems.append(Problem(dataPath: ppath + "/alarms", message: "Should NOT have less than 1 items")) }
                    if list.count > 100 { problems.append(Problem(dataPath: ppath + "/alarms", message: "Should NOT have more than 100 items")) }
                } else {
                    problems.append(Problem(dataPath: ppath + "/alarms", message: "Should be array"))
                }
            } else {
                problems.append(Problem(dataPath: ppath, message: "Should have required property 'alarms'"))
            }
        default:
            break
        }
    }

    private func checkMetricProperties(_ p: [String: WireValue], path: String, into problems: inout [Problem]) {
        let hasMetrics = p["metrics"] != nil
        let hasAnnotations = p["annotations"] != nil
        if !hasMetrics && !hasAnnotations {
            problems.append(Problem(dataPath: path, message: "Should have required property 'metrics'"))
            problems.append(Problem(dataPath: path, message: "The metric widget should have specified a region and a data source or an alarm annotation"))
            problems.append(Problem(dataPath: path, message: "Should have required property 'annotations'"))
            return
        }
        if p["region"] == nil {
            problems.append(Problem(dataPath: path, message: "The metric widget should have specified a region and a data source or an alarm annotation"))
        }
        if let metrics = p["metrics"] {
            guard case .list(let rows) = metrics else {
                problems.append(Problem(dataPath: path + "/metrics", message: "Should be array"))
                return
            }
            if rows.count > 500 { problems.append(Problem(dataPath: path + "/metrics", message: "Should NOT have more than 500 items")) }
            for (j, row) in rows.enumerated() {
                let rpath = "\(path)/metrics/\(j)"
                guard case .list(let items) = row else {
                    problems.append(Problem(dataPath: rpath, message: "Should be array"))
                    continue
                }
                for (k, item) in items.enumerated() {
                    switch item {
                    case .string: continue
                    case .map where k == items.count - 1: continue  // rendering properties or an expression
                    default:
                        problems.append(Problem(dataPath: rpath, message: "Field \"metrics\" has to be an array of array of strings, with an optional metricRenderer object as last element"))
                    }
                    break
                }
            }
        }
        if let period = p["period"] {
            if let v = period.intValue {
                if v < 1 { problems.append(Problem(dataPath: path + "/period", message: "Should be >= 1")) }
            } else {
                problems.append(Problem(dataPath: path + "/period", message: "Should be integer"))
            }
        }
    }

    private func checkInteger(_ value: WireValue?, path: String, min: Int64, max: Int64?, into problems: inout [Problem]) {
        guard let value else { return }
        guard let v = value.intValue, value.doubleValue != nil else {
            problems.append(Problem(dataPath: path, message: "Should be integer"))
            return
        }
        if v < min { problems.append(Problem(dataPath: path, message: "Should be >= \(min)")) }
        if let max, v > max { problems.append(Problem(dataPath: path, message: "Should be <= \(max)")) }
    }
}
