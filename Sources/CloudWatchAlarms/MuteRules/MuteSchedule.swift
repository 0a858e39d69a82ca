// The schedule of an alarm mute rule (PutAlarmMuteRule's Rule.Schedule): when it mutes, and
// the status it gives the rule. Pure: the caller supplies every instant (epoch seconds).
// Field grammar and the minute search live in CronFields.swift; wall-clock readings and DST in
// ZoneClock.swift.
//
// Expression (1–256 characters), one of:
//   cron(Minutes Hours Day-of-month Month Day-of-week)   RECURRING; five fields, one or more
//       spaces apart. A field is a list `a,b,c` of items; an item is `*`, a value `v` or a
//       range `v-w` (v <= w), each optionally followed by `/step` (step >= 1). Values: minute
//       0–59, hour 0–23, day of month 1–31, month 1–12 or JAN–DEC, day of week 0–7 or SUN–SAT
//       (0 and 7 are Sunday; `SUN` closing a range is 7, so `FRI-SUN` is the weekend). Names are
//       case-insensitive. `*` is the whole range (day of week 0–6); `v/step` runs from v to the
//       top of the range, as in EventBridge (`0/15`). Steps are our extension: AWS lists only
//       `*`, `-` and `,`. Refused: anything else — `?`, `L`, `W`, `#`, empty items, values out of
//       range, reversed ranges, six fields.
//       Day of month and day of week, as Vixie cron reads them: when both are restricted
//       (neither field starts with `*`) a day matches if EITHER matches, so `cron(0 0 1 * MON)`
//       fires on the 1st and on every Monday; when one starts with `*` (`*/2` included), the
//       other decides alone.
//   at(yyyy-MM-ddThh:mm)                                  ONE_TIME; exactly that form, zero
//       padded, a real date (years 0001–9999), hours 00–23. A past date parses; its rule is
//       EXPIRED once its window has passed.
// Both are wall-clock times in Timezone (default UTC). A time the clock skips (spring
// forward) fires at the first instant after the gap: 02:30 on 2026-03-08 in New York is
// 03:00 EDT, and so is 02:00. A time the clock shows twice (fall back) fires once, at its
// first occurrence: 01:30 on 2026-11-01 is 01:30 EDT only.
//
// Duration (1–50 characters): ISO 8601 `P[nD][T[nH][nM][nS]]` or `PnW`, with at least one
// component, in that order, whole numbers only; no years or months (their length varies).
// A day is 86,400 seconds. The total must be between 60 seconds (PT1M) and 15 days (P15D),
// both inclusive; seconds are allowed within those limits (PT90S).
//
// Timezone (1–50 characters): a tz database name Foundation knows, spelled as it spells it
// (America/New_York, Etc/GMT+5, UTC). Foundation's offset forms (GMT+5, GMT+0500) are refused.
//
// Windows. Each activation `a` mutes [a, a + duration). Recurring windows may overlap; the
// window containing t is the one of the LATEST activation a <= t with t < a + duration.
//
// Status at `now`, in this order:
//   EXPIRED    now >= ExpireDate, or a one-time schedule whose window has ended;
//   SCHEDULED  now < StartDate;
//   ACTIVE     a window contains now, and its activation is at or after StartDate (a window
//              that began before StartDate does not count, even for its part after it);
//   SCHEDULED  otherwise. ExpireDate ends a window early.
//
// Search horizon: nextActivation looks 9 years of wall-clock days ahead, enough for a leap-day
// schedule across a skipped leap year (2096-02-29 to 2104-02-29); `cron(0 0 30 FEB *)` has
// none. window(containing:) looks back only duration + 3 days of readings, day by day.
//
// Error messages are what an InvalidParameterValue answer says. Their wording follows AWS's
// validation messages but is unverified against the service (no AWS answer quoted anywhere we
// could find), except the length checks, which are the service model's constraint in the
// words AWSWire's Validator uses.

import Foundation

/// Why a mute rule's schedule was refused; `message` is the whole text of the
/// InvalidParameterValue answer.
public struct MuteScheduleError: Error, Equatable, Sendable {
    /// The message, e.g. `Invalid schedule expression: cron(0 25 * * *)`.
    public var message: String

