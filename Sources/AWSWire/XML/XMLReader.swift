/// A parsed XML element.
public struct XMLElement: Sendable, Equatable {
    public var name: String
    public var attributes: [String: String]
    public var children: [XMLElement]
    /// Concatenated character data directly inside the element.
    public var text: String

    public init(name: String, attributes: [String: String] = [:], children: [XMLElement] = [], text: String = "") {
        self.name = name
        self.attributes = attributes
        self.children = children
        self.text = text
    }

    /// The first child called `name`.
    public func child(_ name: String) -> XMLElement? { children.first { $0.name == name } }

    /// Every child called `name`.
    public func children(_ name: String) -> [XMLElement] { children.filter { $0.name == name } }
}

/// A malformed XML document.
public struct XMLSyntaxError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// A small non-validating XML parser for request bodies (S3) and tests: elements,
/// attributes, character data, CDATA, comments and the predefined and numeric entities.
/// Namespace prefixes are kept in names; DTDs are refused.
public struct XMLReader {
    public static let maxDepth = 64

    /// Parses a document and returns its root element.
    public static func parse(_ bytes: some Collection<UInt8>) throws -> XMLElement {
        var r = XMLReader(Array(bytes))
        r.skipProlog()
        guard let root = try r.element(depth: 0) else { throw XMLSyntaxError(message: "no root element") }
        r.skipMisc()
        guard r.pos == r.b.count else { throw XMLSyntaxError(message: "content after the root element") }
        return root
    }

    private let b: [UInt8]
    private var pos = 0

    private init(_ b: [UInt8]) { self.b = b }

    private func peek(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard pos + u.count <= b.count else { return false }
        for i in 0..<u.count where b[pos + i] != u[i] { return false }
        return true
    }

    private mutating func skipWhitespace() {
        while pos < b.count, b[pos] == 0x20 || b[pos] == 0x0A || b[pos] == 0x0D || b[pos] == 0x09 { pos += 1 }
    }

    private mutating func skip(until terminator: String) {
        while pos < b.count, !peek(terminator) { pos += 1 }
        pos = min(b.count, pos + terminator.utf8.count)
    }

    private mutating func skipProlog() {
        if b.starts(with: [0xEF, 0xBB, 0xBF]) { pos = 3 }
        skipMisc()
    }

    private mutating func skipMisc() {
        while true {
            skipWhitespace()
            if peek("<?") { skip(until: "?>") } else if peek("<!--") { skip(until: "-->") } else { return }
        }
    }

    private mutating func name() throws -> String {
        let start = pos
        while pos < b.count {
            let c = b[pos]
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 || c == UInt8(ascii: ">") || c == UInt8(ascii: "/") || c == UInt8(ascii: "=") { break }
            pos += 1
        }
        guard pos > start else { throw XMLSyntaxError(message: "expected a name at offset \(start)") }
        return String(decoding: b[start..<pos], as: UTF8.self)
    }

    private mutating func element(depth: Int) throws -> XMLElement? {
        guard depth < XMLReader.maxDepth else { throw XMLSyntaxError(message: "nested too deeply") }
        guard pos < b.count, b[pos] == UInt8(ascii: "<") else { return nil }
        if peek("<!DOCTYPE") { throw XMLSyntaxError(message: "DTDs are not accepted") }
        pos += 1
        var el = XMLElement(name: try name())
        while true {
            skipWhitespace()
            guard pos < b.count else { throw XMLSyntaxError(message: "unterminated start tag") }
            if b[pos] == UInt8(ascii: "/") {
                guard pos + 1 < b.count, b[pos + 1] == UInt8(ascii: ">") else { throw XMLSyntaxError(message: "bad empty tag") }
                pos += 2
                return el
            }
            if b[pos] == UInt8(ascii: ">") { pos += 1; break }
            let attr = try name()
            skipWhitespace()
            guard pos < b.count, b[pos] == UInt8(ascii: "=") else { throw XMLSyntaxError(message: "expected '=' after attribute \(attr)") }
            pos += 1
            skipWhitespace()
            guard pos < b.count, b[pos] == UInt8(ascii: "\"") || b[pos] == UInt8(ascii: "'") else {
                throw XMLSyntaxError(message: "expected a quoted attribute value")
            }
            let quote = b[pos]
            pos += 1
            let start = pos
            while pos < b.count, b[pos] != quote { pos += 1 }
            guard pos < b.count else { throw XMLSyntaxError(message: "unterminated attribute value") }
            el.attributes[attr] = try decodeEntities(b[start..<pos])
            pos += 1
        }
        var text: [UInt8] = []
        while true {
            guard pos < b.count else { throw XMLSyntaxError(message: "unterminated element <\(el.name)>") }
            if peek("</") {
                pos += 2
                let closing = try name()
                guard closing == el.name else { throw XMLSyntaxError(message: "</\(closing)> closes <\(el.name)>") }
                skipWhitespace()
                guard pos < b.count, b[pos] == UInt8(ascii: ">") else { throw XMLSyntaxError(message: "bad end tag") }
                pos += 1
                el.text = try decodeEntities(text[...])
                return el
            }
            if peek("<!--") { skip(until: "-->"); continue }
            if peek("<![CDATA[") {
                pos += 9
                let start = pos
                while pos < b.count, !peek("]]>") { pos += 1 }
                text.append(contentsOf: b[start..<pos])
                pos = min(b.count, pos + 3)
                continue
            }
            if peek("<?") { skip(until: "?>"); continue }
            if b[pos] == UInt8(ascii: "<") {
                if let child = try element(depth: depth + 1) { el.children.append(child) }
                continue
            }
            text.append(b[pos])
            pos += 1
        }
    }

    private func decodeEntities(_ s: ArraySlice<UInt8>) throws -> String {
        guard s.contains(UInt8(ascii: "&")) else { return String(decoding: s, as: UTF8.self) }
        var out: [UInt8] = []
        var i = s.startIndex
        while i < s.endIndex {
            if s[i] != UInt8(ascii: "&") { out.append(s[i]); i += 1; continue }
            guard let semi = s[i...].firstIndex(of: UInt8(ascii: ";")) else { throw XMLSyntaxError(message: "unterminated entity") }
            let entity = String(decoding: s[(i + 1)..<semi], as: UTF8.self)
            switch entity {
            case "amp": out.append(UInt8(ascii: "&"))
            case "lt": out.append(UInt8(ascii: "<"))
            case "gt": out.append(UInt8(ascii: ">"))
            case "quot": out.append(UInt8(ascii: "\""))
            case "apos": out.append(UInt8(ascii: "'"))
            default:
                var code: UInt32?
                if entity.hasPrefix("#x") { code = UInt32(entity.dropFirst(2), radix: 16) } else if entity.hasPrefix("#") { code = UInt32(entity.dropFirst()) }
                guard let c = code, let scalar = Unicode.Scalar(c) else { throw XMLSyntaxError(message: "unknown entity &\(entity);") }
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
            }
            i = semi + 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}
