import TrailwatchCore

/// One field of a space-delimited pattern: `...`, a name, or a name with conditions
/// (`status=4*`, `size>100`, `code=404 || code=500`).
enum DelimitedField: Sendable {
    case ellipsis
    case field(name: String?, condition: FieldCondition?)

    var name: String? {
        if case .field(let n, _) = self { return n }
        return nil
    }

    indirect enum FieldCondition: Sendable {
        case compare(ComparisonOp, PatternValue)
        case and(FieldCondition, FieldCondition)
        case or(FieldCondition, FieldCondition)

        func holds(_ text: String) -> Bool {
            switch self {
            case .compare(let op, let v): return v.compare(op, text: text, number: Double(text))
            case .and(let a, let b): return a.holds(text) && b.holds(text)
            case .or(let a, let b): return a.holds(text) || b.holds(text)
            }
        }
    }

    /// Splits a log line into fields: runs of non-spaces, with `"..."` and `[...]` each one
    /// field (without their quotes or brackets).
    static func split(_ message: String) -> [String] {
        var out: [String] = []
        let s = Array(message.unicodeScalars)
        var i = 0
        while i < s.count {
            if s[i] == " " || s[i] == "\t" {
                i += 1
                continue
            }
            var field = ""
            if s[i] == "\"" || s[i] == "[" {
                let close: Unicode.Scalar = s[i] == "\"" ? "\"" : "]"
                var j = i + 1
                while j < s.count, s[j] != close { j += 1 }
                if j < s.count {
                    field.unicodeScalars.append(contentsOf: s[(i + 1)..<j])
                    out.append(field)
                    i = j + 1
                    continue
                }
            }
            while i < s.count, s[i] != " ", s[i] != "\t" {
                field.unicodeScalars.append(s[i])
                i += 1
            }
            out.append(field)
        }
        return out
    }

    /// Binds pattern fields to values (`...` takes any number of them); the named values, or
    /// nil when the line does not fit or a condition fails.
    ///
    /// Each (pattern position, value position) pair is tried at most once: a pattern of several
    /// `...` against a long line would otherwise backtrack exponentially, and a metric filter
    /// runs on every PutLogEvents.
    static func bind(_ pattern: ArraySlice<DelimitedField>, _ values: ArraySlice<String>) -> [(name: String, value: String)]? {
        let p = Array(pattern), v = Array(values)
        var failed = Set<Int>()
        func go(_ pi: Int, _ vi: Int) -> [(name: String, value: String)]? {
            if pi == p.count { return vi == v.count ? [] : nil }
            let key = pi * (v.count + 1) + vi
            if failed.contains(key) { return nil }
            var result: [(name: String, value: String)]?
            switch p[pi] {
            case .ellipsis:
                // Try taking 0, 1, 2... values; with nothing after it, `...` takes them all.
                if pi + 1 == p.count { return [] }
                var skip = vi
                while skip <= v.count, result == nil {
                    result = go(pi + 1, skip)
                    skip += 1
                }
            case .field(let name, let condition):
                if vi < v.count, condition?.holds(v[vi]) ?? true, let rest = go(pi + 1, vi + 1) {
                    result = name.map { [(name: $0, value: v[vi])] + rest } ?? rest
                }
            }
            if result == nil { failed.insert(key) }
            return result
        }
        return go(0, 0)
    }
}
