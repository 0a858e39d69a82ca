@testable import CloudWatchMetrics
import Foundation
import Testing

@Suite("Anomaly model")
struct AnomalyModelTests {
    typealias Points = [(timestamp: Int64, value: Double)]

    /// 2026-01-19 00:00 UTC, a Monday; training histories end here.
    static let monday: Int64 = 1_768_780_800
    static let hour: Int64 = 3600, day: Int64 = 86_400

    /// Points at `period` over [start, end) of `f` plus Gaussian noise of σ `noise`.
    static func series(_ start: Int64, _ end: Int64, period: Int64, noise: Double = 2, seed: UInt64 = 7,
                       _ f: (Int64) -> Double) -> Points {
        var rng = SplitMix64(seed: seed)
        return stride(from: start, to: end, by: Int(period)).map { t in
            // Box–Muller.
            let u = Double.random(in: Double.ulpOfOne..<1, using: &rng), v = Double.random(in: 0..<1, using: &rng)
            return (t, f(t) + noise * (-2 * log(u)).squareRoot() * cos(2 * .pi * v))
        }
    }

    /// 100 + 50·sin(2π·hour/24) on the UTC clock: 150 at 06:00, 50 at 18:00.
    static func dailySine(_ t: Int64) -> Double {
        100 + 50 * sin(2 * .pi * Double(t % day) / Double(day))
    }

    /// Two weeks of the daily sine at 5 minutes.
    static let sineHistory = series(monday - 14 * day, monday, period: 300, seed: 11, dailySine)

    @Test("a daily cycle is learnt: the peak is inside the band, a spike above it, a dip below it")
    func dailyCycle() throws {
        let model = try #require(AnomalyModel.train(points: Self.sineHistory, period: 300, trainedAt: Self.monday))
        let peak = Self.monday + 6 * Self.hour
        let band = model.band(at: peak, deviations: 2)
        #expect(band.lower < 150 && 150 < band.upper, "\(band)")
        #expect(400 > band.upper)
        #expect(0 < band.lower)
        for t in stride(from: Self.monday, to: Self.monday + Self.day, by: 300) {
            let b = model.band(at: t, deviations: 2)
            #expect(abs(b.expected - Self.dailySine(t)) < 3, "at \(t): \(b)")
            #expect(b.upper - b.lower < 20, "at \(t): \(b)")
        }
    }

    @Test("a weekend at half the weekday level is normal on a weekend, anomalous on a weekday")
    func weeklyPattern() throws {
        let weekend = { (t: Int64) -> Double in
            let dayOfWeek = (t / Self.day + 4) % 7 // 0 = Sunday
            return dayOfWeek == 0 || dayOfWeek == 6 ? 50 : 100
        }
        let points = Self.series(Self.monday - 14 * Self.day, Self.monday, period: 900, weekend)
        let model = try #require(AnomalyModel.train(points: points, period: 900, trainedAt: Self.monday))
        #expect(model.weekly.count == 7)
        let saturday = model.band(at: Self.monday + 5 * Self.day + 12 * Self.hour, deviations: 2)
        #expect(saturday.lower < 50 && 50 < saturday.upper, "\(saturday)")
        let tuesday = model.band(at: Self.monday + Self.day + 12 * Self.hour, deviations: 2)
        #expect(50 < tuesday.lower, "\(tuesday)")
        #expect(tuesday.lower < 100 && 100 < tuesday.upper, "\(tuesday)")
    }

    @Test("with under 7 days of history there is no weekly term")
    func noWeeklyTermBeforeAWeek() throws {
        let points = Self.series(Self.monday - 6 * Self.day, Self.monday, period: 300, Self.dailySine)
        let model = try #require(AnomalyModel.train(points: points, period: 300, trainedAt: Self.monday))
        #expect(model.weekly.isEmpty)
        #expect(!model.daily.isEmpty)
    }

