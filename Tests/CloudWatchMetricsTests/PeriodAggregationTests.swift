@testable import CloudWatchMetrics
import Testing

@Suite("Period aggregation")
struct PeriodAggregationTests {
    @Test("start rounding cannot overflow or divide by zero", arguments: [
        (Int64.min, Int64(1_796_148_738), Int64(60)), (Int64.max - 10, Int64(1_796_148_738), Int64(60)),
        (Int64(1_796_148_738), Int64.min, Int64(3600)), (Int64(1_796_148_738), Int64(1_796_148_800), Int64(0)),
        (Int64(1_796_148_738), Int64(1_796_148_800), Int64(-60)),
    ])
    func roundedStartIsTotal(args: (Int64, Int64, Int64)) {
        _ = PeriodAggregation.roundedStart(args.0 / 2, now: args.1, period: args.2)
    }

    @Test("recent starts round to the minute, old ones to the hour")
    func rounding() {
        let now: Int64 = 1_796_148_738
        #expect(PeriodAggregation.roundedStart(now - 61, now: now, period: 60) == (now - 61) / 60 * 60)
        #expect(PeriodAggregation.roundedStart(now - 70 * 86400, now: now, period: 60) == (now - 70 * 86400) / 3600 * 3600)
        #expect(PeriodAggregation.roundedStart(now - 7, now: now, period: 5) == (now - 7) / 5 * 5)
    }
}
