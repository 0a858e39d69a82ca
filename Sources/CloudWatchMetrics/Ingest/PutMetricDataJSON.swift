import AWSShapes
import Foundation
public import Storage
public import TrailwatchCore

/// A streaming decoder for PutMetricData's awsJson 1.0 body, the hot path of ingestion
/// (BENCHMARKS.md W1): one pass over the bytes straight into a `MetricBatch`, with no
/// document tree and no strings for series the store already knows.
///
/// It takes only requests that are plainly valid: printable-ASCII names, known units, values
/// in range, timestamps within the allowed window, one value form per datum. Anything else —
/// malformed JSON, a wrong type, an invalid datum, EntityMetricData — answers nil, and the
/// caller takes the generic model-driven path, which gives AWS's exact error. So this decoder
/// decides nothing about what a request means; it only reads the common case fast.
public enum PutMetricDataJSON {
    /// The batch of `bytes` for `scope`, with `now` stamping datums without a timestamp.
    public static func decode(_ bytes: [UInt8], scope: ResourceScope, now: Int64) -> MetricBatch? {
        bytes.withUnsafeBufferPointer { buf in
            var p = Parser(buf: buf, now: now)
            return p.input(scope: scope)
        }
    }

    struct Parser {
        let buf: UnsafeBufferPointer<UInt8>
        let now: Int64
        var pos = 0
        /// Reused for each datum's dimensions (no allocation per datum).
        var dims: [(UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>)] = []

        init(buf: UnsafeBufferPointer<UInt8>, now: Int64) {
            self.buf = buf
            self.now = now
        }

        mutating func input(scope: ResourceScope) -> MetricBatch? {
            guard consume(UInt8(ascii: "{")) else { return nil }
            var namespace: String?
            var batch: MetricBatch?
            // MetricData may come before Namespace: remember where it starts.
            var dataStart: Int?
            if !consume(UInt8(ascii: "}")) {
                repeat {
                    guard let k = key() else { return nil }
                    if null() { continue }
                    if Self.equals(k, "Namespace") {
                        guard let ns = rawString(), Self.plain(ns, 1, 255), ns[0] != UInt8(ascii: ":") else { return nil }
                        let text = String(decoding: ns, as: UTF8.self)
                        guard !text.hasPrefix("AWS/") else { return nil }
                        namespace = text
                    } else if Self.equals(k, "MetricData") {
                        // A repeated member: the general path keeps the last one.
                        guard batch == nil, dataStart == nil else { return nil }
                        if let namespace {
                            // The usual order (botocore writes Namespace first): read it now.
                            var b = MetricBatch(scope: scope, namespace: namespace, capacity: 1000)
                            guard datums(into: &b) else { return nil }
                            batch = b
                        } else {
                            ws()
                            dataStart = pos
                            guard skipValue() else { return nil }
                        }
                    } else if Self.equals(k, "StrictEntityValidation") {
                        guard boolean() != nil else { return nil }
                    } else if Self.equals(k, "EntityMetricData") {
                        return nil  // rare: the generic path handles entities
                    } else {
                        guard skipValue() else { return nil }
                    }
                } while consume(UInt8(ascii: ","))
                guard consume(UInt8(ascii: "}")) else { return nil }
            }
            ws()
            guard pos == buf.count, let namespace else { return nil }
            if let dataStart {
                pos = dataStart
                var b = MetricBatch(scope: scope, namespace: namespace, capacity: 1000)
                guard datums(into: &b) else { return nil }
                batch = b
            }
            guard let batch, batch.count >= 1, batch.count <= 1000, batch.namespace == namespace else { return nil }
            return batch
        }

        mutating func datums(into batch: inout MetricBatch) -> Bool {
            guard consume(UInt8(ascii: "[")) else { return false }
            if consume(UInt8(ascii: "]")) { return true }
            repeat {
                guard batch.count < 1000, datum(into: &batch) else { return false }
            } while consume(UInt8(ascii: ","))
            return consume(UInt8(ascii: "]"))
        }

        static let units: [[UInt8]] = MetricDataValidation.unitOrder.map { Array($0.utf8) }
        static let minimumMagnitude = Double(sign: .plus, exponent: -360, significand: 1)
        static let maximumMagnitude = Double(sign: .plus, exponent: 360, significand: 1)

        static func isUnit(_ u: UnsafeBufferPointer<UInt8>) -> Bool {
            for candidate in units where candidate.count == u.count && candidate.elementsEqual(u) { return true }
            return false
        }

        static func valid(_ v: Double) -> Bool {
            v.isFinite && (v == 0 || (abs(v) >= minimumMagnitude && abs(v) <= maximumMagnitude))
        }

