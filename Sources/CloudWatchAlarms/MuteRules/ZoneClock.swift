// Wall-clock readings in a time zone, and the instants they name. A mute schedule is written
// in wall-clock time (`cron(0 2 * * *)` is 02:00 in the rule's Timezone); an alarm is muted at
// instants. A reading is "local seconds": seconds since 1970-01-01T00:00 on the zone's wall
// clock, so that civil-date arithmetic on it needs no time zone at all.
//
//   instant ──local(u) = u + offset(u)──► reading     (a step function's worth of lines: it
//   reading ──firstInstant(reaching:)───► instant      jumps forward at spring-forward and
//                                                      back at fall-back)
//
// Because readings are not monotonic in instants, the way back is defined as the FIRST
// instant whose reading is at or past the wanted one. That single rule gives all three cases:
// an ordinary reading names its one instant; a repeated reading (fall back) names its first
// occurrence; a skipped reading (spring forward) names the first instant after the gap, i.e.
// the transition itself (02:30 on 2026-03-08 in New York is 03:00 EDT). It is monotonic,
// which is what lets the schedule search readings instead of instants.
//
// Assumption: a zone changes its offset at most once within ±1 day of any instant (true of
// every tz database zone since 1900, Samoa's skipped 2011-12-30 included). Where that fails,
// the answers may be off by the second change, but every loop here is bounded.

import Foundation

/// A time zone's wall clock, as readings in local seconds (see the top of the file).
struct ZoneClock: Sendable, Equatable {
    static let day: Int64 = 86_400

    let zone: TimeZone

    /// The zone's offset from UTC at `instant`, in seconds (east positive).
    func offset(_ instant: Int64) -> Int64 {
        Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant))))
    }

    /// The wall-clock reading at `instant`.
    func local(_ instant: Int64) -> Int64 { instant + offset(instant) }

    /// The first instant whose reading is at or past `reading`: the instant itself for an
    /// ordinary reading, the first occurrence of a repeated one, the end of the gap for a
    /// skipped one.
    func firstInstant(reaching reading: Int64) -> Int64 {
        let before = offset(reading - Self.day), after = offset(reading + Self.day)
        let early = reading - max(before, after), late = reading - min(before, after)
        if before == after, local(early) == reading { return early }
        // A change within a day. Both candidates read `reading` at a fall-back (the earlier is
        // its first occurrence); one of them does across an ordinary stretch.
        if local(early) == reading { return early }
        if local(late) == reading { return late }
        // A gap: readings before the transition fall short, readings from it on are past, so
        // the transition is the first instant in [early, late] reaching `reading`.
        var low = early, high = late
        guard local(high) >= reading else { return high }
        while low < high {
            let middle = low + (high - low) / 2
            if local(middle) >= reading { high = middle } else { low = middle + 1 }
        }
        return low
    }

    /// The highest reading at any instant up to and including `instant`: the reading at
    /// `instant`, except during the repeated stretch after a fall-back, where the clock has
    /// already shown later readings. `firstInstant(reaching: r) <= instant` exactly when
    /// `r <= highestReading(through: instant)`.
    func highestReading(through instant: Int64) -> Int64 {
        let now = local(instant)
        let earlier = offset(instant - Self.day), current = offset(instant)
        guard earlier > current else { return now }
        // A fall-back in the last day: find its transition, the first instant on the new offset.
        var low = instant - Self.day + 1, high = instant
        while low < high {
            let middle = low + (high - low) / 2
            if offset(middle) != earlier { high = middle } else { low = middle + 1 }
        }
        return max(now, low - 1 + earlier)
    }
}

/// Proleptic Gregorian dates as days since 1970-01-01 (Howard Hinnant's `days_from_civil`
/// and `civil_from_days`), so that cron matching runs on integers, not on `Calendar`.
enum CivilDate {
    /// Days since 1970-01-01 of `year`-`month`-`day` (month 1–12; day 1–31, not checked).
    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * ((month + 9) % 12) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The year, month (1–12) and day (1–31) of `days` since 1970-01-01.
    static func civil(_ days: Int64) -> (year: Int64, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), Int(month), Int(day))
    }

    /// 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday).
    static func weekday(_ days: Int64) -> Int { Int(((days % 7) + 11) % 7) }

    /// The number of days in `month` of `year`.
    static func daysInMonth(year: Int64, month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// `a` divided by `b`, rounded towards minus infinity (`b` > 0).
    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }
}
