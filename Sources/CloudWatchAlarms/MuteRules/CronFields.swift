// The five fields of a mute rule's `cron(Minutes Hours Day-of-month Month Day-of-week)`, as
// sets of values, and the search for matching wall-clock minutes (readings in local seconds,
// see ZoneClock.swift). The grammar and its semantics are stated in MuteSchedule.swift.
//
// Each field is a bit set (bit n: value n), so the search walks days, then the set's hours,
// then its minutes, with one `trailingZeroBitCount` per step; it never steps minute by minute.

/// A parsed five-field cron expression.
struct CronFields: Sendable, Equatable {
    var minutes: UInt64 = 0      // bits 0–59
    var hours: UInt64 = 0        // bits 0–23
    var daysOfMonth: UInt64 = 0  // bits 1–31
    var months: UInt64 = 0       // bits 1–12
    var daysOfWeek: UInt64 = 0   // bits 0–6, 0 = Sunday (7 is folded into 0)
    /// Whether the day-of-month and day-of-week fields start with `*` (Vixie cron's test).
    /// When neither does, a day matches if either field matches; otherwise both must.
    var dayOfMonthStar = false
    var dayOfWeekStar = false

    private struct Field {
        var low: Int, high: Int
        /// The high end of `*` and of `n/step` (6 for the day of week, whose high is 7).
        var starHigh: Int
        /// Names for low, low + 1, …; empty for the numeric-only fields.
        var names: [String] = []
    }

