/// `pattern`: rows clustered by shared text structure, each cluster a row of `@pattern`,
/// `@ratio`, `@sampleCount` and `@severityLabel` (AWS's documented output).
///
/// The clustering is Drain's (He et al., 2017), online as rows arrive: a text is split at
/// whitespace, tokens holding a digit are dynamic from the start, and texts with the same
/// token count and first token fall in one bucket, where a text joins the cluster whose
/// template it shares most tokens with (at least `similarity` of them), turning the positions
/// where they differ into dynamic tokens; otherwise it starts a cluster. Dynamic tokens show as
/// `<Token-N>`, numbered in order: AWS's form for a token whose kind it does not infer
/// (Trailwatch infers no kinds).
struct PatternClusters {
    static let similarity = 0.5
    /// Clusters a bucket holds at most; past it a text joins its most similar cluster.
    static let maxPerBucket = 200

    struct Cluster {
        /// The template: nil where the token is dynamic.
        var tokens: [Substring?]
        var count: Int
        var severity: String
        /// With `diff`: the texts of the period compared with.
        var previous = 0
        /// With `anomaly`: what its events showed.
        var evidence: PatternEvidence?
    }

    struct Bucket: Hashable {
        let length: Int
        let first: Substring?
    }

    /// What `pattern` clusters (`@message`, a parsed field, a string expression).
    let source: Expr
    private(set) var buckets: [Bucket: [Cluster]] = [:]
    private(set) var total = 0
    /// Whether the clusters hold a compared period's counts too (`diff`).
    private(set) var compared = false
    /// Whether they gather evidence for `anomaly`, and the time span of their events.
    let anomalies: Bool
    private(set) var first = Int64.max, last = Int64.min

    init(_ source: Expr, anomalies: Bool = false) {
        self.source = source
        self.anomalies = anomalies
    }

    /// Adds a row's text (a row without one is left out).
    mutating func add(_ row: Row, _ eval: (Expr, Row) throws -> Value) throws {
        if let text = try eval(source, row).text { add(text, at: row.timestamp) }
    }

    mutating func add(_ text: String, at timestamp: Int64 = 0) {
        let raw = Self.split(text)
        let tokens = raw.map { t -> Substring? in t.contains(where: \.isNumber) ? nil : t }
        var c = Cluster(tokens: tokens, count: 1, severity: Self.severity(of: tokens))
        if anomalies { c.evidence = PatternEvidence(tokens: raw, timestamp: timestamp) }
        add(c)
    }

    /// Adds a cluster (one text, or a sibling shard's cluster) to its bucket.
    mutating func add(_ c: Cluster) {
        total += c.count
        if let e = c.evidence {
            first = min(first, e.first)
            last = max(last, e.last)
        }
        if c.previous > 0 { compared = true }
        let key = Bucket(length: c.tokens.count, first: c.tokens.first ?? nil)
        var clusters = buckets[key] ?? []
        buckets[key] = nil
        var best: (index: Int, score: Double)?
        for (i, existing) in clusters.enumerated() {
            let s = Self.score(existing.tokens, c.tokens)
            if s > (best?.score ?? -1) { best = (i, s) }
        }
        if let b = best, b.score >= Self.similarity || clusters.count >= Self.maxPerBucket {
            var merged = clusters[b.index]
            for i in merged.tokens.indices where merged.tokens[i] != c.tokens[i] { merged.tokens[i] = nil }
            merged.count += c.count
            merged.previous += c.previous
            if let e = c.evidence {
                if merged.evidence == nil { merged.evidence = e } else { merged.evidence!.merge(e) }
            }
            if merged.severity == "Unknown" { merged.severity = c.severity }
            clusters[b.index] = merged
        } else {
            clusters.append(c)
        }
        buckets[key] = clusters
    }

    mutating func merge(_ other: PatternClusters) {
        for clusters in other.buckets.values { for c in clusters { add(c) } }
        if other.compared { compared = true }
    }

