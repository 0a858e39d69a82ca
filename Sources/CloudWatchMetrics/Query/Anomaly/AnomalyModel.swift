public import Foundation

/// The model behind `ANOMALY_DETECTION_BAND(m, k)` and anomaly detection alarms: what a metric
/// is expected to be at a given time, and how far from that it may stray before it is anomalous.
///
/// AWS documents the model only in outline: "the model is trained on up to two weeks of data,
/// considers hourly, daily and weekly patterns and trend", and a band appears once it has a
/// few hours of data. This one is additive, fitted on the usable history H (the datapoints of
/// the 14 days before `trainedAt`, outside every exclusion):
///
///     value(t) = level + slope·t  +  daily[slot(t)]  +  weekly[day(t)]  +  residual
///                └──── trend ───┘    └ time of day ┘    └ day of week ┘
///
/// Time of day and day of week are read on the clock of `timeZone` (CloudWatch's
/// `MetricTimezone`), so a peak at 09:00 New York time stays at 09:00 across a daylight-saving
/// change; a 23- or 25-hour day merely has one slot fewer or one slot twice.
///
/// Which terms exist depends on how much H covers (C = last − first point + one period):
///
///     a band at all    n ≥ 24 points and n × period ≥ 3 h     else `train` returns nil
///     slope, daily     C ≥ 3 days (daily: and period ≤ 12 h)  else a level and one spread
///     weekly profile   C ≥ 7 days                             else zero
///
/// Three days, because a profile learnt from fewer days takes any one day's accident for the
/// pattern: with one day each slot is seen once, with two a spike is half a slot's evidence,
/// and with three the slot's median still sees through it. Until then the band is a level
/// and a spread wide enough to hold the daily swing, which is what a young metric warrants;
/// a slope fitted without the daily profile would mistake a morning's rise for a trend. The
/// trend is extrapolated for at most C past the last point and held flat beyond (two weeks
/// of history say little about next year). A weekly profile from one or two weeks is only as
/// good as those weeks: a day-long outage belongs in the exclusions.
///
/// Daily slots: a period of 1 h or more gets one slot per period (⌊86,400 / period⌋ of them).
/// Shorter periods get the finest of 5, 10, 15, 30 and 60 minutes, never finer than the
/// period, that holds 12 points per slot on average: two weeks at 1 or 5 minutes give 5-minute
/// slots, fine enough to carry a job that runs at :05 every hour (AWS's "hourly pattern");
/// three days at 5 minutes give 30-minute slots. A slot without training data is 0, so its expected
/// value is the trend plus the weekly term. The weekly term shifts a whole day, it does not
/// reshape it: a Sunday is a weekday's profile, lower.
///
/// The fit is backfitting (each term fitted to what the others leave, in turn), robust in two
/// stages: first two rounds of medians (Tukey's resistant line for the trend, slot and day
/// medians), then four times a reweighting and two rounds of Huber-weighted least squares,
/// where a point more than 3σ from the fit counts as if it were 3σ away. A past spike is thus a bounded nudge, not a permanent
/// widening; ranges that are not normal (a deployment, an outage) belong in the exclusions.
///
/// The spread is the residual scale σ = 1.4826 × median |residual| (the MAD about the fit;
/// 1.2533 × mean |residual| when that median is 0), and per local hour where the daily
/// profile exists, so a noisier peak hour gets a wider band. An hour's σₕ is shrunk towards
/// the global σ as if that were 12 more samples: √((nₕ·σₕ² + 12·σ²) / (nₕ + 12)); an hour
/// without data has the global σ. The floor 1e-9 + 1e-6 × |expected| keeps a flat series'
/// band open, above floating-point noise and far below any real noise (a floor of 1 % would
/// hide ±2 of noise on a level of 10⁶). `band(at:)` is `expected ± deviations × spread`.
public struct AnomalyModel: Sendable {
    /// The zone whose clock places slots and days.
    let timeZone: TimeZone
    /// The trend is `level + slope × (t − reference)`, with t clamped to `trendRange`.
    let reference: Int64
    let level: Double
    let slope: Double
    let trendRange: ClosedRange<Int64>
    /// The daily profile, one value per slot of the local day; empty when there is none.
    let daily: [Double]
    /// The weekly profile, one value per local day of the week, Sunday first; empty when none.
    let weekly: [Double]
    /// The residual scale per hour of the local day, or a single global one.
    let scales: [Double]

    /// How much of the past a model learns from.
    static let trainingWindow: Int64 = 14 * 86_400