    private static let minute = Field(low: 0, high: 59, starHigh: 59)
    private static let hour = Field(low: 0, high: 23, starHigh: 23)
    private static let dayOfMonth = Field(low: 1, high: 31, starHigh: 31)
    private static let month = Field(low: 1, high: 12, starHigh: 12, names: [
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"])
    private static let dayOfWeek = Field(low: 0, high: 7, starHigh: 6, names: [
        "SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"])

    /// The fields of `text`, the part between `cron(` and `)`; nil when it is not five valid
    /// fields separated by spaces.
    init?(_ text: Substring) {
        let parts = text.split(separator: " ")
        guard parts.count == 5,
              let minutes = Self.parse(parts[0], Self.minute),
              let hours = Self.parse(parts[1], Self.hour),
              let daysOfMonth = Self.parse(parts[2], Self.dayOfMonth),
              let months = Self.parse(parts[3], Self.month),
              let daysOfWeek = Self.parse(parts[4], Self.dayOfWeek) else { return nil }
        self.minutes = minutes
        self.hours = hours
        self.daysOfMonth = daysOfMonth
        self.months = months
        self.daysOfWeek = (daysOfWeek | daysOfWeek >> 7) & 0x7F
        dayOfMonthStar = parts[2].hasPrefix("*")
        dayOfWeekStar = parts[4].hasPrefix("*")
    }

    /// `item(,item)*`, each item `*`, `v`, `v-v`, optionally followed by `/step`.
    private static func parse(_ text: Substring, _ field: Field) -> UInt64? {
        var set: UInt64 = 0
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            var range = item[...], step = 1, stepped = false
            if let slash = item.firstIndex(of: "/") {
                guard let n = number(item[item.index(after: slash)...]), n >= 1, n <= field.high - field.low + 1 else { return nil }
                range = item[..<slash]
                step = n
                stepped = true
            }
            let low: Int, high: Int
            if range == "*" {
                (low, high) = (field.low, field.starHigh)
            } else if let dash = range.firstIndex(of: "-") {
                guard let a = value(range[..<dash], field, upper: false),
                      let b = value(range[range.index(after: dash)...], field, upper: true), a <= b else { return nil }
                (low, high) = (a, b)
            } else {
                guard let a = value(range, field, upper: false) else { return nil }
                (low, high) = (a, stepped ? max(a, field.starHigh) : a)
            }
            for v in stride(from: low, through: high, by: step) { set |= 1 << UInt64(v) }
        }
        return set
    }

    /// A number or a name within the field's range. `SUN` ends a day-of-week range as 7, so
    /// that `FRI-SUN` reads as the weekend rather than as a reversed range.
    private static func value(_ text: Substring, _ field: Field, upper: Bool) -> Int? {
        let v: Int
        if let n = number(text) {
            v = n
        } else if let index = field.names.firstIndex(of: text.uppercased()) {
            v = upper && field.names.count == 7 && index == 0 ? 7 : field.low + index
        } else {
            return nil
        }
        return v >= field.low && v <= field.high ? v : nil
    }

    /// One or two ASCII digits (every field's values fit; longer numbers are refused unread).
    private static func number(_ text: Substring) -> Int? {
        guard (1...2).contains(text.utf8.count), text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return text.utf8.reduce(0) { $0 * 10 + Int($1 - 0x30) }
    }

    // MARK: Matching

    /// Whether the day `days` since 1970-01-01 (a wall-clock date) matches month, day of
    /// month and day of week.
    func matches(day days: Int64) -> Bool {
        let date = CivilDate.civil(days)
        guard months & 1 << UInt64(date.month) != 0 else { return false }
        let byDate = daysOfMonth & 1 << UInt64(date.day) != 0
        let byWeekday = daysOfWeek & 1 << UInt64(CivilDate.weekday(days)) != 0
        return dayOfMonthStar || dayOfWeekStar ? byDate && byWeekday : byDate || byWeekday
    }

    /// The first matching minute-aligned reading at or after `reading`, searching no further
    /// than `horizon` days on; nil when there is none.
    func next(atOrAfter reading: Int64, horizon: Int64) -> Int64? {
        var day = CivilDate.floorDiv(reading, ZoneClock.day)
        let last = day + horizon
        var fromMinute = Int((reading - day * ZoneClock.day + 59) / 60)
        while day <= last {
            let date = CivilDate.civil(day)
            if months & 1 << UInt64(date.month) == 0 {
                // Skip the rest of the month: `cron(0 0 30 FEB *)` looks at Februaries only.
                day += Int64(CivilDate.daysInMonth(year: date.year, month: date.month) - date.day + 1)
            } else {
                if matches(day: day), let minute = firstMinute(atOrAfter: fromMinute) {
                    return day * ZoneClock.day + Int64(minute) * 60
                }
                day += 1
            }
            fromMinute = 0
        }
        return nil
    }

    /// The last matching minute-aligned reading at or before `reading` and not before
    /// `earliest`; nil when there is none.
    func previous(atOrBefore reading: Int64, notBefore earliest: Int64) -> Int64? {
        var day = CivilDate.floorDiv(reading, ZoneClock.day)
        let first = CivilDate.floorDiv(earliest, ZoneClock.day)
        var toMinute = Int((reading - day * ZoneClock.day) / 60)
        while day >= first {
            let date = CivilDate.civil(day)
            if months & 1 << UInt64(date.month) == 0 {
                day -= Int64(date.day)
            } else {
                if matches(day: day), let minute = lastMinute(atOrBefore: toMinute) {
                    let found = day * ZoneClock.day + Int64(minute) * 60
                    return found >= earliest ? found : nil
                }
                day -= 1
            }
            toMinute = 1439
        }
        return nil
    }

    /// The first minute of the day (0–1439) at or after `minuteOfDay` in the hour and minute sets.
    private func firstMinute(atOrAfter minuteOfDay: Int) -> Int? {
        guard let hour = Self.lowest(hours, from: minuteOfDay / 60) else { return nil }
        if hour == minuteOfDay / 60, let minute = Self.lowest(minutes, from: minuteOfDay % 60) {
            return hour * 60 + minute
        }
        let later = hour == minuteOfDay / 60 ? Self.lowest(hours, from: hour + 1) : hour
        guard let later, let minute = Self.lowest(minutes, from: 0) else { return nil }
        return later * 60 + minute
    }

    /// The last minute of the day at or before `minuteOfDay` in the hour and minute sets.
    private func lastMinute(atOrBefore minuteOfDay: Int) -> Int? {
        guard let hour = Self.highest(hours, through: minuteOfDay / 60) else { return nil }
        if hour == minuteOfDay / 60, let minute = Self.highest(minutes, through: minuteOfDay % 60) {
            return hour * 60 + minute
        }
        let earlier = hour == minuteOfDay / 60 ? Self.highest(hours, through: hour - 1) : hour
        guard let earlier, let minute = Self.highest(minutes, through: 63) else { return nil }
        return earlier * 60 + minute
    }

    /// The lowest bit of `set` at or above `bit`.
    private static func lowest(_ set: UInt64, from bit: Int) -> Int? {
        guard bit < 64 else { return nil }
        let rest = set & (~0 << UInt64(bit))
        return rest == 0 ? nil : rest.trailingZeroBitCount
    }

    /// The highest bit of `set` at or below `bit`.
    private static func highest(_ set: UInt64, through bit: Int) -> Int? {
        guard bit >= 0 else { return nil }
        let rest = bit >= 63 ? set : set & ((1 << UInt64(bit + 1)) - 1)
        return rest == 0 ? nil : 63 - rest.leadingZeroBitCount
    }
}