    @Test("a linear trend is extrapolated a day ahead")
    func trend() throws {
        let start = Self.monday - 14 * Self.day
        let line = { (t: Int64) -> Double in 1000 + 100 * Double(t - start) / Double(Self.day) }
        let points = Self.series(start, Self.monday, period: 300, noise: 5, line)
        let model = try #require(AnomalyModel.train(points: points, period: 300, trainedAt: Self.monday))
        for t in [Self.monday + Self.day, Self.monday + Self.day + 7 * Self.hour] {
            let expected = model.band(at: t, deviations: 2).expected
            #expect(abs(expected - line(t)) < 0.02 * line(t), "at \(t): \(expected) for \(line(t))")
        }
    }

    @Test("the trend is held flat beyond as long as the history is")
    func trendHorizon() throws {
        let start = Self.monday - 3 * Self.day
        let points = Self.series(start, Self.monday, period: 300) { 100 + Double($0 - start) / 3600 }
        let model = try #require(AnomalyModel.train(points: points, period: 300, trainedAt: Self.monday))
        let near = model.band(at: Self.monday + Self.day, deviations: 2).expected
        #expect(near > model.band(at: Self.monday, deviations: 2).expected + 20)
        #expect(model.band(at: Self.monday + 10 * Self.day, deviations: 2).expected
            == model.band(at: Self.monday + 30 * Self.day, deviations: 2).expected)
    }

    @Test("an excluded anomalous block is as if it were not there")
    func exclusions() throws {
        let block = (Self.monday - 3 * Self.day)..<(Self.monday - 3 * Self.day + 6 * Self.hour)
        let withBlock = Self.sineHistory.map { p in block.contains(p.timestamp) ? (p.timestamp, 10_000.0) : p }
        let excluded = try #require(AnomalyModel.train(
            points: withBlock, period: 300, trainedAt: Self.monday,
            exclusions: [AnomalyExclusion(start: block.lowerBound, end: block.upperBound)]))
        let without = try #require(AnomalyModel.train(
            points: Self.sineHistory.filter { !block.contains($0.timestamp) }, period: 300, trainedAt: Self.monday))
        for t in stride(from: Self.monday, to: Self.monday + Self.day, by: 1800) {
            let a = excluded.band(at: t, deviations: 2), b = without.band(at: t, deviations: 2)
            #expect(abs(a.expected - b.expected) < 1e-9 && abs(a.upper - b.upper) < 1e-9, "at \(t)")
        }
    }

    @Test("a short spike that is not excluded does not break the band", arguments: [14, 3])
    func robustToSpikes(days: Int64) throws {
        let history = Self.sineHistory.filter { $0.timestamp >= Self.monday - days * Self.day }
        // An hour at 10⁹ over the peak, two days ago.
        let spike = (Self.monday - 2 * Self.day + 6 * Self.hour)..<(Self.monday - 2 * Self.day + 7 * Self.hour)
        let spiked = history.map { p in spike.contains(p.timestamp) ? (p.timestamp, 1e9) : p }
        let model = try #require(AnomalyModel.train(points: spiked, period: 300, trainedAt: Self.monday))
        let clean = try #require(AnomalyModel.train(points: history, period: 300, trainedAt: Self.monday))
        for t in [Self.monday + 6 * Self.hour, Self.monday + 6 * Self.hour + 1800] {
            let band = model.band(at: t, deviations: 2), cleanBand = clean.band(at: t, deviations: 2)
            #expect(band.lower < Self.dailySine(t) && Self.dailySine(t) < band.upper, "\(band)")
            #expect(abs(band.expected - cleanBand.expected) < 5, "\(band) vs \(cleanBand)")
            #expect(band.upper - band.lower < 4 * (cleanBand.upper - cleanBand.lower), "\(band) vs \(cleanBand)")
            #expect(band.upper < 200, "\(band)")
        }
    }

    @Test("under 3 days of history the band is a level wide enough for the daily swing")
    func youngMetric() throws {
        let history = Self.sineHistory.filter { $0.timestamp >= Self.monday - 2 * Self.day }
        let model = try #require(AnomalyModel.train(points: history, period: 300, trainedAt: Self.monday))
        #expect(model.daily.isEmpty && model.slope == 0)
        for hour in [6, 18] as [Int64] {
            let band = model.band(at: Self.monday + hour * Self.hour, deviations: 2)
            #expect(abs(band.expected - 100) < 5, "\(band)")
            #expect(band.lower < 50 && 150 < band.upper && band.upper < 300, "\(band)")
        }
    }

    @Test("the time of day is read on the model's time zone")
    func timeZone() throws {
        let newYork = try #require(TimeZone(identifier: "America/New_York"))
        // 200 from 09:00 to 10:00 New York time, 100 otherwise.
        let nineOClock = { (t: Int64) -> Double in
            let local = t + Int64(newYork.secondsFromGMT(for: Date(timeIntervalSince1970: Double(t))))
            return (local % Self.day) / Self.hour == 9 ? 200 : 100
        }
        let winter = Self.series(Self.monday - 14 * Self.day, Self.monday, period: 300, nineOClock)
        let model = try #require(AnomalyModel.train(points: winter, period: 300, trainedAt: Self.monday, timeZone: newYork))
        let peak = model.band(at: Self.monday + 14 * Self.hour + 1800, deviations: 2) // 09:30 EST
        #expect(peak.lower < 200 && 200 < peak.upper, "\(peak)")
        #expect(abs(model.band(at: Self.monday + 9 * Self.hour + 1800, deviations: 2).expected - 100) < 3)

        // Across the change to daylight-saving time (2026-03-08), 09:00 New York is 13:00 UTC.
        let spring: Int64 = 1_773_532_800 // 2026-03-15 00:00 UTC
        let acrossChange = Self.series(spring - 14 * Self.day, spring, period: 300, nineOClock)
        let summer = try #require(AnomalyModel.train(points: acrossChange, period: 300, trainedAt: spring, timeZone: newYork))
        let nineThirty = summer.band(at: spring + 13 * Self.hour + 1800, deviations: 2)
        #expect(nineThirty.lower < 200 && 200 < nineThirty.upper && 100 < nineThirty.lower, "\(nineThirty)")
        let tenThirty = summer.band(at: spring + 14 * Self.hour + 1800, deviations: 2)
        #expect(tenThirty.lower < 100 && 100 < tenThirty.upper && tenThirty.upper < 200, "\(tenThirty)")
    }

    @Test("too little history gives no model", arguments: [
        (Int64(3600), 23), (Int64(60), 179), (Int64(300), 0), (Int64(0), 1000),
    ])
    func tooLittleHistory(args: (period: Int64, count: Int)) {
        let points = Self.series(Self.monday - Int64(args.count) * max(1, args.period), Self.monday, period: max(1, args.period)) { _ in 5 }
        #expect(AnomalyModel.train(points: points, period: args.period, trainedAt: Self.monday) == nil)
    }

    @Test("enough history gives a model", arguments: [(Int64(3600), 24), (Int64(60), 180)])
    func enoughHistory(args: (period: Int64, count: Int)) {
        let points = Self.series(Self.monday - Int64(args.count) * args.period, Self.monday, period: args.period) { _ in 5 }
        #expect(AnomalyModel.train(points: points, period: args.period, trainedAt: Self.monday) != nil)
    }

    @Test("a flat series gets a narrow band around its value")
    func flatSeries() throws {
        let points = Self.series(Self.monday - 2 * Self.day, Self.monday, period: 60, noise: 0) { _ in 42 }
        let model = try #require(AnomalyModel.train(points: points, period: 60, trainedAt: Self.monday))
        let band = model.band(at: Self.monday + 3 * Self.hour, deviations: 2)
        #expect(band.lower < band.expected && band.expected < band.upper)
        #expect(abs(band.expected - 42) < 1e-9)
        #expect(band.upper - band.lower < 0.5)
        #expect(43 > band.upper && 41 < band.lower)
    }

    @Test("a noisier hour of the day gets a wider band")
    func perHourSpread() throws {
        let quiet = Self.series(Self.monday - 14 * Self.day, Self.monday, period: 300, noise: 1, seed: 3) { _ in 100 }
        let loud = Self.series(Self.monday - 14 * Self.day, Self.monday, period: 300, noise: 10, seed: 4) { _ in 100 }
        let points = zip(quiet, loud).map { q, l in (q.timestamp % Self.day) / Self.hour == 12 ? l : q }
        let model = try #require(AnomalyModel.train(points: points, period: 300, trainedAt: Self.monday))
        let noon = model.band(at: Self.monday + 12 * Self.hour + 1800, deviations: 2)
        let night = model.band(at: Self.monday + 3 * Self.hour + 1800, deviations: 2)
        #expect(noon.upper - noon.lower > 5 * (night.upper - night.lower), "\(noon) vs \(night)")
        #expect(noon.upper > 115 && night.upper < 105, "\(noon) vs \(night)")
    }

    @Test("the band's width is proportional to the deviations")
    func deviationsScaleLinearly() throws {
        let model = try #require(AnomalyModel.train(points: Self.sineHistory, period: 300, trainedAt: Self.monday))
        let t = Self.monday + 15 * Self.hour
        let one = model.band(at: t, deviations: 1)
        for k in [0.5, 2, 3.5] {
            let b = model.band(at: t, deviations: k)
            #expect(abs((b.upper - b.lower) - k * (one.upper - one.lower)) < 1e-9)
            #expect(abs(b.expected - one.expected) < 1e-12)
        }
        let zero = model.band(at: t, deviations: 0)
        #expect(zero.lower == zero.expected && zero.upper == zero.expected)
    }

    @Test("non-finite, future and too-old points are ignored, and order does not matter")
    func ignoredPoints() throws {
        var noisy = Self.sineHistory.reversed().map { $0 }
        noisy += [(Self.monday - 200, .nan), (Self.monday - 100, .infinity), (Self.monday, 1e9), (Self.monday + 300, -1e9),
                  (Self.monday - 14 * Self.day - 1, 1e9), (Self.monday - 20 * Self.day, 1e9)]
        let model = try #require(AnomalyModel.train(points: noisy, period: 300, trainedAt: Self.monday))
        let clean = try #require(AnomalyModel.train(points: Self.sineHistory, period: 300, trainedAt: Self.monday))
        for t in stride(from: Self.monday, to: Self.monday + Self.day, by: 3600) {
            let a = model.band(at: t, deviations: 2), b = clean.band(at: t, deviations: 2)
            #expect(a.expected == b.expected && a.upper == b.upper, "at \(t)")
        }
    }

    @Test("a time of day without training data expects the trend")
    func emptySlotsFallBackToTheTrend() throws {
        let points = Self.series(Self.monday - 3 * Self.day, Self.monday, period: 300, noise: 1) { t in
            (t % Self.day) / Self.hour == 3 ? 120 : 100
        }.filter { ($0.timestamp % Self.day) / Self.hour != 2 }
        let model = try #require(AnomalyModel.train(points: points, period: 300, trainedAt: Self.monday))
        let mean = points.map(\.value).reduce(0, +) / Double(points.count)
        #expect(abs(model.band(at: Self.monday + 2 * Self.hour + 1800, deviations: 2).expected - mean) < 0.5)
        #expect(abs(model.band(at: Self.monday + 3 * Self.hour + 1800, deviations: 2).expected - 120) < 1)
        #expect(abs(model.band(at: Self.monday + 5 * Self.hour, deviations: 2).expected - 100) < 1)
    }

    @Test("slots are as fine as the history allows", arguments: [
        (Int64(60), 14 * 1440, 288), (Int64(300), 14 * 288, 288), (Int64(300), 3 * 288, 48),
        (Int64(300), 288, 24), (Int64(3600), 14 * 24, 24), (Int64(5400), 200, 16), (Int64(86_400), 30, 0),
    ])
    func slotCount(args: (period: Int64, points: Int, slots: Int)) {
        #expect(AnomalyModel.dailySlotCount(period: args.period, points: args.points) == args.slots)
    }

    @Test("any timestamp gives a finite band")
    func extremeTimestamps() throws {
        let model = try #require(AnomalyModel.train(points: Self.sineHistory, period: 300, trainedAt: Self.monday))
        for t in [Int64.min, Int64.min + 1, -1, 0, Int64.max] {
            let b = model.band(at: t, deviations: 2)
            #expect(b.expected.isFinite && b.lower <= b.upper, "at \(t)")
        }
        #expect(AnomalyModel.train(points: [(Int64.min, 1)], period: .max, trainedAt: .min) == nil)
    }
}