    /// These clusters as a compared period's (`diff`): their counts become `previous`, so
    /// merged into the current period's clusters, texts of one structure meet in one cluster.
    func asPrevious() -> PatternClusters {
        var p = PatternClusters(source, anomalies: anomalies)
        p.compared = true
        for (key, clusters) in buckets {
            p.buckets[key] = clusters.map { c in
                var c = c
                c.previous += c.count
                c.count = 0
                c.evidence = nil  // anomalies are the current period's
                return c
            }
        }
        return p
    }

    /// The share of the template's static tokens that `tokens` repeats (1 for an all-dynamic
    /// template of the same length).
    static func score(_ template: [Substring?], _ tokens: [Substring?]) -> Double {
        guard !template.isEmpty else { return 1 }
        var same = 0
        for (a, b) in zip(template, tokens) where a == nil || a == b { same += 1 }
        return Double(same) / Double(template.count)
    }

    static func split(_ text: String) -> [Substring] {
        text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
    }

    /// The level a text's words name: Error, Warning, Info, Debug, or Unknown.
    static func severity(of tokens: [Substring?]) -> String {
        for t in tokens {
            guard let t else { continue }
            for word in t.split(whereSeparator: { !$0.isLetter }) {
                switch word.uppercased() {
                case "ERROR", "ERR", "FATAL", "CRITICAL", "CRIT", "EMERGENCY", "ALERT", "SEVERE": return "Error"
                case "WARN", "WARNING": return "Warning"
                case "INFO", "NOTICE", "INFORMATION": return "Info"
                case "DEBUG", "TRACE": return "Debug"
                default: continue
                }
            }
        }
        return "Unknown"
    }

    /// A row per cluster, the most frequent first (ties by pattern text).
    func rows() -> [Row] {
        let all = buckets.values.joined().map { c -> (String, Cluster) in
            var n = 0
            let text = c.tokens.map { t -> String in
                if let t { return String(t) }
                n += 1
                return "<Token-\(n)>"
            }.joined(separator: " ")
            return (text, c)
        }.sorted { a, b in
            if a.1.count != b.1.count { return a.1.count > b.1.count }
            if a.1.previous != b.1.previous { return a.1.previous > b.1.previous }
            return a.0 < b.0
        }
        return all.map { text, c in
            var fields: [String: Value] = [
                "@pattern": .string(text), "@ratio": .number(total == 0 ? 0 : Double(c.count) / Double(total)),
                "@sampleCount": .number(Double(c.count)), "@severityLabel": .string(c.severity),
            ]
            if anomalies {
                let found = c.evidence?.anomalies(count: c.count, tokens: c.tokens, rangeFirst: first, rangeLast: last) ?? []
                fields["@isAnomaly"] = .string(found.isEmpty ? "false" : "true")
                if !found.isEmpty {
                    var types: [String] = []
                    for f in found where !types.contains(f.type) { types.append(f.type) }
                    fields["@anomalyTypes"] = .string(types.joined(separator: ", "))
                    fields["@anomalyDescription"] = .string(found.map(\.description).joined(separator: "; "))
                }
            }
            if compared {
                fields["@previousSampleCount"] = .number(Double(c.previous))
                fields["@diffEventCount"] = .number(Double(c.count - c.previous))
                fields["@diffDescription"] = .string(Self.describe(c.count, c.previous))
            }
            return Row(fields: fields, timestamp: 0)
        }
    }

    /// How a cluster's count changed from the compared period.
    static func describe(_ now: Int, _ before: Int) -> String {
        if before == 0 { return "New pattern" }
        if now == 0 { return "Pattern not found in the current period" }
        if now == before { return "No change in event count" }
        let percent = Int((Double(abs(now - before)) / Double(before) * 100).rounded())
        return "Event count \(now > before ? "increased" : "decreased") by \(percent)%"
    }

    static let columns = ["@pattern", "@ratio", "@sampleCount", "@severityLabel"]
    /// `diff`'s columns: AWS documents none of its field names; these name the console's
    /// columns (previous event count, difference event count, difference description).
    static let diffColumns = ["@previousSampleCount", "@diffEventCount", "@diffDescription"]
    /// `anomaly`'s columns (their names are Trailwatch's: see `PatternEvidence`).
    static let anomalyColumns = ["@isAnomaly", "@anomalyTypes", "@anomalyDescription"]
}
