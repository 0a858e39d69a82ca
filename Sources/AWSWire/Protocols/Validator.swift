public import TrailwatchCore
import Synchronization

/// Checks a decoded input against its model's constraints (required, length, range, enum,
/// pattern) and words each violation as AWS does:
///
///     1 validation error detected: Value 'a:b' at 'logGroupName' failed to satisfy
///     constraint: Member must satisfy regular expression pattern: [\.\-_/#A-Za-z0-9]+
public struct Validator {
    let model: ServiceModel

    public init(model: ServiceModel) { self.model = model }

    /// One failed constraint.
    public struct Violation: Sendable, Equatable {
        /// Which constraint failed (CloudWatch words some of them its own way).
        public enum Kind: Sendable, Equatable {
            case missing
            case enumValue([String])
            case tooLong(Int)
            case tooManyItems(Int)
            case other
        }
        /// The coral text: `Value 'x' at 'metricData.1.member.unit' failed to satisfy ...`.
        public var text: String
        public var kind: Kind
        /// The member's Query path (`MetricData.member.1.Unit`), as CloudWatch's messages name it.
        public var queryPath: String

        public var missing: Bool { kind == .missing }
    }

    /// All violations in `value` (of shape `shapeIndex`), in document order.
    public func violations(of value: WireValue, shape shapeIndex: Int) -> [Violation] {
        var out: [Violation] = []
        var path = Path()
        check(value, shapeIndex, &path, into: &out)
        return out
    }

    /// Where a value sits, as a stack of steps rendered only when a violation is reported
    /// (rendering it for every value was most of the cost of validating a large request).
    struct Path {
        enum Step {
            case member(name: String, wireName: String)
            case index(Int)
            case mapKey
            case mapValue(String)
        }
        var steps: [Step] = []

        /// The coral path: `metricData.1.member.unit`.
        var coral: String {
            var out = ""
            for step in steps {
                switch step {
                case .member(let name, _): out = out.isEmpty ? lowerFirst(name) : out + "." + lowerFirst(name)
                case .index(let i): out += ".\(i + 1).member"
                case .mapKey: out += ".key"
                case .mapValue(let k): out += ".\(k)"
                }
            }
            return out
        }

        /// The Query path: `MetricData.member.1.Unit`.
        var query: String {
            var out = ""
            for step in steps {
                switch step {
                case .member(_, let wireName): out = out.isEmpty ? wireName : out + "." + wireName
                case .index(let i): out += ".member.\(i + 1)"
                case .mapKey, .mapValue: break
                }
            }
            return out
        }
    }

    /// The AWS error for `violations` on `service`. CloudWatch words its own families, each
    /// message on a line: `MissingParameter` ("The parameter Namespace is required."), and
    /// `InvalidParameterValue` for enum, length and collection-size failures ("The parameter
    /// MetricData.member.1.Unit must be a value in the set [ ... ]."); everything else gets the
    /// coral text ("2 validation errors detected: ...; ...") under the service's code.
    public static func error(for violations: [Violation], service: AWSService, code: AWSErrorType) -> AWSError {
        if service == .cloudWatch {
            let missing = violations.filter(\.missing)
            if !missing.isEmpty {
                return AWSError(AWSErrorType("MissingRequiredParameterException", queryCode: "MissingParameter"),
                                missing.map { "The parameter \($0.queryPath) is required." }.joined(separator: "\n"))
            }
            let worded = violations.compactMap { v -> String? in
                switch v.kind {
                case .enumValue(let allowed): return "The parameter \(v.queryPath) must be a value in the set [ \(allowed.joined(separator: ", ")) ]."
                case .tooLong(let max): return "The parameter \(v.queryPath) must be shorter than \(max + 1) characters."
                case .tooManyItems(let max): return "The collection \(v.queryPath) must not have a size greater than \(max)."
                default: return nil
                }
            }
            if !worded.isEmpty {
                return AWSError(AWSErrorType("InvalidParameterValueException", queryCode: "InvalidParameterValue"),
                                worded.joined(separator: "\n"))
            }
        }
        let n = violations.count
        return AWSError(code, "\(n) validation error\(n == 1 ? "" : "s") detected: " + violations.map(\.text).joined(separator: "; "))
    }

