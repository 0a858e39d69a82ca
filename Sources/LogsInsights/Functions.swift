import Foundation
import TrailwatchCore

/// The non-aggregating functions of the language: string, numeric, date-time, IP and general.
enum Functions {
    static let known: Set<String> = [
        "strlen", "toupper", "tolower", "concat", "substr", "trim", "ltrim", "rtrim", "replace", "strcontains", "isempty", "isblank",
        "ispresent", "abs", "ceil", "floor", "greatest", "least", "log", "sqrt", "bin", "datefloor", "dateceil", "frommillis",
        "tomillis", "isvalidip", "isvalidipv4", "isvalidipv6", "isipinsubnet", "isipv4insubnet", "isipv6insubnet", "coalesce",
        "jsonparse", "jsonstringify",
    ]

    /// `period(i)`: argument i as a time literal in milliseconds. (`bin` is the executor's:
    /// it reads the row's `@timestamp`.)
    static func call(_ name: String, _ args: [Value], period: (Int) -> Int64?) throws -> Value {
        func arity(_ n: ClosedRange<Int>) throws {
            guard n.contains(args.count) else { throw InsightsError("Function \(name) takes \(n.lowerBound == n.upperBound ? "\(n.lowerBound)" : "\(n.lowerBound) to \(n.upperBound)") arguments") }
        }
        func str(_ i: Int) -> String? { args[i].text }
        func num(_ i: Int) -> Double? { args[i].number }
        switch name {
        case "strlen": try arity(1...1); return str(0).map { .number(Double($0.count)) } ?? .null
        case "toupper": try arity(1...1); return str(0).map { .string($0.uppercased()) } ?? .null
        case "tolower": try arity(1...1); return str(0).map { .string($0.lowercased()) } ?? .null
        case "concat": return .string(args.compactMap(\.text).joined())
        case "substr":
            try arity(2...3)
            guard let s = str(0), let start = num(1).flatMap(Value.int64) else { return .null }
            let chars = Array(s)
            let from = Int(max(0, min(Int64(chars.count), start)))
            let length = args.count == 3 ? Int(max(0, min(Int64(chars.count), num(2).flatMap(Value.int64) ?? 0))) : chars.count - from
            return .string(String(chars[from..<min(chars.count, from + max(0, length))]))
        case "trim": try arity(1...1); return str(0).map { .string($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? .null
        case "ltrim": try arity(1...1); return str(0).map { .string(String($0.drop(while: { $0.isWhitespace }))) } ?? .null
        case "rtrim":
            try arity(1...1)
            return str(0).map { s in .string(String(s.reversed().drop(while: { $0.isWhitespace }).reversed())) } ?? .null
        case "replace":
            try arity(3...3)
            guard let s = str(0), let a = str(1), let b = str(2) else { return .null }
            return .string(a.isEmpty ? s : s.replacingOccurrences(of: a, with: b))
        case "strcontains":
            try arity(2...2)
            guard let s = str(0), let t = str(1) else { return .null }
            return .bool(s.contains(t))
        case "isempty": try arity(1...1); return .bool(str(0)?.isEmpty ?? true)
        case "isblank": try arity(1...1); return .bool(str(0)?.allSatisfy(\.isWhitespace) ?? true)
        case "ispresent": try arity(1...1); return .bool(!args[0].isNull)
        case "abs": try arity(1...1); return num(0).map { .number(Swift.abs($0)) } ?? .null
        case "ceil": try arity(1...1); return num(0).map { .number($0.rounded(.up)) } ?? .null
        case "floor": try arity(1...1); return num(0).map { .number($0.rounded(.down)) } ?? .null
        case "log": try arity(1...1); return num(0).map { .number(Foundation.log($0)) } ?? .null
        case "sqrt": try arity(1...1); return num(0).map { .number($0.squareRoot()) } ?? .null
        case "greatest": let v = args.compactMap(\.number); return v.max().map { .number($0) } ?? .null
        case "least": let v = args.compactMap(\.number); return v.min().map { .number($0) } ?? .null
        case "coalesce": return args.first { !$0.isNull } ?? .null
        // jsonParse answers the JSON text; `fields jsonParse(x) as j` also discovers j.a.b
        // (the executor flattens it under the alias). jsonStringify answers it back as text.
        case "jsonparse":
            try arity(1...1)
            guard let s = str(0), (try? JSONReader.parse(Array(s.utf8))) != nil else { return .null }
            return .string(s)
        case "jsonstringify": try arity(1...1); return str(0).map { .string($0) } ?? .null
        case "datefloor", "dateceil":
            try arity(2...2)
            guard let p = period(1), p > 0, let t = time(args[0]) else { return .null }
            let f = floorDiv(t, p) &* p
            return .time(name == "datefloor" || f == t ? f : f &+ p)
        case "frommillis": try arity(1...1); return num(0).flatMap(Value.int64).map { .time($0) } ?? .null
        case "tomillis": try arity(1...1); return time(args[0]).map { .number(Double($0)) } ?? .null
        case "isvalidip": try arity(1...1); return .bool(str(0).map { IP.v4($0) != nil || IP.v6($0) != nil } ?? false)
        case "isvalidipv4": try arity(1...1); return .bool(str(0).flatMap(IP.v4) != nil)
        case "isvalidipv6": try arity(1...1); return .bool(str(0).flatMap(IP.v6) != nil)
        case "isipinsubnet", "isipv4insubnet", "isipv6insubnet":
            try arity(2...2)
            guard let ip = str(0), let subnet = str(1) else { return .bool(false) }
            let v4 = name != "isipv6insubnet", v6 = name != "isipv4insubnet"
            return .bool(IP.inSubnet(ip, subnet, v4: v4, v6: v6))
        default:
            throw InsightsError("Unknown function '\(name)'")
        }
    }

    static func time(_ v: Value) -> Int64? {
        switch v {
        case .time(let t): return t
        case .number(let d): return Value.int64(d)
        case .string(let s): return Int64(s) ?? Dates.parse(s)
        default: return nil
        }
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}

enum Dates {
    /// `2026-12-01 10:00:00.000` (or with a `T`), UTC, to epoch milliseconds.
    static func parse(_ s: String) -> Int64? {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        for format in ["yyyy-MM-dd HH:mm:ss.SSS", "yyyy-MM-dd'T'HH:mm:ss.SSSX", "yyyy-MM-dd'T'HH:mm:ssX", "yyyy-MM-dd HH:mm:ss"] {
            f.dateFormat = format
            if let d = f.date(from: s) { return Int64((d.timeIntervalSince1970 * 1000).rounded()) }
        }
        return nil
    }
}

/// IPv4 and IPv6 addresses and subnets in CIDR notation.
enum IP {
    static func v4(_ s: String) -> [UInt8]? {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [UInt8] = []
        for p in parts {
            guard !p.isEmpty, p.count <= 3, p.allSatisfy(\.isASCII), let v = UInt8(p) else { return nil }
            out.append(v)
        }
        return out
    }

    static func v6(_ s: String) -> [UInt8]? {
        var addr = in6_addr()
        guard s.contains(":"), inet_pton(AF_INET6, s, &addr) == 1 else { return nil }
        return withUnsafeBytes(of: &addr) { Array($0) }
    }

    static func inSubnet(_ ip: String, _ subnet: String, v4 allow4: Bool, v6 allow6: Bool) -> Bool {
        let parts = subnet.split(separator: "/")
        guard parts.count == 2, let bits = Int(parts[1]) else { return false }
        let net = String(parts[0])
        let a: [UInt8]?, n: [UInt8]?
        if allow4, let x = v4(ip), let y = v4(net) { a = x; n = y } else if allow6, let x = v6(ip), let y = v6(net) { a = x; n = y } else { return false }
        guard let a, let n, bits >= 0, bits <= a.count * 8 else { return false }
        for i in 0..<bits where (a[i / 8] >> (7 - UInt8(i % 8))) & 1 != (n[i / 8] >> (7 - UInt8(i % 8))) & 1 { return false }
        return true
    }
}
