/// Opaque `NextToken`s: the position to resume after, tagged with what it pages through so
/// a token from one operation is refused by another.
public enum PageToken {
    public static func encode(_ after: String, kind: String) -> String {
        Base64.encode(Array("\(kind)\n\(after)".utf8))
    }

    public static func decode(_ token: String, kind: String) -> String? {
        guard let bytes = Base64.decode(token) else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        guard let nl = text.firstIndex(of: "\n"), text[..<nl] == kind else { return nil }
        return String(text[text.index(after: nl)...])
    }
}
