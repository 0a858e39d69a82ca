/// Conversions of request numbers that cannot trap.
///
/// `Int(x)` traps on NaN, on infinities and on doubles past the integer's range, and request
/// bodies carry all three (`1e30`, `-1e30`, `"NaN"`). Code that turns a number a client sent into
/// an integer uses `init(saturating:)` (or checks the range first and says why it cannot trap).
extension FixedWidthInteger {
    /// `value` truncated toward zero, clamped to the type's range; NaN becomes 0.
    @inlinable
    public init(saturating value: Double) {
        if value.isNaN {
            self = 0
        } else if value <= Double(Self.min) {
            self = Self.min
        } else if value >= Double(Self.max) {
            // Double(Int64.max) rounds up to 2^63, which Int64 cannot hold.
            self = Self.max
        } else {
            self = Self(value)
        }
    }
}
