public import Foundation

/// Timestamp text formats AWS protocols use, parsed and printed without Foundation's
/// formatters (which are slow and locale-sensitive).
public enum Timestamps {
    /// Epoch seconds a request's timestamp may hold: years 0001 through 9999, as AWS's
    /// services read dates. Anything outside is refused where it is decoded, so no service
    /// ever converts an unrepresentable time (`1e30`, `-1e30`) into an integer.
    public static let representableSeconds: ClosedRange<Double> = -62_135_596_800 ... 253_402_300_799

    /// `date`'s epoch seconds clamped to `representableSeconds` (NaN reads as 0), so printing
    /// a date can never trap.
    static func clamped(_ date: Date) -> Double {
        let t = date.timeIntervalSince1970
        guard !t.isNaN else { return 0 }
        return min(max(t, representableSeconds.lowerBound), representableSeconds.upperBound)
    }

    /// Whether `date` lies in `representableSeconds` (NaN does not).
    public static func isRepresentable(_ date: Date) -> Bool {
        representableSeconds.contains(date.timeIntervalSince1970)
    }

    /// ISO 8601 in UTC with milliseconds: `2015-08-30T12:36:00.000Z` (Query and XML answers).
    public static func iso8601(_ date: Date) -> String {
        let ms = (clamped(date) * 1000).rounded(.down)
        let totalSeconds = Int64((ms / 1000).rounded(.down))
        let millis = Int(Int64(ms) - totalSeconds * 1000)
        return format(totalSeconds, separators: true, millis: millis)
    }

    /// ISO 8601 in UTC to the second: `2015-08-30T12:36:00Z` (CloudTrail's `eventTime`).
    public static func iso8601Seconds(_ date: Date) -> String {
        format(Int64(clamped(date).rounded(.down)), separators: true, millis: nil)
    }

    /// ISO 8601 basic format used by SigV4: `20150830T123600Z`.
    public static func amzDate(_ date: Date) -> String {
        format(Int64(clamped(date).rounded(.down)), separators: false, millis: nil)
    }

    /// `2026-12-01 10:00:00.000`: how Logs Insights shows a time (UTC, no zone letter), from
    /// epoch milliseconds (earlier than 1970 rounds down to the millisecond before).
    public static func insights(millis ms: Int64) -> String {
        let seconds = ms >= 0 ? ms / 1000 : (ms &- 999) / 1000
        return format(seconds, separators: true, millis: Int(ms &- seconds &* 1000), spaced: true)
    }

