public import Foundation

/// The protocol-neutral document every request and response passes through.
///
/// Each wire codec (JSON 1.0/1.1, Query, RPCv2 CBOR, XML) decodes into this tree and encodes
/// from it, guided by the service model; generated shapes map it to typed inputs and outputs.
/// Structures and maps are both `.map`: the service model says which one a node is. Structure
/// keys are the model's member names (`MetricData`), never the wire's location names.
public enum WireValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case blob([UInt8])
    case timestamp(Date)
    case list([WireValue])
    case map([String: WireValue])
}

extension WireValue {
    /// The members of a structure or map node, or `nil` for any other node.
    public var fields: [String: WireValue]? {
        if case .map(let m) = self { return m }
        return nil
    }

    /// The elements of a list node, or `nil` for any other node.
    public var elements: [WireValue]? {
        if case .list(let l) = self { return l }
        return nil
    }

    /// The string of a string node.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// A numeric node as a `Double` (integers widen).
    public var doubleValue: Double? {
        switch self {
        case .double(let d): return d
        case .int(let i): return Double(i)
        default: return nil
        }
    }

    /// A numeric node as an `Int64` (doubles only when integral).
    public var intValue: Int64? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d.rounded() == d && abs(d) < 9.2e18: return Int64(d)
        default: return nil
        }
    }

    /// A boolean node.
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// Looks up a member of a structure or map node.
    public subscript(key: String) -> WireValue? {
        if case .map(let m) = self { return m[key] }
        return nil
    }

    /// A short name for the node's kind, used in error messages.
    public var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .int: return "integer"
        case .double: return "number"
        case .string: return "string"
        case .blob: return "blob"
        case .timestamp: return "timestamp"
        case .list: return "list"
        case .map: return "object"
        }
    }
}
