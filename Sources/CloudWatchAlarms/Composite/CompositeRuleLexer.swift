// Splits an AlarmRule into tokens for CompositeRuleParser. Positions are 0-based UTF-16
// offsets, the way AWS (a Java service) reports them: for the rule `()` AWS answers
// "Unsupported token ')' at char 1", and for
// `(ALARM(arn:aws:cloudwatch:us-east-1:123456789012:alarm:SampleQueue Oldest Age Alarm) OR …`
// "Unsupported token 'Oldest' at char 67, must be: ')'" (aws/aws-cdk issues #34662, #13953).
// The second shows that a bare name ends at whitespace and that the next word is one token.

/// One token of an AlarmRule.
struct CompositeRuleToken: Equatable {
    enum Kind: Equatable {
        /// A run of characters other than whitespace, `(`, `)`, `,` and `"`: a keyword, a bare
        /// alarm name or ARN, or an `AT_LEAST` threshold.
        case word(String)
        /// A double-quoted name or ARN, without its quotes. It may hold spaces, parentheses and
        /// commas; it ends at the next `"` (AWS documents no escape, so there is none).
        case quoted(String)
        case open, close, comma
        /// The end of the rule.
        case end
    }

    var kind: Kind
    /// The token's first character, as a UTF-16 offset into the rule.
    var offset: Int
    /// The token as written (a quoted name with its quotes), for error messages.
    var text: String
}

enum CompositeRuleLexer {
    /// The rule's tokens, ending with one `.end`. Throws only for a `"` that is never closed.
    static func tokens(_ rule: String) throws(CompositeRuleError) -> [CompositeRuleToken] {
        var out: [CompositeRuleToken] = []
        var offset = 0
        var scalars = rule.unicodeScalars[...]
        while let c = scalars.first {
            let start = offset
            switch c {
            case "(", ")", ",":
                scalars.removeFirst()
                offset += 1
                out.append(CompositeRuleToken(kind: c == "(" ? .open : c == ")" ? .close : .comma,
                                              offset: start, text: String(c)))
            case "\"":
                scalars.removeFirst()
                offset += 1
                guard let close = scalars.firstIndex(of: "\"") else {
                    throw CompositeRuleParser.error("Unterminated quoted alarm name at char \(start)")
                }
                let name = String(Substring(scalars[..<close]))
                offset += name.utf16.count + 1
                scalars = scalars[scalars.index(after: close)...]
                out.append(CompositeRuleToken(kind: .quoted(name), offset: start, text: "\"\(name)\""))
            default:
                if c.properties.isWhitespace {
                    scalars.removeFirst()
                    offset += c.utf16.count
                    continue
                }
                let end = scalars.firstIndex(where: isDelimiter) ?? scalars.endIndex
                let word = String(Substring(scalars[..<end]))
                offset += word.utf16.count
                scalars = scalars[end...]
                out.append(CompositeRuleToken(kind: .word(word), offset: start, text: word))
            }
        }
        out.append(CompositeRuleToken(kind: .end, offset: offset, text: ""))
        return out
    }

    private static func isDelimiter(_ c: Unicode.Scalar) -> Bool {
        c == "(" || c == ")" || c == "," || c == "\"" || c.properties.isWhitespace
    }
}
