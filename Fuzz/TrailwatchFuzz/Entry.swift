import Foundation

/// libFuzzer's entry point. One binary holds every harness; `TRAILWATCH_FUZZ_TARGET` names the
/// one a run exercises (scripts/fuzz sets it, with that harness's corpus folder).
///
/// Built only by scripts/fuzz (`TRAILWATCH_FUZZ=1`, `-sanitize=fuzzer,address`,
/// `-parse-as-library`): libFuzzer supplies `main`.
@_cdecl("LLVMFuzzerTestOneInput")
public func trailwatchFuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    Harnesses.selected(bytes)
    return 0
}

enum Harnesses {
    /// Every harness by name; scripts/fuzz runs each of them.
    static let all: [String: @Sendable ([UInt8]) -> Void] = [
        "json": Decoders.json,
        "query": Decoders.query,
        "cbor": Decoders.cbor,
        "xml": Decoders.xml,
        "gzip": Decoders.gzip,
        "sigv4": Decoders.sigv4,
        "model": Decoders.model,
        "putmetricdata-json": FastPaths.putMetricData,
        "putlogevents-json": FastPaths.putLogEvents,
        "filter-pattern": Languages.filterPattern,
        "metric-math": Languages.metricMath,
        "search": Languages.search,
        "insights": Languages.insights,
        "logs-insights": Languages.logsInsights,
        "dashboard": Languages.dashboard,
        "alarm-rule": AlarmLanguages.alarmRule,
        "mute-schedule": AlarmLanguages.muteSchedule,
        "event-selectors": Pipeline.eventSelectors,
        "pipeline": Pipeline.request,
    ]

    static let selected: @Sendable ([UInt8]) -> Void = {
        let name = ProcessInfo.processInfo.environment["TRAILWATCH_FUZZ_TARGET"] ?? ""
        guard let harness = all[name] else {
            FileHandle.standardError.write(Data("TRAILWATCH_FUZZ_TARGET must be one of: \(all.keys.sorted().joined(separator: ", "))\n".utf8))
            exit(2)
        }
        return harness
    }()
}

/// The input as text, and split at its first newline (pattern / subject pairs).
extension Array where Element == UInt8 {
    var text: String { String(decoding: self, as: UTF8.self) }

    func splitOnce() -> (String, String) {
        guard let nl = firstIndex(of: 0x0A) else { return (text, "") }
        return (String(decoding: self[..<nl], as: UTF8.self), String(decoding: self[(nl + 1)...], as: UTF8.self))
    }
}

/// libFuzzer's driver, for binaries that bring their own `main`.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// SwiftPM links an executable's `main` to `<module>_main`; with `-parse-as-library` there is
/// none, so this one hands the arguments to libFuzzer's driver.
@_cdecl("TrailwatchFuzz_main")
public func trailwatchFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments, trailwatchFuzzOne)
}