    /// An error saying `message`.
    public init(message: String) { self.message = message }
}

/// A parsed and validated mute schedule: an at() or cron() expression, a duration and a time
/// zone (semantics at the top of MuteSchedule.swift).
public struct MuteSchedule: Sendable, Equatable {
    /// MuteType: ONE_TIME for `at(…)`, RECURRING for `cron(…)`.
    public enum Kind: Sendable, Equatable { case oneTime, recurring }

    /// ONE_TIME or RECURRING, by the expression's form.
    public var kind: Kind {
        if case .at = trigger { .oneTime } else { .recurring }
    }
    /// The length of each window, 60 to 1,296,000 seconds.
    public let durationSeconds: Int64
    /// The time zone the expression is read in, as given; `UTC` when none was.
    public let timezone: String

    enum Trigger: Sendable, Equatable {
        /// The activation instant of an at() expression.
        case at(Int64)
        case cron(CronFields)
    }

    let trigger: Trigger
    let clock: ZoneClock

    /// The instants the schedule reasons about, years 0001 to 9999 UTC; other instants fall
    /// in no window and are clamped to it when searching.
    static let earliest: Int64 = -62_135_596_800
    static let latest: Int64 = 253_402_300_799
    /// How many wall-clock days `nextActivation` searches (9 years; see the top of the file).
    static let horizonDays: Int64 = 3_288

    /// The mute window [start, end) (epoch seconds) containing `t`: the one of the latest
    /// activation a <= t with t < a + duration; nil when the schedule does not mute at `t`.
    public func window(containing t: Int64) -> (start: Int64, end: Int64)? {
        guard t >= Self.earliest, t <= Self.latest else { return nil }
        let start: Int64
        switch trigger {
        case .at(let instant):
            start = instant
        case .cron(let fields):
            let high = clock.highestReading(through: t)
            guard let reading = fields.previous(atOrBefore: high, notBefore: high - durationSeconds - 3 * ZoneClock.day) else {
                return nil
            }
            start = clock.firstInstant(reaching: reading)
        }
        return start <= t && t < start + durationSeconds ? (start, start + durationSeconds) : nil
    }

    /// The first activation at or after `t`; nil for an at() already past, or when a cron
    /// expression has none within 9 years (`cron(0 0 30 FEB *)` never fires).
    public func nextActivation(atOrAfter t: Int64) -> Int64? {
        guard t <= Self.latest else { return nil }
        let t = max(t, Self.earliest)
        switch trigger {
        case .at(let instant):
            return instant >= t ? instant : nil
        case .cron(let fields):
            // The activation of reading r is at or after t exactly when r is past every reading
            // shown before t (ZoneClock.highestReading). Retrying is only a guard against zones
            // that break ZoneClock's one-change-a-day assumption.
            var from = clock.highestReading(through: t - 1) + 1
            for _ in 0..<4 {
                guard let reading = fields.next(atOrAfter: from, horizon: Self.horizonDays) else { return nil }
                let instant = clock.firstInstant(reaching: reading)
                if instant >= t { return instant }
                from = reading + 60
            }
            return nil
        }
    }

    /// SCHEDULED, ACTIVE or EXPIRED at `now`, given the rule's optional StartDate and
    /// ExpireDate (epoch seconds); the order of the tests is at the top of MuteSchedule.swift.
    public func status(at now: Int64, startDate: Int64?, expireDate: Int64?) -> String {
        if let expireDate, now >= expireDate { return "EXPIRED" }
        if case .at(let instant) = trigger, now >= instant + durationSeconds { return "EXPIRED" }
        if let startDate, now < startDate { return "SCHEDULED" }
        guard let window = window(containing: now) else { return "SCHEDULED" }
        return window.start >= startDate ?? window.start ? "ACTIVE" : "SCHEDULED"
    }

    /// Whether the rule mutes its alarms' actions at `now` (its status is ACTIVE).
    public func mutes(at now: Int64, startDate: Int64?, expireDate: Int64?) -> Bool {
        status(at: now, startDate: startDate, expireDate: expireDate) == "ACTIVE"
    }
}
