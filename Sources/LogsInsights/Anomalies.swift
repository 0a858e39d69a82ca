import Foundation

/// `anomaly`: what a pattern's events show beyond their count, gathered as they cluster, and
/// the anomalies AWS names read from it within the query's time range:
///
/// - pattern frequency: a minute holding far more of the pattern's events than its others
///   (more than the mean plus three deviations, and at least 5);
/// - new pattern: first seen in the last fifth of a range of ten minutes or more;
/// - token variation: a position with a few values, one of them rare (under 1 % of 100 or more);
/// - numerical token: a number far from its position's others (more than four deviations);
/// - HTTP error code: a position holding HTTP status codes, some of them 4xx or 5xx.
///
/// AWS documents the five kinds but neither its thresholds nor its output fields: these are
/// Trailwatch's, with `@isAnomaly`, `@anomalyTypes` and `@anomalyDescription` added to each
/// pattern's row.
struct PatternEvidence {
    /// Events per minute (epoch minute).
    var minutes: [Int64: Int] = [:]
    var first = Int64.max, last = Int64.min
    var positions: [Position] = []

    /// What one token position held.
    struct Position {
        /// Its values and their counts; nil once it held more than `maxValues`.
        var values: [Substring: Int]? = [:]
        /// Its numbers (Welford's running mean and squared deviations, merged by Chan's rule).
        var numbers = 0, mean = 0.0, m2 = 0.0, max = -Double.infinity, min = Double.infinity
        var nonNumbers = 0
        /// HTTP status codes (100–599) it held, and how many were 4xx or 5xx.
        var statuses = 0, errors = 0

        static let maxValues = 20

        mutating func add(_ token: Substring, count: Int = 1) {
            if values != nil {
                values![token, default: 0] += count
                if values!.count > Self.maxValues { values = nil }
            }
            if let x = Double(token), x.isFinite {
                addNumbers(n: 1, mean: x, m2: 0, max: x, min: x)
                if token.count == 3, token.allSatisfy(\.isNumber), let code = Int(token), (100...599).contains(code) {
                    statuses += 1
                    if code >= 400 { errors += 1 }
                }
            } else {
                nonNumbers += 1
            }
        }

        mutating func addNumbers(n: Int, mean m: Double, m2 q: Double, max hi: Double, min lo: Double) {
            guard n > 0 else { return }
            let total = numbers + n
            let delta = m - mean
            mean += delta * Double(n) / Double(total)
            m2 += q + delta * delta * Double(numbers) * Double(n) / Double(total)
            numbers = total
            max = Swift.max(max, hi)
            min = Swift.min(min, lo)
        }

        mutating func merge(_ o: Position) {
            if let ov = o.values, values != nil {
                for (k, v) in ov { values![k, default: 0] += v }
                if values!.count > Self.maxValues { values = nil }
            } else {
                values = nil
            }
            addNumbers(n: o.numbers, mean: o.mean, m2: o.m2, max: o.max, min: o.min)
            nonNumbers += o.nonNumbers
            statuses += o.statuses
            errors += o.errors
        }
    }

    init(tokens: [Substring], timestamp: Int64) {
        minutes[Self.minute(timestamp)] = 1
        first = timestamp
        last = timestamp
        positions = tokens.map { t in
            var p = Position()
            p.add(t)
            return p
        }
    }

    static func minute(_ t: Int64) -> Int64 { t >= 0 ? t / 60_000 : (t - 59_999) / 60_000 }

    mutating func merge(_ o: PatternEvidence) {
        for (m, n) in o.minutes { minutes[m, default: 0] += n }
        first = min(first, o.first)
        last = max(last, o.last)
        for i in positions.indices where i < o.positions.count { positions[i].merge(o.positions[i]) }
    }

    /// The anomalies of a pattern of `count` events whose template is `tokens` (nil where
    /// dynamic), in a query whose events span [rangeFirst, rangeLast].
    func anomalies(count: Int, tokens: [Substring?], rangeFirst: Int64, rangeLast: Int64) -> [(type: String, description: String)] {
        var found: [(String, String)] = []
        let firstMinute = Self.minute(rangeFirst), lastMinute = Self.minute(rangeLast)
        let bins = Int(lastMinute - firstMinute + 1)
        if bins >= 10, let peak = minutes.max(by: { $0.value < $1.value }) {
            let mean = Double(count) / Double(bins)
            var squares = Double(bins - minutes.count) * mean * mean
            for n in minutes.values { squares += (Double(n) - mean) * (Double(n) - mean) }
            let deviation = max((squares / Double(bins)).squareRoot(), mean.squareRoot())
            if peak.value >= 5, Double(peak.value) > mean + 3 * deviation {
                let at = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(peak.key * 60)))
                found.append(("Pattern Frequency", "\(peak.value) events in the minute from \(at), against \(String(format: "%.1f", mean)) a minute"))
            }
        }
        let span = rangeLast - rangeFirst
        if span >= 600_000, first >= rangeFirst + span * 4 / 5 {
            found.append(("New Pattern", "First seen in the last fifth of the time range"))
        }
        var dynamic = 0
        for (i, p) in positions.enumerated() {
            guard i < tokens.count, tokens[i] == nil else { continue }
            dynamic += 1
            var numeric = false
            if p.nonNumbers == 0, p.numbers >= 20 {
                let deviation = (p.m2 / Double(p.numbers)).squareRoot()
                if deviation > 0, p.max - p.mean > 4 * deviation || p.mean - p.min > 4 * deviation {
                    let far = p.max - p.mean >= p.mean - p.min ? p.max : p.min
                    numeric = true
                    found.append(("Numerical Token", "<Token-\(dynamic)> reached \(Value.number(far).text ?? ""), against a mean of \(String(format: "%.2f", p.mean))"))
                }
            }
            // A number far from the rest is a numerical anomaly, not also a variation.
            if !numeric, let values = p.values, values.count >= 2, count >= 100,
               let rare = values.min(by: { ($0.value, $0.key) < ($1.value, $1.key) }), Double(rare.value) < 0.01 * Double(count) {
                found.append(("Token Variation", "<Token-\(dynamic)> was \(rare.key) in \(rare.value) of \(count) events"))
            }
            if p.errors > 0, p.statuses == p.numbers + p.nonNumbers {
                found.append(("HTTP Error Code", "<Token-\(dynamic)> held an HTTP error code in \(p.errors) of \(p.statuses) events"))
            }
        }
        return found
    }
}
