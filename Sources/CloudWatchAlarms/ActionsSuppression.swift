import Foundation
import Storage
import TrailwatchCore

/// A composite alarm's actions suppressor (PutCompositeAlarm's ActionsSuppressor,
/// ActionsSuppressorWaitPeriod and ActionsSuppressorExtensionPeriod): while the suppressor
/// alarm is in ALARM, the composite alarm's ALARM actions are held back.
///
/// ```
/// composite → ALARM:  suppressor in ALARM ─► `Alarm`        (actions held)
///                     otherwise           ─► `WaitPeriod`   (actions held up to WaitPeriod s)
/// WaitPeriod:         suppressor → ALARM  ─► `Alarm`;  WaitPeriod over ─► actions run
/// Alarm:              suppressor leaves ALARM ─► `ExtensionPeriod`
/// ExtensionPeriod:    suppressor → ALARM  ─► `Alarm`;  ExtensionPeriod over ─► actions run
/// composite leaves ALARM (any of these) ─► suppression ends, its new state's actions run
/// ```
///
/// The evaluation job advances the timers every round (every 10 s), so an action held back
/// runs within 10 s of its period ending. AWS documents the three states and their fields
/// (`ActionsSuppressedBy`, `ActionsSuppressedReason`); its reason for `WaitPeriod` is
/// "Actions suppressed by WaitPeriod", and the other two are worded alike here (unverified).
/// Suppression applies to the ALARM actions only: OK and INSUFFICIENT_DATA actions run.
extension AlarmService {
    /// Called as a composite alarm changes state: starts or ends suppression.
    func suppress(_ alarm: inout AlarmRecord, scope: ResourceScope, at now: Double) async throws {
        guard alarm.isComposite, alarm.stateValue == "ALARM", let suppressor = alarm.actionsSuppressor else {
            set(&alarm, nil, at: now)
            return
        }
        let inAlarm = try await load(Self.alarmName(suppressor, scope), scope)?.stateValue == "ALARM"
        set(&alarm, inAlarm ? "Alarm" : "WaitPeriod", at: now)
    }

    func set(_ alarm: inout AlarmRecord, _ by: String?, at now: Double) {
        alarm.actionsSuppressedBy = by
        alarm.actionsSuppressedReason = by.map { "Actions suppressed by \($0)" }
        alarm.actionsSuppressedSince = by == nil ? nil : now
    }

    /// Moves every held-back composite alarm of `alarms` along as its suppressor and timers
    /// say; runs the ALARM actions whose wait is over. Answers what to store.
    func advanceSuppression(_ alarms: [(ResourceScope, AlarmRecord)], at now: Double) async throws -> AlarmChange {
        var out = AlarmChange()
        for (scope, original) in alarms {
            guard let by = original.actionsSuppressedBy, let suppressor = original.actionsSuppressor,
                  let since = original.actionsSuppressedSince else { continue }
            var alarm = original
            let inAlarm = try await load(Self.alarmName(suppressor, scope), scope)?.stateValue == "ALARM"
            var release = false
            switch by {
            case "WaitPeriod", "ExtensionPeriod":
                let limit = Double(by == "WaitPeriod" ? alarm.actionsSuppressorWaitPeriod ?? 60 : alarm.actionsSuppressorExtensionPeriod ?? 60)
                if inAlarm { set(&alarm, "Alarm", at: now) } else if now >= since + limit { release = true }
            default:
                if !inAlarm { set(&alarm, "ExtensionPeriod", at: now) }
            }
            var acted = AlarmChange()
            if release {
                set(&alarm, nil, at: now)
                acted = try await act(alarm, old: original, scope: scope, at: now)
            }
            guard alarm != original else { continue }
            out.records.append(try alarm.resource(scope: scope, created: clock.now()))
            out += acted
        }
        return out
    }
}