    private func check(_ value: WireValue, _ index: Int, _ path: inout Path, into out: inout [Violation]) {
        let shape = model.shapes[index]
        switch (shape.kind, value) {
        case (.structure, .map(let fields)):
            for member in shape.members {
                guard let v = fields[member.name], v != .null else {
                    if member.required, !shape.isUnion {
                        path.steps.append(.member(name: member.name, wireName: member.wireName))
                        out.append(Violation(text: "Value null at '\(path.coral)' failed to satisfy constraint: Member must not be null",
                                             kind: .missing, queryPath: path.query))
                        path.steps.removeLast()
                    }
                    continue
                }
                path.steps.append(.member(name: member.name, wireName: member.wireName))
                check(v, member.shape, &path, into: &out)
                path.steps.removeLast()
            }
        case (.list, .list(let items)):
            checkLength(Double(items.count), shape, value, path, collection: true, &out)
            // A list past its limit is refused for its size alone, as AWS does, without a
            // violation for each of its (possibly a million) members.
            if let max = shape.max, Double(items.count) > max { break }
            for (i, item) in items.enumerated() where item != .null {
                path.steps.append(.index(i))
                check(item, shape.element, &path, into: &out)
                path.steps.removeLast()
            }
        case (.map, .map(let entries)):
            checkLength(Double(entries.count), shape, value, path, collection: true, &out)
            for (k, item) in entries {
                path.steps.append(.mapKey)
                check(.string(k), shape.key, &path, into: &out)
                path.steps[path.steps.count - 1] = .mapValue(k)
                check(item, shape.element, &path, into: &out)
                path.steps.removeLast()
            }
        case (.string, .string(let s)):
            checkLength(Double(s.utf16.count), shape, value, path, collection: false, &out)
            if let allowed = shape.enumValues, !allowed.contains(s) {
                out.append(Violation(text: "Value '\(s)' at '\(path.coral)' failed to satisfy constraint: Member must satisfy enum value set: [\(allowed.joined(separator: ", "))]",
                                     kind: .enumValue(allowed), queryPath: path.query))
            }
            if let pattern = shape.pattern, !PatternCache.shared.matches(pattern, s) {
                out.append(Violation(text: "Value '\(s)' at '\(path.coral)' failed to satisfy constraint: Member must satisfy regular expression pattern: \(pattern)",
                                     kind: .other, queryPath: path.query))
            }
        case (.blob, .blob(let b)):
            checkLength(Double(b.count), shape, value, path, collection: false, &out)
        case (.integer, .int(let i)), (.long, .int(let i)):
            checkRange(Double(i), shape, value, path, &out)
        case (.float, .double(let d)), (.double, .double(let d)):
            if d.isFinite { checkRange(d, shape, value, path, &out) }
        default:
            break
        }
    }

    /// How many items of a list the decoders read: one past the shape's limit (enough for the
    /// validator to refuse it with AWS's message), or `unlimitedListCap` + 1 when the model gives
    /// none. A request's size cannot make the server convert more.
    public static func itemsToRead(_ count: Int, _ shape: Shape) -> Int {
        let limit = shape.max.map { Int(Swift.min($0, Double(unlimitedListCap))) } ?? unlimitedListCap
        return Swift.min(count, limit + 1)
    }

    /// The most items a list without a modeled limit is read to (no AWS API takes more).
    public static let unlimitedListCap = 10_000

    /// At most this many characters of a value are quoted in a message.
    static let describedLength = 1024

    private func describe(_ v: WireValue) -> String {
        let text = describeAll(v)
        return text.count > Self.describedLength ? String(text.prefix(Self.describedLength)) + "..." : text
    }

    private func describeAll(_ v: WireValue) -> String {
        switch v {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .double(let d): return String(d)
        case .bool(let b): return String(b)
        case .list(let l): return "[" + l.prefix(Self.describedLength / 2).map(describe).joined(separator: ", ") + "]"
        case .map(let m): return "{" + m.keys.sorted().prefix(Self.describedLength / 2).map { "\($0)=\(describe(m[$0] ?? .null))" }.joined(separator: ", ") + "}"
        case .blob: return "java.nio.HeapByteBuffer"
        case .timestamp(let t): return Timestamps.iso8601(t)
        case .null: return "null"
        }
    }

    private func checkLength(_ n: Double, _ shape: Shape, _ value: WireValue, _ path: Path,
                             collection: Bool, _ out: inout [Violation]) {
        if let min = shape.min, n < min {
            out.append(Violation(text: "Value '\(describe(value))' at '\(path.coral)' failed to satisfy constraint: Member must have length greater than or equal to \(Int(min))",
                                 kind: .other, queryPath: path.query))
        }
        if let max = shape.max, n > max {
            out.append(Violation(text: "Value '\(describe(value))' at '\(path.coral)' failed to satisfy constraint: Member must have length less than or equal to \(Int(max))",
                                 kind: collection ? .tooManyItems(Int(max)) : .tooLong(Int(max)), queryPath: path.query))
        }
    }

    private func checkRange(_ n: Double, _ shape: Shape, _ value: WireValue, _ path: Path, _ out: inout [Violation]) {
        if let min = shape.min, n < min {
            out.append(Violation(text: "Value '\(describe(value))' at '\(path.coral)' failed to satisfy constraint: Member must have value greater than or equal to \(format(min))",
                                 kind: .other, queryPath: path.query))
        }
        if let max = shape.max, n > max {
            out.append(Violation(text: "Value '\(describe(value))' at '\(path.coral)' failed to satisfy constraint: Member must have value less than or equal to \(format(max))",
                                 kind: .other, queryPath: path.query))
        }
    }

    private func format(_ d: Double) -> String {
        d == d.rounded() && abs(d) < 1e18 ? String(Int64(d)) : String(d)
    }
}

/// Compiled model patterns, shared by every request. A pattern Swift's regex engine cannot
/// compile (the models use Java syntax) is skipped rather than refusing valid input.
final class PatternCache: Sendable {
    static let shared = PatternCache()

    private struct Entry: @unchecked Sendable { let regex: Regex<AnyRegexOutput>? }
    private let cache = Mutex<[String: Entry]>([:])

    func matches(_ pattern: String, _ text: String) -> Bool {
        let entry = cache.withLock { cache -> Entry in
            if let e = cache[pattern] { return e }
            let e = Entry(regex: try? Regex(pattern))
            cache[pattern] = e
            return e
        }
        guard let regex = entry.regex else { return true }
        return (try? regex.wholeMatch(in: text)) != nil
    }
}
