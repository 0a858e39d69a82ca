import Foundation
public import TrailwatchCore

/// Reads an awsQuery request (`Action=...&Version=...&Namespace=...&MetricData.member.1...`)
/// into the model-typed tree of the operation's input.
///
/// Parameters are first arranged in a tree by their dotted names, then the tree is walked
/// alongside the input shape, so lists (`.member.N`, flattened `.N`), maps (`.entry.N.key`)
/// and nested structures read the way botocore's Query serializer writes them.
public struct QueryDecoder {
    let model: ServiceModel

    public init(model: ServiceModel) { self.model = model }

    /// The most dotted parts a parameter name may have.
    public static let maxKeyDepth = 64

    /// One node of the parameter tree.
    final class Node {
        var value: String?
        var children: [String: Node] = [:]
    }

    /// Decodes `parameters` (already form-decoded; `Action` and `Version` may be present) as a
    /// value of shape `shapeIndex`.
    public func decode(_ parameters: [(String, String)], shape shapeIndex: Int) throws -> WireValue {
        let root = Node()
        for (key, value) in parameters {
            var node = root
            let parts = key.split(separator: ".", omittingEmptySubsequences: false)
            // No AWS shape nests anywhere near this deep; a longer name would only build a chain
            // of nodes whose recursive release overflows the stack (`.member.1` × 50,000).
            guard parts.count <= Self.maxKeyDepth else {
                throw AWSError(CommonErrors.malformedQueryString,
                               "The parameter name \(key.prefix(64))... has more than \(Self.maxKeyDepth) dotted parts.")
            }
            for part in parts {
                let name = String(part)
                if let next = node.children[name] {
                    node = next
                } else {
                    let next = Node()
                    node.children[name] = next
                    node = next
                }
            }
            node.value = value
        }
        return try convert(root, shapeIndex, name: "") ?? .map([:])
    }

    private func invalid(_ value: String, _ name: String) -> AWSError {
        AWSError(CommonErrors.invalidParameterValue, "Value (\(value)) for parameter \(name) is invalid.")
    }

    private func convert(_ node: Node, _ index: Int, name: String) throws -> WireValue? {
        let shape = model.shapes[index]
        switch shape.kind {
        case .structure:
            var out: [String: WireValue] = [:]
            for member in shape.members where member.location == .body {
                let memberShape = model.shapes[member.shape]
                let flattened = member.flattened || memberShape.flattened
                var key = member.wireName
                // botocore writes a flattened list whose element has its own name under that name.
                if flattened, memberShape.kind == .list, let elementName = memberShape.elementName {
                    key = elementName
                }
                guard let child = node.children[key] else { continue }
                if let v = try convert(child, member.shape, name: join(name, key), flattened: flattened) {
                    out[member.name] = v
                }
            }
            return .map(out)
        case .list, .map:
            return try convert(node, index, name: name, flattened: shape.flattened)
        default:
            guard let text = node.value else { return nil }
            return try scalar(text, shape, name: name)
        }
    }

    private func convert(_ node: Node, _ index: Int, name: String, flattened: Bool) throws -> WireValue? {
        let shape = model.shapes[index]
        switch shape.kind {
        case .list:
            let container: Node
            if flattened {
                container = node
            } else {
                guard let c = node.children[shape.elementName ?? "member"] else {
                    // `Name=` with no members is botocore's empty list.
                    return node.value != nil ? .list([]) : nil
                }
                container = c
            }
            var items: [(Int, Node)] = []
            for (k, child) in container.children {
                guard let i = Int(k), i >= 1 else { continue }
                items.append((i, child))
            }
            items.sort { $0.0 < $1.0 }
            var out: [WireValue] = []
            let kept = Validator.itemsToRead(items.count, shape)
            out.reserveCapacity(kept)
            for (i, child) in items.prefix(kept) {
                if let v = try convert(child, shape.element, name: "\(name).member.\(i)") { out.append(v) }
            }
            return .list(out)
        case .map:
            let container: Node
            if flattened {
                container = node
            } else {
                guard let c = node.children["entry"] else { return node.value != nil ? .map([:]) : nil }
                container = c
            }
            var out: [String: WireValue] = [:]
            let keyName = shape.keyName ?? "key"
            let valueName = shape.elementName ?? "value"
            for (_, entry) in container.children {
                guard let k = entry.children[keyName]?.value else { continue }
                if let vnode = entry.children[valueName], let v = try convert(vnode, shape.element, name: "\(name).\(k)") {
                    out[k] = v
                }
            }
            return .map(out)
        default:
            return try convert(node, index, name: name)
        }
    }

    private func scalar(_ text: String, _ shape: Shape, name: String) throws -> WireValue {
        switch shape.kind {
        case .string: return .string(text)
        case .integer, .long:
            guard let i = Int64(text.trimmingASCIIWhitespace()), shape.kind == .long || Int32(exactly: i) != nil else {
                throw invalid(text, name)
            }
            return .int(i)
        case .float, .double:
            switch text {
            case "NaN": return .double(.nan)
            case "Infinity": return .double(.infinity)
            case "-Infinity": return .double(-.infinity)
            default:
                guard let d = Double(text.trimmingASCIIWhitespace()) else { throw invalid(text, name) }
                return .double(d)
            }
        case .boolean:
            switch text.lowercased() {
            case "true": return .bool(true)
            case "false": return .bool(false)
            default: throw invalid(text, name)
            }
        case .timestamp:
            guard let d = Timestamps.parseISO8601(text) else { throw invalid(text, name) }
            return .timestamp(d)
        case .blob:
            guard let b = Base64.decode(text) else { throw invalid(text, name) }
            return .blob(b)
        default:
            return .string(text)
        }
    }
}
