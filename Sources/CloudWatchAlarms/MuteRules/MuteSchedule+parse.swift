// Reading and validating a mute schedule's three strings (the grammar is at the top of
// MuteSchedule.swift). Checks run in the order the API lists the members: lengths, then the
// expression, the duration, the time zone; the first failure is the answer.

import Foundation

extension MuteSchedule {
    /// The longest expression, duration and time zone the service model allows.
    static let maxExpressionLength = 256, maxDurationLength = 50, maxTimezoneLength = 50
    /// The duration limits, PT1M and P15D.
    static let minDuration: Int64 = 60, maxDuration: Int64 = 15 * 86_400

    /// Parses and validates a schedule. The error's message is what an InvalidParameterValue
    /// answer says: the service model's length constraints in AWSWire's words, otherwise
    /// `Invalid schedule expression: …`, `Invalid schedule duration: …` or
    /// `Invalid timezone: …` (wording unverified against AWS).
    public static func parse(expression: String, duration: String, timezone: String?) throws(MuteScheduleError) -> MuteSchedule {
        try checkLength(expression, member: "expression", max: maxExpressionLength)
        try checkLength(duration, member: "duration", max: maxDurationLength)
        if let timezone { try checkLength(timezone, member: "timezone", max: maxTimezoneLength) }

        enum Form { case at(Int64), cron(CronFields) }
        let form: Form
        if expression.hasPrefix("cron("), expression.hasSuffix(")"), let fields = CronFields(expression.dropFirst(5).dropLast()) {
            form = .cron(fields)
        } else if expression.hasPrefix("at("), expression.hasSuffix(")"), let reading = atReading(expression.dropFirst(3).dropLast()) {
            form = .at(reading)
        } else {
            throw MuteScheduleError(message: "Invalid schedule expression: \(expression)")
        }

        guard let seconds = durationSeconds(duration) else {
            throw MuteScheduleError(message: "Invalid schedule duration: \(duration)")
        }
        guard seconds >= minDuration, seconds <= maxDuration else {
            throw MuteScheduleError(message: "Invalid schedule duration: \(duration). The duration must be between PT1M and P15D")
        }

        let name = timezone ?? "UTC"
        guard let zone = timeZone(name) else { throw MuteScheduleError(message: "Invalid timezone: \(name)") }
        let clock = ZoneClock(zone: zone)
        let trigger: Trigger = switch form {
        case .at(let reading): .at(clock.firstInstant(reaching: reading))
        case .cron(let fields): .cron(fields)
        }
        return MuteSchedule(durationSeconds: seconds, timezone: name, trigger: trigger, clock: clock)
    }

    /// The service model's length constraint, worded as AWSWire's Validator words it.
    private static func checkLength(_ value: String, member: String, max: Int) throws(MuteScheduleError) {
        let length = value.utf16.count
        guard length < 1 || length > max else { return }
        let constraint = length < 1 ? "greater than or equal to 1" : "less than or equal to \(max)"
        throw MuteScheduleError(message: "1 validation error detected: Value '\(value)' at 'rule.schedule.\(member)' failed to satisfy constraint: Member must have length \(constraint)")
    }

    /// The wall-clock reading (local seconds) of `yyyy-MM-ddThh:mm`, or nil.
    private static func atReading(_ text: Substring) -> Int64? {
        let bytes = Array(text.utf8)
        guard bytes.count == 16, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
              bytes[10] == UInt8(ascii: "T"), bytes[13] == UInt8(ascii: ":") else { return nil }
        func digits(_ range: Range<Int>) -> Int? {
            var n = 0
            for b in bytes[range] {
                guard b >= 0x30, b <= 0x39 else { return nil }
                n = n * 10 + Int(b - 0x30)
            }
            return n
        }
        guard let year = digits(0..<4), let month = digits(5..<7), let day = digits(8..<10),
              let hour = digits(11..<13), let minute = digits(14..<16),
              year >= 1, (1...12).contains(month), hour <= 23, minute <= 59,
              day >= 1, day <= CivilDate.daysInMonth(year: Int64(year), month: month) else { return nil }
        let days = CivilDate.days(year: Int64(year), month: Int64(month), day: Int64(day))
        return days * ZoneClock.day + Int64(hour * 3600 + minute * 60)
    }

    /// The seconds of an ISO 8601 duration `P[nD][T[nH][nM][nS]]` or `PnW`; nil when it is not
    /// one. A number past 10,000,000 counts as 10,000,000 (far past P15D, never overflowing).
    static func durationSeconds(_ text: String) -> Int64? {
        var bytes = text.utf8[...]
        guard bytes.popFirst() == UInt8(ascii: "P"), !bytes.isEmpty else { return nil }
        // Designators in the order they may appear; W only alone.
        let order: [(designator: UInt8, seconds: Int64, timePart: Bool)] = [
            (UInt8(ascii: "W"), 604_800, false), (UInt8(ascii: "D"), 86_400, false),
            (UInt8(ascii: "H"), 3_600, true), (UInt8(ascii: "M"), 60, true), (UInt8(ascii: "S"), 1, true),
        ]
        var next = 0, inTime = false, total: Int64 = 0, components = 0, weeks = false
        while !bytes.isEmpty {
            if bytes.first == UInt8(ascii: "T") {
                guard !inTime else { return nil }
                bytes.removeFirst()
                inTime = true
                next = max(next, 2)
                guard !bytes.isEmpty else { return nil }   // `PT`, `P1DT`: T needs a component
                continue
            }
            var n: Int64 = 0, digitCount = 0
            while let b = bytes.first, b >= 0x30, b <= 0x39 {
                n = min(n * 10 + Int64(b - 0x30), 10_000_000)
                digitCount += 1
                bytes.removeFirst()
            }
            guard digitCount > 0, let designator = bytes.popFirst(),
                  let index = order[next...].firstIndex(where: { $0.designator == designator }),
                  order[index].timePart == inTime else { return nil }
            weeks = weeks || index == 0
            total += n * order[index].seconds
            components += 1
            next = index + 1
        }
        guard components > 0, !weeks || components == 1 else { return nil }
        return total
    }

    /// The zone named `name`: UTC, or a name `TimeZone` knows and spells back unchanged
    /// (which turns away Foundation's own offset forms, GMT+5 becoming GMT+0500), except
    /// GMT±hhmm itself, which no tz database has.
    private static func timeZone(_ name: String) -> TimeZone? {
        if name == "UTC" { return TimeZone(identifier: "UTC") }
        guard !name.hasPrefix("GMT+"), !name.hasPrefix("GMT-"),
              let zone = TimeZone(identifier: name), zone.identifier == name else { return nil }
        return zone
    }
}
