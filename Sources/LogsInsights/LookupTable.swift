/// A lookup table: CSV reference data that the `lookup` command joins to rows. The first
/// line names the columns; every later line is a record with as many values.
public struct LookupTable: Sendable, Equatable {
    public let columns: [String]
    public let records: [[String]]
    /// The records by their value in each column, built when a query first matches on it.
    private var indexes: [String: [String: Int]] = [:]

    public struct Invalid: Error, Equatable {
        public let message: String
    }

    /// Parses RFC 4180 CSV: fields may be quoted (`"a,b"`, `""` for a quote), lines end in LF
    /// or CRLF, a trailing newline ends the last record.
    public init(csv: String) throws {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false, wasQuoted = false
        var chars = csv.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func next() -> Unicode.Scalar? {
            if let p = pending { pending = nil; return p }
            return chars.next()
        }
        var line = 1
        while let c = next() {
            if quoted {
                if c == "\"" {
                    if let d = next() {
                        if d == "\"" { field.unicodeScalars.append("\"") } else { quoted = false; pending = d }
                    } else { quoted = false }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"":
                guard field.isEmpty, !wasQuoted else {
                    throw Invalid(message: "The table body is not valid CSV: unexpected quote on line \(line).")
                }
                quoted = true; wasQuoted = true
            case ",":
                row.append(field); field = ""; wasQuoted = false
            case "\r":
                if let d = next(), d != "\n" { pending = d }
                fallthrough
            case "\n":
                row.append(field); field = ""; wasQuoted = false
                rows.append(row); row = []
                line += 1
            default:
                guard !wasQuoted else {
                    throw Invalid(message: "The table body is not valid CSV: text after a closing quote on line \(line).")
                }
                field.unicodeScalars.append(c)
            }
        }
        if quoted { throw Invalid(message: "The table body is not valid CSV: a quoted field is not closed.") }
        if !field.isEmpty || wasQuoted || !row.isEmpty { row.append(field); rows.append(row) }
        // Blank lines carry no record.
        rows.removeAll { $0 == [""] }
        guard let header = rows.first else { throw Invalid(message: "The table body must have a header row.") }
        let names = header.map { $0.trimmingSpaces }
        if names.contains(where: \.isEmpty) { throw Invalid(message: "The header row has an empty column name.") }
        var seen: Set<String> = []
        for n in names where !seen.insert(n).inserted {
            throw Invalid(message: "The header row names the column '\(n)' more than once.")
        }
        for (i, r) in rows.enumerated().dropFirst() where r.count != names.count {
            throw Invalid(message: "Line \(i + 1) has \(r.count) values; the header row names \(names.count) columns.")
        }
        columns = names
        records = Array(rows.dropFirst())
    }

    /// The first record (in file order) whose values in `keys` equal `values`, exactly and
    /// case-sensitively.
    public mutating func match(_ keys: [String], _ values: [String]) -> [String]? {
        let at = keys.compactMap { columns.firstIndex(of: $0) }
        guard at.count == keys.count, !keys.isEmpty else { return nil }
        let name = keys.joined(separator: "\u{0}")
        if indexes[name] == nil {
            var index: [String: Int] = [:]
            for (i, r) in records.enumerated() {
                let k = at.map { r[$0] }.joined(separator: "\u{0}")
                if index[k] == nil { index[k] = i }
            }
            indexes[name] = index
        }
        return indexes[name]![values.joined(separator: "\u{0}")].map { records[$0] }
    }

    public static func == (a: LookupTable, b: LookupTable) -> Bool { a.columns == b.columns && a.records == b.records }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
