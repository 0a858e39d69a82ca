import TrailwatchCore

extension Statistic {
    /// Parses a statistic name as AWS accepts it; nil when it is not one.
    public init?(_ text: String) {
        guard let kind = Self.parse(text) else { return nil }
        self.init(kind: kind, name: text)
    }

    private static func parse(_ text: String) -> Kind? {
        switch text {
        case "SampleCount": return .sampleCount
        case "Average": return .average
        case "Sum": return .sum
        case "Minimum": return .minimum
        case "Maximum": return .maximum
        case "IQM": return .trimmedMean(Range(kind: .percent, lower: 25, upper: 75))
        default: break
        }
        // pNN.NN
        if text.first == "p" || text.first == "P", text.dropFirst().first != "R" && text.dropFirst().first != "r",
           let v = percentValue(text.dropFirst()) {
            return .percentile(v)
        }
        // tm90, wm90, tc90, ts90: the samples up to that percentile.
        let lower = text.lowercased()
        if !text.contains("("), lower.count > 2, let v = percentValue(text.dropFirst(2)) {
            let range = Range(kind: .percent, lower: nil, upper: v)
            switch lower.prefix(2) {
            case "tm": return .trimmedMean(range)
            case "wm": return .winsorizedMean(range)
            case "tc": return .trimmedCount(range)
            case "ts": return .trimmedSum(range)
            default: return nil
            }
        }
        // TM(a:b), WM(..), TC(..), TS(..), PR(..)
        guard text.hasSuffix(")"), let open = text.firstIndex(of: "(") else { return nil }
        let name = text[..<open].uppercased()
        let inner = text[text.index(after: open)..<text.index(before: text.endIndex)]
        let parts = inner.split(separator: ":", omittingEmptySubsequences: false).map { $0.trimmingASCIIWhitespace() }
        guard parts.count == 2, !(parts[0].isEmpty && parts[1].isEmpty) else { return nil }
        if name == "PR" {
            guard !parts[0].hasSuffix("%"), !parts[1].hasSuffix("%"),
                  let lo = optionalNumber(parts[0]), let hi = optionalNumber(parts[1]) else { return nil }
            if let l = lo, let h = hi, l >= h { return nil }
            return .percentileRank(lower: lo, upper: hi)
        }
        guard let range = parseRange(parts[0], parts[1]) else { return nil }
        switch name {
        case "TM": return .trimmedMean(range)
        case "WM": return .winsorizedMean(range)
        case "TC": return .trimmedCount(range)
        case "TS": return .trimmedSum(range)
        default: return nil
        }
    }

    /// `10%:90%`, `150:1000`, with either end empty.
    private static func parseRange(_ a: String, _ b: String) -> Range? {
        let aPercent = a.hasSuffix("%"), bPercent = b.hasSuffix("%")
        if !a.isEmpty && !b.isEmpty && aPercent != bPercent { return nil }
        let kind: Range.Kind = (aPercent || bPercent) ? .percent : .value
        func end(_ s: String) -> Double?? {
            if s.isEmpty { return .some(nil) }
            if kind == .percent {
                guard let v = percentValue(s.dropLast()) else { return nil }
                return .some(v)
            }
            guard let v = Double(s), v.isFinite else { return nil }
            return .some(v)
        }
        guard let lo = end(a), let hi = end(b) else { return nil }
        if let l = lo, let h = hi, l >= h { return nil }
        return Range(kind: kind, lower: lo, upper: hi)
    }

    /// nil for malformed text, .some(nil) for empty text.
    private static func optionalNumber(_ s: String) -> Double?? {
        if s.isEmpty { return .some(nil) }
        guard let v = Double(s), v.isFinite else { return nil }
        return .some(v)
    }

    /// A percent between 0 and 100 with at most two decimals.
    private static func percentValue(_ s: Substring) -> Double? {
        guard let first = s.first, first.isNumber, let last = s.last, last.isNumber,
              s.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }) else { return nil }
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, parts.count == 1 || parts[1].count <= 2, let v = Double(s), v >= 0, v <= 100 else { return nil }
        return v
    }
}
