@testable import CloudWatchAlarms
import Foundation
import Testing

/// One case of Fixtures/mute-schedules.json (the notation is in the fixture's "about"): a
/// schedule and either the message it is refused with, or what it answers at given instants.
struct MuteScheduleCase: Decodable, CustomStringConvertible, Sendable {
    struct Status: Decodable, Sendable {
        var at: String
        var start: String?
        var expire: String?
        var `is`: String
    }

    var source: String
    var title: String?
    var expression: String
    var duration: String
    var timezone: String?
    var error: String?
    var kind: String?
    var seconds: Int64?
    /// `[t, start, end]` or `[t, null]`.
    var windows: [[String?]]?
    /// `[t, activation]` or `[t, null]`.
    var next: [[String?]]?
    var status: [Status]?

    var description: String { "[\(source)] \(title ?? "") \(expression) \(duration) \(timezone ?? "-")" }

    private struct File: Decodable { var cases: [MuteScheduleCase] }

    static func all() throws -> [MuteScheduleCase] {
        let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("mute-schedules.json")
        return try JSONDecoder().decode(File.self, from: Data(contentsOf: url)).cases
    }

    /// Epoch seconds of an RFC 3339 instant with its offset; a fixture typo fails the case.
    static func instant(_ text: String?) throws -> Int64 {
        let text = try #require(text)
        let date = try #require(ISO8601DateFormatter().date(from: text), "not an RFC 3339 instant: \(text)")
        return Int64(date.timeIntervalSince1970)
    }
}

@Suite("Alarm mute schedules: the cases in Fixtures/mute-schedules.json")
struct MuteScheduleCaseTests {
    @Test("the fixture has AWS's examples and both kinds of case, valid and refused")
    func fixtureIsThere() throws {
        let cases = try MuteScheduleCase.all()
        #expect(cases.count >= 100)
        #expect(Set(cases.map(\.source)) == ["aws-doc", "ours"])
        #expect(cases.filter { $0.source == "aws-doc" }.count >= 7)
        #expect(cases.filter { $0.error != nil }.count >= 60)
        #expect(cases.filter { $0.windows != nil || $0.next != nil || $0.status != nil }.count >= 25)
        #expect(cases.contains { $0.kind == "ONE_TIME" } && cases.contains { $0.kind == "RECURRING" })
    }

    @Test(arguments: try MuteScheduleCase.all())
    func schedule(_ c: MuteScheduleCase) throws {
        let schedule: MuteSchedule
        do throws(MuteScheduleError) {
            schedule = try MuteSchedule.parse(expression: c.expression, duration: c.duration, timezone: c.timezone)
        } catch {
            #expect(error.message == c.error, "refused")
            return
        }
        try #require(c.error == nil, "accepted a schedule that should be refused with: \(c.error ?? "")")
        #expect((schedule.kind == .oneTime ? "ONE_TIME" : "RECURRING") == c.kind)
        #expect(schedule.durationSeconds == c.seconds)
        #expect(schedule.timezone == c.timezone ?? "UTC")
        for w in c.windows ?? [] {
            let t = try MuteScheduleCase.instant(w[0])
            let expected: (Int64, Int64)? = w.count == 3 ? (try MuteScheduleCase.instant(w[1]), try MuteScheduleCase.instant(w[2])) : nil
            let got = schedule.window(containing: t)
            #expect(got?.start == expected?.0 && got?.end == expected?.1, "window(containing: \(w[0]!)) is \(String(describing: got))")
        }
        for n in c.next ?? [] {
            let t = try MuteScheduleCase.instant(n[0])
            let expected = try n[1].map { try MuteScheduleCase.instant($0) }
            #expect(schedule.nextActivation(atOrAfter: t) == expected, "nextActivation(atOrAfter: \(n[0]!))")
        }
        for s in c.status ?? [] {
            let now = try MuteScheduleCase.instant(s.at)
            let start = try s.start.map { try MuteScheduleCase.instant($0) }
            let expire = try s.expire.map { try MuteScheduleCase.instant($0) }
            #expect(schedule.status(at: now, startDate: start, expireDate: expire) == s.is, "status at \(s.at)")
            #expect(schedule.mutes(at: now, startDate: start, expireDate: expire) == (s.is == "ACTIVE"))
        }
    }
}