    /// Trains on `points` (timestamp in seconds since the epoch, value), which are the
    /// metric's datapoints at `period` seconds over up to the 14 days before `trainedAt`.
    /// Points inside an exclusion, points at or after `trainedAt`, non-finite values, and
    /// points older than 14 days before `trainedAt` are ignored; order does not matter.
    /// `timeZone` decides where a day and a week begin for the seasonal terms (CloudWatch's
    /// MetricTimezone). Returns nil when `period` is not positive or the usable points are
    /// fewer than 24 or cover less than 3 hours (n × period < 10,800 s).
    public static func train(points: [(timestamp: Int64, value: Double)], period: Int64, trainedAt: Int64,
                             timeZone: TimeZone = TimeZone(identifier: "UTC")!,
                             exclusions: [AnomalyExclusion] = []) -> AnomalyModel? {
        guard period > 0 else { return nil }
        let from = trainedAt.subtractingReportingOverflow(trainingWindow)
        let oldest = from.overflow ? Int64.min : from.partialValue
        var kept = points.filter { p in
            p.value.isFinite && p.timestamp >= oldest && p.timestamp < trainedAt
                && !exclusions.contains { p.timestamp >= $0.start && p.timestamp < $0.end }
        }
        guard kept.count >= 24, Double(kept.count) * Double(period) >= 3 * 3600 else { return nil }
        kept.sort { $0.timestamp < $1.timestamp }
        let first = kept[0].timestamp, last = kept[kept.count - 1].timestamp
        let covered = last - first + min(period, trainingWindow)

        let learnt = covered >= 3 * 86_400
        let slotCount = learnt ? dailySlotCount(period: period, points: kept.count) : 0
        let fitsWeekly = covered >= 7 * 86_400
        let hours = min(24, slotCount)
        var secondOfDay = [Int64](repeating: 0, count: kept.count)
        var fit = AnomalyBackfit(x: kept.map { Double($0.timestamp - trainedAt) }, y: kept.map(\.value),
                                 slotCount: slotCount, fitsSlope: learnt, fitsWeekly: fitsWeekly)
        for (i, p) in kept.enumerated() {
            let clock = localClock(p.timestamp, in: timeZone)
            secondOfDay[i] = clock.secondOfDay
            fit.slot[i] = slotCount > 0 ? Int(clock.secondOfDay * Int64(slotCount) / 86_400) : 0
            fit.day[i] = fitsWeekly ? clock.dayOfWeek : 0
        }
        fit.fit()
        guard fit.level.isFinite, fit.slope.isFinite else { return nil }

        // The spread: a global scale, and one per local hour shrunk towards it.
        let residuals = fit.residuals()
        let global = AnomalyBackfit.scale(of: residuals)
        var scales = [global]
        if hours > 0 {
            var byHour = [[Double]](repeating: [], count: hours)
            for i in residuals.indices { byHour[Int(secondOfDay[i] * Int64(hours) / 86_400)].append(residuals[i]) }
            let prior = 12.0
            scales = byHour.map { r in
                let n = Double(r.count)
                let own = r.isEmpty ? 0 : AnomalyBackfit.scale(of: r)
                return ((n * own * own + prior * global * global) / (n + prior)).squareRoot()
            }
        }
        guard scales.allSatisfy(\.isFinite) else { return nil }
        return AnomalyModel(timeZone: timeZone, reference: trainedAt, level: fit.level, slope: fit.slope,
                            trendRange: saturating(first, -covered)...saturating(last, covered),
                            daily: slotCount > 0 ? fit.daily : [], weekly: fitsWeekly ? fit.weekly : [], scales: scales)
    }

    /// The expected value at `timestamp`, and the band `expected ± deviations × spread(timestamp)`
    /// (a negative `deviations` counts as its magnitude). O(1): one time-zone offset lookup.
    public func band(at timestamp: Int64, deviations: Double) -> (expected: Double, lower: Double, upper: Double) {
        let clock = Self.localClock(timestamp, in: timeZone)
        let t = min(max(timestamp, trendRange.lowerBound), trendRange.upperBound)
        var expected = level + slope * Double(t - reference)
        if !daily.isEmpty { expected += daily[Int(clock.secondOfDay * Int64(daily.count) / 86_400)] }
        if !weekly.isEmpty { expected += weekly[clock.dayOfWeek] }
        let scale = scales[Int(clock.secondOfDay * Int64(scales.count) / 86_400)]
        let half = abs(deviations) * max(scale, 1e-9 + 1e-6 * abs(expected))
        return (expected, expected - half, expected + half)
    }

    /// The number of daily slots for `points` usable points at `period` (see the type's
    /// documentation), or 0 when the period is too long for a daily profile.
    static func dailySlotCount(period: Int64, points: Int) -> Int {
        guard period < 3600 else { return period <= 43_200 ? Int(86_400 / period) : 0 }
        for width: Int64 in [300, 600, 900, 1800] where width >= period {
            let slots = Int(86_400 / width)
            if points >= 12 * slots { return slots }
        }
        return 24
    }

    /// The time of day (seconds since local midnight) and the day of the week (0 = Sunday) of
    /// `timestamp` on `timeZone`'s clock, for any timestamp without overflow.
    static func localClock(_ timestamp: Int64, in timeZone: TimeZone) -> (secondOfDay: Int64, dayOfWeek: Int) {
        let offset = Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(timestamp))))
        let (day, second) = floorDivMod(timestamp, 86_400)
        let (carry, local) = floorDivMod(second + offset, 86_400)
        // 1970-01-01 (day 0) was a Thursday.
        return (local, Int(floorDivMod(floorDivMod(day, 7).remainder + carry + 4, 7).remainder))
    }

    private static func saturating(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b < 0 ? .min : .max) : sum
    }

    private static func floorDivMod(_ a: Int64, _ b: Int64) -> (quotient: Int64, remainder: Int64) {
        let (q, r) = a.quotientAndRemainder(dividingBy: b)
        return r < 0 ? (q - 1, r + b) : (q, r)
    }
}

/// One excluded range of training data, seconds since the epoch, [start, end): a period that
/// was not normal (a deployment, an outage, a load test) and should not teach the model.
public struct AnomalyExclusion: Sendable, Equatable {
    /// The first excluded second.
    public var start: Int64
    /// The first second after the range.
    public var end: Int64

    /// An exclusion of [start, end).
    public init(start: Int64, end: Int64) {
        self.start = start
        self.end = end
    }
}