        mutating func datum(into batch: inout MetricBatch) -> Bool {
            guard consume(UInt8(ascii: "{")) else { return false }
            var name: UnsafeBufferPointer<UInt8>?
            dims.removeAll(keepingCapacity: true)
            var unit: UnsafeBufferPointer<UInt8>?
            var timestamp: Double?
            var value: Double?
            var values: [Double]?, counts: [Double]?
            var statistics: CloudWatch.StatisticSet?
            var resolution: Double?
            var sawDimensions = false
            if consume(UInt8(ascii: "}")) { return false }
            repeat {
                guard let k = key() else { return false }
                if null() { continue }
                if Self.equals(k, "MetricName") {
                    guard let s = rawString(), Self.plain(s, 1, 255) else { return false }
                    name = s
                } else if Self.equals(k, "Value") {
                    guard let v = number(allowSpecial: true), Self.valid(v) else { return false }
                    value = v
                } else if Self.equals(k, "Dimensions") {
                    // A repeated member: the general path keeps the last list, not both.
                    guard !sawDimensions, dimensions() else { return false }
                    sawDimensions = true
                } else if Self.equals(k, "Timestamp") {
                    guard let t = number(allowSpecial: false) else { return false }  // ISO strings: general path
                    timestamp = t
                } else if Self.equals(k, "Unit") {
                    guard let u = rawString(), Self.isUnit(u) else { return false }
                    unit = u
                } else if Self.equals(k, "StorageResolution") {
                    guard let r = number(allowSpecial: false), r == 1 || r == 60 else { return false }
                    resolution = r
                } else if Self.equals(k, "Values") {
                    guard let v = numberList(), !v.isEmpty, v.count <= 150, v.allSatisfy(Self.valid) else { return false }
                    values = v
                } else if Self.equals(k, "Counts") {
                    guard let c = numberList(), c.allSatisfy({ Self.valid($0) && $0 >= 0 }) else { return false }
                    counts = c
                } else if Self.equals(k, "StatisticValues") {
                    guard let s = statisticSet(), [s.sampleCount, s.sum, s.minimum, s.maximum].allSatisfy(Self.valid),
                          s.sampleCount > 0, s.minimum <= s.maximum else { return false }
                    statistics = s
                } else {
                    guard skipValue() else { return false }
                }
            } while consume(UInt8(ascii: ","))
            guard consume(UInt8(ascii: "}")), let name else { return false }
            // One value form, and Counts only with Values.
            let forms = (value != nil ? 1 : 0) + (values != nil ? 1 : 0) + (statistics != nil ? 1 : 0)
            guard forms == 1, counts == nil || (values != nil && counts!.count == values!.count) else { return false }
            if let counts, !counts.contains(where: { $0 > 0 }) { return false }
            let ts: Int64
            if let timestamp {
                guard timestamp >= Double(now - 14 * 86400), timestamp <= Double(now + 7200) else { return false }
                ts = Int64(timestamp.rounded(.down))
            } else {
                ts = now
            }
            // The canonical key: name, dimensions sorted by name, unit.
            batch.appendKeyString(name)
            if dims.count > 1 {
                dims.sort { $0.0.lexicographicallyPrecedes($1.0) }
                for i in 1..<dims.count where dims[i].0.elementsEqual(dims[i - 1].0) { return false }
            }
            batch.appendKeyCount(dims.count)
            for (n, v) in dims {
                batch.appendKeyString(n)
                batch.appendKeyString(v)
            }
            if let unit { batch.appendKeyString(unit) } else { batch.appendKeyString("None") }
            var cell: MetricCell?
            if let values { cell = MetricCell(values: values, counts: counts ?? Array(repeating: 1, count: values.count)) }
            if let s = statistics { cell = MetricCell(statisticSet: s.sampleCount, sum: s.sum, min: s.minimum, max: s.maximum) }
            batch.finishDatum(timestamp: ts, highResolution: resolution == 1, value: value, cell: cell)
            return true
        }

        mutating func dimensions() -> Bool {
            guard consume(UInt8(ascii: "[")) else { return false }
            if consume(UInt8(ascii: "]")) { return true }
            repeat {
                guard consume(UInt8(ascii: "{")), dims.count < 30 else { return false }
                var name: UnsafeBufferPointer<UInt8>?, value: UnsafeBufferPointer<UInt8>?
                if !consume(UInt8(ascii: "}")) {
                    repeat {
                        guard let k = key() else { return false }
                        if null() { continue }
                        if Self.equals(k, "Name") {
                            guard let s = rawString(), Self.plain(s, 1, 255) else { return false }
                            name = s
                        } else if Self.equals(k, "Value") {
                            guard let s = rawString(), Self.plain(s, 1, 1024) else { return false }
                            value = s
                        } else {
                            guard skipValue() else { return false }
                        }
                    } while consume(UInt8(ascii: ","))
                    guard consume(UInt8(ascii: "}")) else { return false }
                }
                guard let name, let value else { return false }
                dims.append((name, value))
            } while consume(UInt8(ascii: ","))
            return consume(UInt8(ascii: "]"))
        }

        mutating func statisticSet() -> CloudWatch.StatisticSet? {
            guard consume(UInt8(ascii: "{")) else { return nil }
            var c: Double?, s: Double?, lo: Double?, hi: Double?
            if !consume(UInt8(ascii: "}")) {
                repeat {
                    guard let k = key() else { return nil }
                    if null() { continue }
                    guard let v = number(allowSpecial: true) else { return nil }
                    if Self.equals(k, "SampleCount") { c = v } else if Self.equals(k, "Sum") { s = v }
                    else if Self.equals(k, "Minimum") { lo = v } else if Self.equals(k, "Maximum") { hi = v }
                } while consume(UInt8(ascii: ","))
                guard consume(UInt8(ascii: "}")) else { return nil }
            }
            guard let c, let s, let lo, let hi else { return nil }
            return CloudWatch.StatisticSet(sampleCount: c, sum: s, minimum: lo, maximum: hi)
        }
    }
}

