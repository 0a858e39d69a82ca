import Foundation

/// AWS-style request ids: lowercase UUIDs, as `x-amzn-RequestId` carries them.
public enum RequestID {
    /// A fresh request id.
    public static func make() -> String { UUID().uuidString.lowercased() }
}