@Suite("Alarm mute schedules: limits, searches, time zones and robustness")
struct MuteScheduleBehaviourTests {
    @Test("expression, duration and timezone lengths are the service model's, counted in UTF-16")
    func lengthLimits() throws {
        let longest = "cron(0 2 * * *" + String(repeating: " ", count: 241) + ")"
        #expect(longest.utf16.count == 256)
        #expect(try MuteSchedule.parse(expression: longest, duration: "PT1H", timezone: nil).kind == .recurring)
        #expect(throws: MuteScheduleError(message: "1 validation error detected: Value '\(longest) ' at 'rule.schedule.expression' failed to satisfy constraint: Member must have length less than or equal to 256")) {
            try MuteSchedule.parse(expression: longest + " ", duration: "PT1H", timezone: nil)
        }
        let duration = "P" + String(repeating: "0", count: 47) + "1D"
        #expect(try MuteSchedule.parse(expression: "cron(0 2 * * *)", duration: duration, timezone: nil).durationSeconds == 86_400)
        #expect(throws: MuteScheduleError(message: "1 validation error detected: Value 'P0\(duration.dropFirst())' at 'rule.schedule.duration' failed to satisfy constraint: Member must have length less than or equal to 50")) {
            try MuteSchedule.parse(expression: "cron(0 2 * * *)", duration: "P0" + duration.dropFirst(), timezone: nil)
        }
        let zone = "America/" + String(repeating: "X", count: 43)
        #expect(throws: MuteScheduleError(message: "1 validation error detected: Value '\(zone)' at 'rule.schedule.timezone' failed to satisfy constraint: Member must have length less than or equal to 50")) {
            try MuteSchedule.parse(expression: "cron(0 2 * * *)", duration: "PT1H", timezone: zone)
        }
    }

    @Test("the cron search finds what a minute-by-minute scan finds, forwards and backwards (seeded, 300 expressions)")
    func cronSearchMatchesScan() throws {
        var rng = SplitMix64(seed: 0x6D75_7465_7275_6C65)
        for _ in 0..<300 {
            let text = randomCron(using: &rng)
            let fields = try #require(CronFields(text[...]), "generated \(text)")
            let start = Int64.random(in: 1_700_000_000...1_900_000_000, using: &rng)
            let span: Int64 = 3 * 86_400
            let forward = fields.next(atOrAfter: start, horizon: 4)
            let firstMinute = (start + 59) / 60 * 60
            let scanned = stride(from: firstMinute, through: start + span, by: 60).first { matches(fields, $0) }
            if let scanned { #expect(forward == scanned, "\(text) from \(start)") } else { #expect(forward.map { $0 > start + span } ?? true, "\(text)") }
            let backward = fields.previous(atOrBefore: start, notBefore: start - span)
            let lastMinute = start / 60 * 60
            let scannedBack = stride(from: lastMinute, through: start - span, by: -60).first { matches(fields, $0) }
            #expect(backward == scannedBack, "\(text) back from \(start)")
        }
    }

    @Test("firstInstant(reaching:) is the first instant whose reading is at or past it; highestReading the clock's maximum so far",
          arguments: ["America/New_York", "Europe/London", "Australia/Sydney", "Australia/Lord_Howe", "Pacific/Apia", "Asia/Kathmandu", "UTC"])
    func zoneClockMatchesScan(_ name: String) throws {
        let clock = ZoneClock(zone: try #require(TimeZone(identifier: name)))
        let year: Int64 = name == "Pacific/Apia" ? 1_293_840_000 : 1_767_225_600   // 2011 (Samoa skips a day), 2026
        var transitions = stride(from: year, to: year + 365 * 86_400, by: 3600).filter { clock.offset($0) != clock.offset($0 + 3600) }
        if transitions.isEmpty { transitions = [year + 100 * 86_400] }
        for hour in transitions {
            let reading = clock.local(hour)
            for r in stride(from: reading - 4 * 3600, through: reading + 4 * 3600 + 59, by: 617) {
                // The first minute-grid instant at or past r, then back second by second.
                var u = (r - 16 * 3600) / 60 * 60
                while clock.local(u) < r { u += 60 }
                while clock.local(u - 1) >= r { u -= 1 }
                #expect(clock.firstInstant(reaching: r) == u, "\(name) reading \(r)")
                let t = r - clock.offset(r)
                let high = stride(from: t - 86_400, through: t, by: 60).map(clock.local).max()!
                let got = clock.highestReading(through: t)
                #expect(got >= clock.local(t) && got - max(high, clock.local(t)) >= 0 && got - max(high, clock.local(t)) < 60, "\(name) at \(t)")
            }
        }
    }

    @Test("around New York's DST changes, window and nextActivation agree with a search of every matching reading",
          arguments: [("cron(* * * * *)", "PT1M"), ("cron(*/30 * * * *)", "PT45M"), ("cron(30 1 * * *)", "PT2H"),
                      ("cron(0,30 2-3 * * *)", "PT1M"), ("cron(15 2 * * SUN)", "P1D"), ("cron(59 0-3 * * *)", "PT61M")])
    func dstAgreesWithReadings(_ expression: String, _ duration: String) throws {
        let schedule = try MuteSchedule.parse(expression: expression, duration: duration, timezone: "America/New_York")
        guard case .cron(let fields) = schedule.trigger else { Issue.record("not a cron schedule"); return }
        let clock = schedule.clock
        for transition: Int64 in [1_772_953_200, 1_793_512_800] {   // 2026-03-08T07:00Z, 2026-11-01T06:00Z
            let low = clock.local(transition) - 3 * 86_400
            let activations = stride(from: low / 60 * 60, through: low + 11 * 86_400, by: 60)
                .filter { matches(fields, $0) }.map(clock.firstInstant(reaching:))
            for t in stride(from: transition - 4 * 3600, through: transition + 4 * 3600, by: 433) {
                let latest = activations.filter { $0 <= t }.max()
                let window = latest.flatMap { t < $0 + schedule.durationSeconds ? $0 : nil }
                #expect(schedule.window(containing: t)?.start == window, "\(expression) window at \(t)")
                #expect(schedule.nextActivation(atOrAfter: t) == activations.filter { $0 >= t }.min(), "\(expression) next at \(t)")
            }
        }
    }

    @Test("window(containing:) and nextActivation stay well under a millisecond, even for P15D and a cron that never fires")
    func searchesAreFast() throws {
        let schedules = try [("cron(* * * * *)", "P15D", "UTC"), ("cron(0 0 30 FEB *)", "P15D", "UTC"),
                             ("cron(30 1 * * *)", "P15D", "America/New_York"), ("cron(0 0 29 2 *)", "PT1H", "Europe/London")]
            .map { try MuteSchedule.parse(expression: $0.0, duration: $0.1, timezone: $0.2) }
        var rng = SplitMix64(seed: 42)
        let calls = 1000
        let elapsed = ContinuousClock().measure {
            for schedule in schedules {
                for _ in 0..<calls {
                    let t = Int64.random(in: 1_700_000_000...1_900_000_000, using: &rng)
                    _ = schedule.window(containing: t)
                    _ = schedule.nextActivation(atOrAfter: t)
                }
            }
        }
        let perCall = elapsed / (2 * calls * schedules.count)
        print("mute schedule search: \(perCall) per call")
        #expect(perCall < .milliseconds(1), "\(perCall) per call")
    }

    @Test("instants at the ends of Int64 neither trap nor mute")
    func extremeInstants() throws {
        for (expression, zone) in [("cron(0 0 * * *)", "Pacific/Kiritimati"), ("at(9999-12-31T23:59)", "Etc/GMT+12"), ("at(0001-01-01T00:00)", "UTC")] {
            let schedule = try MuteSchedule.parse(expression: expression, duration: "P15D", timezone: zone)
            for t in [Int64.min, Int64.min + 1, -62_135_596_801, 253_402_300_800, Int64.max] {
                #expect(schedule.window(containing: t) == nil || (t > -62_135_596_801 && t < 253_402_300_800))
                _ = schedule.nextActivation(atOrAfter: t)
                _ = schedule.status(at: t, startDate: .min, expireDate: .max)
                _ = schedule.status(at: t, startDate: t, expireDate: nil)
            }
        }
        #expect(try MuteSchedule.parse(expression: "cron(0 0 * * *)", duration: "PT1H", timezone: nil).nextActivation(atOrAfter: .min) == -62_135_596_800)
    }

    @Test("parsing never traps on mutations of the fixture's schedules (seeded, 5000 inputs), nor do the searches on what it accepts")
    func mutationsNeverTrap() throws {
        let cases = try MuteScheduleCase.all()
        let expressions = cases.map { Array($0.expression.unicodeScalars) }
        let durations = cases.map { Array($0.duration.unicodeScalars) }
        let zones = cases.compactMap { $0.timezone.map { Array($0.unicodeScalars) } }
        let fragments = ["*", "/", "-", ",", " ", "  ", "?", "L", "W", "#", "(", ")", "cron(", "at(", "T", ":", "0", "7", "59",
                         "60", "99", "999999999999", "SUN", "dec", "P", "D", "H", "M", "S", "W", "é", "🚀", "\u{0}", "/"]
        var rng = SplitMix64(seed: 0x6174_2863_726F_6E29)
        var accepted = 0
        for _ in 0..<5000 {
            var expression = expressions.randomElement(using: &rng)!
            var duration = durations.randomElement(using: &rng)!
            var zone: [Unicode.Scalar]? = Bool.random(using: &rng) ? zones.randomElement(using: &rng)! : nil
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                switch Int.random(in: 0..<6, using: &rng) {
                case 0: duration = mutate(duration, fragments, using: &rng)
                case 1: zone = zone.map { mutate($0, fragments, using: &rng) }
                default: expression = mutate(expression, fragments, using: &rng)
                }
            }
            let text = { (scalars: [Unicode.Scalar]) in var s = ""; s.unicodeScalars.append(contentsOf: scalars); return s }
            guard let schedule = try? MuteSchedule.parse(expression: text(expression), duration: text(duration), timezone: zone.map(text)) else { continue }
            accepted += 1
            #expect((60...1_296_000).contains(schedule.durationSeconds))
            let t = Int64.random(in: 1_500_000_000...2_000_000_000, using: &rng)
            if let window = schedule.window(containing: t) {
                #expect(window.start <= t && t < window.end && window.end - window.start == schedule.durationSeconds)
            }
            if let next = schedule.nextActivation(atOrAfter: t) { #expect(next >= t) }
            _ = schedule.status(at: t, startDate: t - 3600, expireDate: t + 3600)
        }
        #expect(accepted > 100, "some mutations should still be valid schedules")
    }

    // MARK: Helpers

    /// Whether the minute-aligned reading `r` matches, by the fields' own sets.
    private func matches(_ fields: CronFields, _ r: Int64) -> Bool {
        let day = CivilDate.floorDiv(r, 86_400)
        let minute = (r - day * 86_400) / 60
        return fields.matches(day: day) && fields.hours & 1 << UInt64(minute / 60) != 0 && fields.minutes & 1 << UInt64(minute % 60) != 0
    }

    /// A valid five-field expression body from every form the grammar allows.
    private func randomCron(using rng: inout SplitMix64) -> String {
        let specs: [(low: Int, high: Int, names: [String])] = [
            (0, 59, []), (0, 23, []), (1, 31, []),
            (1, 12, ["JAN", "feb", "Mar", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]),
            (0, 6, ["SUN", "mon", "TUE", "WED", "THU", "FRI", "SAT"]),
        ]
        return specs.map { spec in
            func value(_ v: Int) -> String {
                !spec.names.isEmpty && Bool.random(using: &rng) ? spec.names[v - spec.low] : String(v)
            }
            let items = (0..<Int.random(in: 1...3, using: &rng)).map { _ -> String in
                let a = Int.random(in: spec.low...spec.high, using: &rng), b = Int.random(in: a...spec.high, using: &rng)
                let step = "/\(Int.random(in: 1...(spec.high - spec.low + 1), using: &rng))"
                switch Int.random(in: 0..<7, using: &rng) {
                case 0: return "*"
                case 1: return "*" + step
                case 2: return "\(value(a))-\(value(b))"
                case 3: return "\(value(a))-\(value(b))" + step
                case 4: return String(a) + step
                default: return value(a)
                }
            }
            return items.joined(separator: ",")
        }.joined(separator: " ")
    }

    private func mutate(_ text: [Unicode.Scalar], _ fragments: [String], using rng: inout SplitMix64) -> [Unicode.Scalar] {
        var out = text
        let at = Int.random(in: 0...out.count, using: &rng)
        let end = min(out.count, at + Int.random(in: 0...4, using: &rng))
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: out.removeSubrange(at..<end)
        case 1: out.insert(contentsOf: fragments.randomElement(using: &rng)!.unicodeScalars, at: at)
        case 2: out.replaceSubrange(at..<end, with: fragments.randomElement(using: &rng)!.unicodeScalars)
        default: out.insert(contentsOf: out[at..<end], at: end)
        }
        return out
    }
}
