/// How CloudWatch prints numbers and times in alarm reasons and reason data. AWS's service
/// is Java: a double prints as Java's `Double.toString` does ("21.0", "21.5",
/// "0.0666851903306472", "1.0E7"), and dates come in two fixed UTC layouts.
enum AWSFormat {
    /// Java's `Double.toString` with the shortest digits that read back the same double:
    /// plain decimal with at least one fractional digit for 10⁻³ ≤ |d| < 10⁷, otherwise
    /// `d.dddE±n` ("1.0E7", "1.5E-4"). NaN and infinities print as Java prints them.
    static func number(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d > 0 ? "Infinity" : "-Infinity" }
        let sign = d.sign == .minus ? "-" : ""
        if d == 0 { return sign + "0.0" }
        // Swift's description also has the shortest round-trip digits, only laid out differently.
        let text = "\(d.magnitude)"
        let parts = text.split(separator: "e")
        let mantissa = parts[0].split(separator: ".", omittingEmptySubsequences: false)
        var digits = Array(mantissa[0] + (mantissa.count > 1 ? mantissa[1] : ""))
        var point = mantissa[0].count + (parts.count > 1 ? Int(parts[1])! : 0)
        while digits.first == "0" { digits.removeFirst(); point -= 1 }
        while digits.last == "0" { digits.removeLast() }
        let magnitude = d.magnitude
        if magnitude >= 1e-3 && magnitude < 1e7 {
            if point <= 0 { return sign + "0." + String(repeating: "0", count: -point) + String(digits) }
            if point >= digits.count { return sign + String(digits) + String(repeating: "0", count: point - digits.count) + ".0" }
            return sign + String(digits[..<point]) + "." + String(digits[point...])
        }
        let rest = digits.count > 1 ? String(digits[1...]) : "0"
        return sign + String(digits[0]) + "." + rest + "E" + String(point - 1)
    }

    /// A reason's datapoint time: `dd/MM/yy HH:mm:ss`, UTC ("01/12/26 10:00:00").
    static func reasonDate(_ epochSeconds: Int64) -> String {
        let t = civil(epochSeconds)
        return "\(two(t.day))/\(two(t.month))/\(two(t.year % 100)) \(two(t.hour)):\(two(t.minute)):\(two(t.second))"
    }

    /// A reason-data time: `yyyy-MM-dd'T'HH:mm:ss.SSS+0000` ("2026-01-12T10:00:00.000+0000").
    static func dataDate(_ epochSeconds: Int64) -> String {
        dataDate(milliseconds: Double(epochSeconds))
    }

    /// The same layout with the time's milliseconds ("2014-08-23T15:48:26.693+0000").
    static func dataDate(milliseconds epochSeconds: Double) -> String {
        let ms = Int64((epochSeconds * 1000).rounded(.down))
        let seconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000
        let t = civil(seconds)
        let year = String(t.year), fraction = String(ms - seconds * 1000)
        return String(repeating: "0", count: max(0, 4 - year.count)) + year
            + "-\(two(t.month))-\(two(t.day))T\(two(t.hour)):\(two(t.minute)):\(two(t.second))."
            + String(repeating: "0", count: 3 - fraction.count) + fraction + "+0000"
    }

    private static func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }

    /// The UTC calendar fields of an epoch second (proleptic Gregorian; Howard Hinnant's
    /// days-from-civil inverse).
    private static func civil(_ epochSeconds: Int64) -> (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        let days = epochSeconds >= 0 ? epochSeconds / 86_400 : (epochSeconds - 86_399) / 86_400
        let secs = Int(epochSeconds - days * 86_400)
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = Int(doy - (153 * mp + 2) / 5 + 1)
        let month = Int(mp < 10 ? mp + 3 : mp - 9)
        let year = Int(yoe + era * 400) + (month <= 2 ? 1 : 0)
        return (year, month, day, secs / 3_600, secs % 3_600 / 60, secs % 60)
    }
}
