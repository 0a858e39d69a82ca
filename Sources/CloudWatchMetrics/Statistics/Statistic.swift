/// A CloudWatch statistic: the five basic ones and every extended form AWS accepts
/// (`p99.9`, `tm90`, `TM(10%:90%)`, `TM(150:1000)`, `wm`, `tc`, `ts`, `PR(:300)`, `IQM`).
///
/// Two statistics are equal when their names are: answers key extended statistics by the
/// name the client sent.
public struct Statistic: Hashable, Sendable, CustomStringConvertible {
    /// What the statistic computes.
    public enum Kind: Hashable, Sendable {
        case sampleCount, average, sum, minimum, maximum
        /// pNN.NN: the value at or below which that percent of samples fall.
        case percentile(Double)
        case trimmedMean(Range)
        case winsorizedMean(Range)
        case trimmedCount(Range)
        case trimmedSum(Range)
        /// PR(a:b): the percent of samples in (a, b].
        case percentileRank(lower: Double?, upper: Double?)
    }

    /// A range of samples, by percentile (`10%:90%`) or by value (`150:1000`); either end may
    /// be open.
    public struct Range: Hashable, Sendable {
        public enum Kind: Hashable, Sendable { case percent, value }
        public var kind: Kind
        public var lower: Double?
        public var upper: Double?

        public init(kind: Kind, lower: Double?, upper: Double?) {
            self.kind = kind
            self.lower = lower
            self.upper = upper
        }
    }

    public let kind: Kind
    /// The name as the client wrote it.
    public let name: String
    public var description: String { name }

    public init(kind: Kind, name: String) {
        self.kind = kind
        self.name = name
    }

    public static func == (a: Statistic, b: Statistic) -> Bool { a.name == b.name }
    public func hash(into h: inout Hasher) { h.combine(name) }

    public static let sampleCount = Statistic(kind: .sampleCount, name: "SampleCount")
    public static let average = Statistic(kind: .average, name: "Average")
    public static let sum = Statistic(kind: .sum, name: "Sum")
    public static let minimum = Statistic(kind: .minimum, name: "Minimum")
    public static let maximum = Statistic(kind: .maximum, name: "Maximum")

    /// True for the five basic statistics.
    public var isBasic: Bool {
        switch kind {
        case .sampleCount, .average, .sum, .minimum, .maximum: return true
        default: return false
        }
    }
}
