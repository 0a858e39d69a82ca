/// Builds XML text with escaping; callers drive the structure.
public struct XMLWriter {
    public private(set) var text: String = ""

    public init() { text.reserveCapacity(512) }

    public mutating func declaration() { text += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" }

    public mutating func open(_ name: String, xmlns: String? = nil) {
        text += "<" + name
        if let xmlns { text += " xmlns=\"" + XMLWriter.escape(xmlns) + "\"" }
        text += ">"
    }

    public mutating func close(_ name: String) { text += "</" + name + ">" }

    /// `<name>escaped value</name>`.
    public mutating func element(_ name: String, _ value: String) {
        text += "<" + name + ">" + XMLWriter.escape(value) + "</" + name + ">"
    }

    public mutating func raw(_ s: String) { text += s }

    /// Escapes text for element content and attribute values.
    public static func escape(_ s: String) -> String {
        var needs = false
        for c in s.utf8 where c == 0x26 || c == 0x3C || c == 0x3E || c == 0x22 || c == 0x27 || c == 0x0D {
            needs = true
            break
        }
        guard needs else { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count + 16)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\r": out += "&#13;"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }
}
