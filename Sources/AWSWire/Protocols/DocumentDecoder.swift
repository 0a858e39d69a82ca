import Foundation
public import TrailwatchCore

/// Turns an untyped document (a parsed JSON or CBOR body) into the model-typed tree of an
/// operation's input: members keyed by model name, scalars checked against their shapes.
///
/// A value of the wrong type is a `SerializationException`, as AWS answers it; members the
/// model does not know are ignored, and JSON `null` reads as absent.
public struct DocumentDecoder {
    /// Which document format the tree came from (they carry timestamps and blobs differently).
    public enum Dialect: Sendable { case json, cbor }

    let model: ServiceModel
    let dialect: Dialect

    public init(model: ServiceModel, dialect: Dialect) {
        self.model = model
        self.dialect = dialect
    }

    /// Decodes `document` as a value of shape `shapeIndex`.
    public func decode(_ document: WireValue, shape shapeIndex: Int) throws -> WireValue {
        var path = Validator.Path()
        return try convert(document, shapeIndex, &path)
    }

    private func mismatch(_ found: WireValue, _ expected: String, _ path: Validator.Path) -> AWSError {
        let where_ = path.steps.isEmpty ? "the request body" : "'\(path.coral)'"
        return AWSError(CommonErrors.serializationException,
                        "Expected \(expected) for \(where_) but found \(found.kindName == "object" ? "an object" : "a " + found.kindName).")
    }

    private func convert(_ v: WireValue, _ index: Int, _ path: inout Validator.Path) throws -> WireValue {
        let shape = model.shapes[index]
        switch shape.kind {
        case .structure:
            guard case .map(let obj) = v else { throw mismatch(v, "an object", path) }
            var out: [String: WireValue] = [:]
            out.reserveCapacity(obj.count)
            for member in shape.members where member.location == .body {
                guard let raw = obj[member.wireName], raw != .null else { continue }
                path.steps.append(.member(name: member.name, wireName: member.wireName))
                out[member.name] = try convert(raw, member.shape, &path)
                path.steps.removeLast()
            }
            return .map(out)
        case .list:
            guard case .list(let items) = v else { throw mismatch(v, "a list", path) }
            var out: [WireValue] = []
            let kept = Validator.itemsToRead(items.count, shape)
            out.reserveCapacity(kept)
            for (i, item) in items.prefix(kept).enumerated() {
                if item == .null { out.append(.null); continue }
                path.steps.append(.index(i))
                out.append(try convert(item, shape.element, &path))
                path.steps.removeLast()
            }
            return .list(out)
        case .map:
            guard case .map(let obj) = v else { throw mismatch(v, "an object", path) }
            var out: [String: WireValue] = [:]
            for (k, item) in obj where item != .null {
                path.steps.append(.mapValue(k))
                out[k] = try convert(item, shape.element, &path)
                path.steps.removeLast()
            }
            return .map(out)
        case .string:
            guard case .string = v else { throw mismatch(v, "a string", path) }
            return v
        case .integer, .long:
            let n: Int64
            switch v {
            case .int(let i): n = i
            case .double(let d) where d.rounded(.towardZero) == d && abs(d) < 9.2e18: n = Int64(d)
            default: throw mismatch(v, "an integer", path)
            }
            // An `integer` shape is 32 bits on AWS: a larger value is a serialization error,
            // and no service ever does arithmetic on a period of 9223372036854775800.
            if shape.kind == .integer, Int32(exactly: n) == nil {
                throw AWSError(CommonErrors.serializationException,
                               "Value \(n) for '\(path.coral)' is out of range for a 32-bit integer.")
            }
            return .int(n)
        case .float, .double:
            switch v {
            case .int(let i): return .double(Double(i))
            case .double: return v
            case .string(let s):
                // JSON cannot carry NaN and infinities as numbers; AWS protocols send strings.
                switch s {
                case "NaN": return .double(.nan)
                case "Infinity": return .double(.infinity)
                case "-Infinity": return .double(-.infinity)
                default: throw mismatch(v, "a number", path)
                }
            default: throw mismatch(v, "a number", path)
            }
        case .boolean:
            guard case .bool = v else { throw mismatch(v, "a boolean", path) }
            return v
        case .timestamp:
            let date: Date
            switch v {
            case .timestamp(let d): date = d
            case .int(let i): date = Date(timeIntervalSince1970: Double(i))
            case .double(let d): date = Date(timeIntervalSince1970: d)
            case .string(let s):
                guard let d = Timestamps.parseISO8601(s) else { throw mismatch(v, "a timestamp", path) }
                date = d
            default: throw mismatch(v, "a timestamp", path)
            }
            guard Timestamps.isRepresentable(date) else {
                throw AWSError(CommonErrors.serializationException,
                               "Value for '\(path.coral)' is not a representable timestamp (years 0001 to 9999).")
            }
            return .timestamp(date)
        case .blob:
            switch (v, dialect) {
            case (.blob, _): return v
            case (.string(let s), .json):
                guard let bytes = Base64.decode(s) else {
                    throw AWSError(CommonErrors.serializationException, "Value for '\(path.coral)' is not valid base64.")
                }
                return .blob(bytes)
            default: throw mismatch(v, "a blob", path)
            }
        case .document:
            return v
        }
    }
}

/// `MetricData` -> `metricData`: how AWS names members in validation messages.
@inlinable func lowerFirst(_ s: String) -> String {
    guard let f = s.first, f.isUppercase else { return s }
    return f.lowercased() + s.dropFirst()
}

@inlinable func join(_ path: String, _ name: String) -> String {
    path.isEmpty ? name : path + "." + name
}
