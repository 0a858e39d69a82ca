import Foundation
public import TrailwatchCore

/// A CloudWatch Logs filter pattern (metric filters, subscription filters, FilterLogEvents),
/// parsed once and matched against many events. The three forms:
///
/// - terms: `ERROR`, `"a phrase"`, `?ERROR ?WARN` (any of), `-DEBUG` (none of), `%regex%`;
///   plain terms must all occur (case-sensitively, anywhere in the message);
/// - JSON: `{ $.a.b[0] = "x*" && ($.n > 5 || $.m NOT EXISTS) }`;
/// - space-delimited: `[ip, user, ..., status=4*, size>100]`.
public struct FilterPattern: Sendable {
    let form: Form
    /// The pattern as written.
    public let text: String

    enum Form: Sendable {
        case all
        case terms(required: [Term], anyOf: [Term], noneOf: [Term])
        case json(JSONCondition)
        case delimited([DelimitedField])
    }

    /// What matching extracted: JSON's parsed document, or the named space-delimited fields.
    public struct Match: Sendable {
        public var document: WireValue?
        public var fields: [(name: String, value: String)] = []

        /// `$.a.b` against the document, or `$name` against the named fields, as text.
        public func value(of selector: String) -> String? {
            if selector.hasPrefix("$."), let document {
                guard let path = try? JSONSelector.parse(selector) else { return nil }
                return path.resolve(in: document).first.flatMap(\.scalarText)
            }
            if selector.hasPrefix("$") {
                let name = String(selector.dropFirst())
                return fields.first { $0.name == name }?.value
            }
            return nil
        }
    }

    /// Parses `text`; throws `FilterPatternError` for what AWS refuses.
    public init(_ text: String) throws {
        self.text = text
        form = try FilterPatternParser(text).parse()
    }

    /// True when `message` matches.
    public func matches(_ message: String) -> Bool { match(message) != nil }

    /// The match and what it extracted, or nil.
    public func match(_ message: String) -> Match? {
        switch form {
        case .all:
            return Match()
        case .terms(let required, let anyOf, let noneOf):
            for t in required where !t.occurs(in: message) { return nil }
            if !anyOf.isEmpty, !anyOf.contains(where: { $0.occurs(in: message) }) { return nil }
            for t in noneOf where t.occurs(in: message) { return nil }
            return Match()
        case .json(let condition):
            guard let doc = try? JSONReader.parse(Array(message.utf8)) else { return nil }
            switch doc {
            case .map, .list: break
            default: return nil
            }
            return condition.evaluate(doc) ? Match(document: doc) : nil
        case .delimited(let pattern):
            let values = DelimitedField.split(message)
            guard let bound = DelimitedField.bind(pattern[...], values[...]) else { return nil }
            return Match(fields: bound)
        }
    }

    /// Whether the pattern can extract `$.field` (JSON) or `$name` (space-delimited) values.
    public var isJSON: Bool { if case .json = form { return true } else { return false } }
    public var fieldNames: [String] {
        if case .delimited(let fields) = form { return fields.compactMap(\.name) }
        return []
    }
}

/// AWS's answer to a pattern it cannot parse.
public struct FilterPatternError: Error, Sendable, Equatable {
    public let reason: String
}

/// A term of an unstructured pattern.
enum Term: Sendable {
    case text(String)
    case regex(RegexBox)

    func occurs(in message: String) -> Bool {
        switch self {
        case .text(let t): return message.containsBytes(t)
        case .regex(let r): return r.search(message)
        }
    }
}

/// A compiled `%...%` regular expression (AWS's subset: classes, quantifiers, anchors,
/// alternation, groups), searched anywhere in the text unless anchored.
struct RegexBox: @unchecked Sendable {
    let source: String
    let regex: NSRegularExpression

    init(_ source: String) throws {
        self.source = source
        // AWS's subset: no groups, no negation, ASCII only.
        if source.unicodeScalars.contains(where: { "()!".unicodeScalars.contains($0) || !$0.isASCII }) {
            throw FilterPatternError(reason: "unsupported character in regular expression %\(source)%")
        }
        do {
            regex = try NSRegularExpression(pattern: source)
        } catch {
            throw FilterPatternError(reason: "invalid regular expression %\(source)%")
        }
    }

    func search(_ text: String) -> Bool {
        regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}

/// `*` wildcards in string values, at the start or end only (`Ev*ent` is literal text).
struct Glob: Sendable {
    let body: String
    let leading: Bool
    let trailing: Bool

    init(_ s: String) {
        var b = Substring(s)
        leading = b.count > 1 && b.hasPrefix("*") || b == "*"
        if leading { b = b.dropFirst() }
        trailing = b.count > 0 && b.hasSuffix("*")
        if trailing { b = b.dropLast() }
        body = String(b)
    }

    func matches(_ text: String) -> Bool {
        switch (leading, trailing) {
        case (false, false): return text == body
        case (true, false): return text.hasSuffix(body)
        case (false, true): return text.hasPrefix(body)
        case (true, true): return body.isEmpty || text.contains(body)
        }
    }
}

/// A comparison value: a string (with wildcards), a number, or a regex.
enum PatternValue: Sendable {
    case string(Glob, raw: String)
    case number(Double, raw: String)
    case regex(RegexBox)

    /// `field op self`, with the field as text (and as a number when it is one).
    func compare(_ op: ComparisonOp, text: String, number: Double?) -> Bool {
        switch self {
        case .regex(let r):
            switch op {
            case .eq: return r.search(text)
            case .ne: return !r.search(text)
            default: return false
            }
        case .number(let n, let raw):
            guard let v = number else {
                switch op {
                case .eq: return text == raw
                case .ne: return text != raw
                default: return false
                }
            }
            switch op {
            case .eq: return v == n
            case .ne: return v != n
            case .lt: return v < n
            case .le: return v <= n
            case .gt: return v > n
            case .ge: return v >= n
            }
        case .string(let g, _):
            switch op {
            case .eq: return g.matches(text)
            case .ne: return !g.matches(text)
            default: return false
            }
        }
    }
}

enum ComparisonOp: String, Sendable {
    case eq = "=", ne = "!=", lt = "<", le = "<=", gt = ">", ge = ">="
}