    /// `yyyy-MM-ddTHH:mm:ss[.SSS]Z` (or without separators; `spaced`: a space for the `T` and
    /// no `Z`), written as bytes: these are on every answer's and every audit record's path.
    static func format(_ secs: Int64, separators: Bool, millis: Int?, spaced: Bool = false) -> String {
        let (y, mo, d, h, mi, s) = civil(secs)
        var out: [UInt8] = []
        out.reserveCapacity(24)
        digits(y, 4, &out)
        if separators { out.append(UInt8(ascii: "-")) }
        digits(mo, 2, &out)
        if separators { out.append(UInt8(ascii: "-")) }
        digits(d, 2, &out)
        out.append(UInt8(ascii: spaced ? " " : "T"))
        digits(h, 2, &out)
        if separators { out.append(UInt8(ascii: ":")) }
        digits(mi, 2, &out)
        if separators { out.append(UInt8(ascii: ":")) }
        digits(s, 2, &out)
        if let millis {
            out.append(UInt8(ascii: "."))
            digits(millis, 3, &out)
        }
        if !spaced { out.append(UInt8(ascii: "Z")) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `v` (not negative; years, months, ... here) zero-padded to `width` digits; a
    /// wider value keeps all its digits.
    private static func digits(_ v: Int, _ width: Int, _ out: inout [UInt8]) {
        var divisor = 1
        var n = 1
        while n < width || v / divisor >= 10 {
            divisor *= 10
            n += 1
        }
        var rest = max(v, 0)
        while divisor > 0 {
            out.append(UInt8(ascii: "0") + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }

    /// RFC 822 / HTTP date: `Sun, 30 Aug 2015 12:36:00 GMT` (S3 headers).
    public static func rfc822(_ date: Date) -> String {
        let secs = Int64(clamped(date).rounded(.down))
        let (y, mo, d, h, mi, s) = civil(secs)
        let days = Int((secs >= 0 ? secs : secs - 86399) / 86400)
        let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][((days % 7) + 7) % 7]
        let month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][mo - 1]
        return "\(weekday), \(pad(d, 2)) \(month) \(pad(y, 4)) \(pad(h, 2)):\(pad(mi, 2)):\(pad(s, 2)) GMT"
    }

    /// Parses `20150830T123600Z`.
    public static func parseAmzDate(_ text: String) -> Date? {
        let u = Array(text.utf8)
        guard u.count == 16, u[8] == UInt8(ascii: "T"), u[15] == UInt8(ascii: "Z"),
              let y = digits(u, 0, 4), let mo = digits(u, 4, 2), let d = digits(u, 6, 2),
              let h = digits(u, 9, 2), let mi = digits(u, 11, 2), let s = digits(u, 13, 2)
        else { return nil }
        return make(y, mo, d, h, mi, s, 0)
    }

    /// Parses ISO 8601 date-times as AWS accepts them: `2015-08-30T12:36:00Z`,
    /// `2015-08-30T12:36:00.123456Z`, `2015-08-30T12:36:00+02:00`, `2015-08-30` and the basic
    /// format `20150830T123600Z`; also plain epoch seconds.
    public static func parseISO8601(_ text: String) -> Date? {
        let u = Array(text.utf8)
        if u.count == 16, u[8] == UInt8(ascii: "T") { return parseAmzDate(text) }
        if !u.isEmpty, u.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }),
           !u.contains(UInt8(ascii: "-")) || u.first == UInt8(ascii: "-"), let secs = Double(text) {
            return representableSeconds.contains(secs) ? Date(timeIntervalSince1970: secs) : nil
        }
        guard u.count >= 10, u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-"),
              let y = digits(u, 0, 4), let mo = digits(u, 5, 2), let d = digits(u, 8, 2) else { return nil }
        if u.count == 10 { return make(y, mo, d, 0, 0, 0, 0) }
        guard u.count >= 19, u[10] == UInt8(ascii: "T") || u[10] == UInt8(ascii: "t") || u[10] == UInt8(ascii: " "),
              u[13] == UInt8(ascii: ":"), u[16] == UInt8(ascii: ":"),
              let h = digits(u, 11, 2), let mi = digits(u, 14, 2), let s = digits(u, 17, 2) else { return nil }
        var i = 19
        var fraction = 0.0
        if i < u.count, u[i] == UInt8(ascii: ".") || u[i] == UInt8(ascii: ",") {
            i += 1
            var scale = 0.1
            let start = i
            while i < u.count, u[i] >= 0x30, u[i] <= 0x39 {
                fraction += Double(u[i] - 0x30) * scale
                scale /= 10
                i += 1
            }
            guard i > start else { return nil }
        }
        var offset = 0
        if i == u.count {
            offset = 0  // no zone: UTC, as AWS reads it
        } else if u[i] == UInt8(ascii: "Z") || u[i] == UInt8(ascii: "z") {
            i += 1
        } else if u[i] == UInt8(ascii: "+") || u[i] == UInt8(ascii: "-") {
            let sign = u[i] == UInt8(ascii: "+") ? 1 : -1
            i += 1
            guard let oh = digits(u, i, 2) else { return nil }
            i += 2
            if i < u.count, u[i] == UInt8(ascii: ":") { i += 1 }
            let om = digits(u, i, 2) ?? 0
            if i < u.count { i += 2 }
            offset = sign * (oh * 3600 + om * 60)
        }
        guard i == u.count, let base = make(y, mo, d, h, mi, s, 0) else { return nil }
        let date = Date(timeIntervalSince1970: base.timeIntervalSince1970 + fraction - Double(offset))
        return isRepresentable(date) ? date : nil
    }

    private static func digits(_ u: [UInt8], _ at: Int, _ n: Int) -> Int? {
        guard at + n <= u.count else { return nil }
        var v = 0
        for i in at..<at + n {
            let c = u[i]
            guard c >= 0x30, c <= 0x39 else { return nil }
            v = v * 10 + Int(c - 0x30)
        }
        return v
    }

    /// The UTC date of these fields, nil unless each is in range (years 1 through 9999).
    public static func date(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> Date? {
        make(year, month, day, hour, minute, second, 0)
    }

    private static func make(_ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ mi: Int, _ s: Int, _ ms: Int) -> Date? {
        guard (1...9999).contains(y), (1...12).contains(mo), (1...31).contains(d), (0...23).contains(h), (0...59).contains(mi), (0...60).contains(s)
        else { return nil }
        let days = daysFromCivil(y, mo, d)
        let secs = Int64(days) * 86400 + Int64(h * 3600 + mi * 60 + s)
        return Date(timeIntervalSince1970: Double(secs) + Double(ms) / 1000)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// Civil date and time of epoch seconds.
    static func civil(_ secs: Int64) -> (Int, Int, Int, Int, Int, Int) {
        var days = secs / 86400
        var rem = secs % 86400
        if rem < 0 { rem += 86400; days -= 1 }
        let z = Int(days) + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return (y, m, d, Int(rem / 3600), Int(rem % 3600 / 60), Int(rem % 60))
    }

    private static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
