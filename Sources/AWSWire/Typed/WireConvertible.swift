public import Foundation
public import TrailwatchCore

/// A Swift value that converts to and from a `WireValue` node.
///
/// Generated shapes conform through `WireStructure`; scalars, arrays and string-keyed
/// dictionaries conform here. Decoding assumes the node already passed the model-driven
/// decoder (so an integer member holds `.int`); it throws `WireDecodingError` otherwise.
public protocol WireConvertible: Sendable {
    /// Reads the value from a decoded node.
    init(wire: WireValue) throws
    /// The node the value encodes to.
    var wireValue: WireValue { get }
}

/// A generated structure shape (inputs, outputs and the structures inside them).
public protocol WireStructure: WireConvertible {}

/// A node did not have the type a typed shape expected.
public struct WireDecodingError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// An operation that has no input or no output in the model.
public struct EmptyShape: WireStructure, Equatable {
    public init() {}
    public init(wire: WireValue) throws {}
    public var wireValue: WireValue { .map([:]) }
}

/// Binary data (the model's `blob`).
public struct Blob: Sendable, Hashable, WireConvertible {
    public var bytes: [UInt8]
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public init(wire: WireValue) throws {
        switch wire {
        case .blob(let b): bytes = b
        case .string(let s): bytes = Array(s.utf8)
        default: throw WireDecodingError("expected a blob, found \(wire.kindName)")
        }
    }
    public var wireValue: WireValue { .blob(bytes) }
}

/// A box for members whose structure contains itself (recursive shapes).
public final class Indirect<Wrapped: WireConvertible & Equatable>: WireConvertible, Equatable {
    public static func == (a: Indirect, b: Indirect) -> Bool { a.value == b.value }
    public let value: Wrapped
    public init(_ value: Wrapped) { self.value = value }
    public required init(wire: WireValue) throws { value = try Wrapped(wire: wire) }
    public var wireValue: WireValue { value.wireValue }
}

extension String: WireConvertible {
    public init(wire: WireValue) throws {
        guard case .string(let s) = wire else { throw WireDecodingError("expected a string, found \(wire.kindName)") }
        self = s
    }
    public var wireValue: WireValue { .string(self) }
}

extension Int: WireConvertible {
    public init(wire: WireValue) throws {
        guard let i = wire.intValue else { throw WireDecodingError("expected an integer, found \(wire.kindName)") }
        self = Int(i)
    }
    public var wireValue: WireValue { .int(Int64(self)) }
}

extension Double: WireConvertible {
    public init(wire: WireValue) throws {
        guard let d = wire.doubleValue else { throw WireDecodingError("expected a number, found \(wire.kindName)") }
        self = d
    }
    public var wireValue: WireValue { .double(self) }
}

extension Bool: WireConvertible {
    public init(wire: WireValue) throws {
        guard case .bool(let b) = wire else { throw WireDecodingError("expected a boolean, found \(wire.kindName)") }
        self = b
    }
    public var wireValue: WireValue { .bool(self) }
}

extension Date: WireConvertible {
    public init(wire: WireValue) throws {
        switch wire {
        case .timestamp(let d): self = d
        case .double(let s): self = Date(timeIntervalSince1970: s)
        case .int(let s): self = Date(timeIntervalSince1970: Double(s))
        default: throw WireDecodingError("expected a timestamp, found \(wire.kindName)")
        }
    }
    public var wireValue: WireValue { .timestamp(self) }
}

extension WireValue: WireConvertible {
    public init(wire: WireValue) throws { self = wire }
    public var wireValue: WireValue { self }
}

extension Array: WireConvertible where Element: WireConvertible {
    public init(wire: WireValue) throws {
        guard case .list(let l) = wire else { throw WireDecodingError("expected a list, found \(wire.kindName)") }
        self = try l.map { try Element(wire: $0) }
    }
    public var wireValue: WireValue { .list(map(\.wireValue)) }
}

extension Dictionary: WireConvertible where Key == String, Value: WireConvertible {
    public init(wire: WireValue) throws {
        guard case .map(let m) = wire else { throw WireDecodingError("expected a map, found \(wire.kindName)") }
        self = try m.mapValues { try Value(wire: $0) }
    }
    public var wireValue: WireValue { .map(mapValues(\.wireValue)) }
}

/// Reads the members of a structure node (used by generated shapes).
public struct WireFields {
    @usableFromInline let fields: [String: WireValue]
    @usableFromInline let shape: String

    public init(_ value: WireValue, shape: String) throws {
        guard case .map(let m) = value else {
            throw WireDecodingError("expected a structure for \(shape), found \(value.kindName)")
        }
        self.fields = m
        self.shape = shape
    }

    /// A member that must be present.
    @inlinable public func required<T: WireConvertible>(_ name: String) throws -> T {
        guard let v = fields[name], v != .null else {
            throw WireDecodingError("\(shape).\(name) is required")
        }
        return try T(wire: v)
    }

    /// A member that may be absent.
    @inlinable public func optional<T: WireConvertible>(_ name: String) throws -> T? {
        guard let v = fields[name], v != .null else { return nil }
        return try T(wire: v)
    }
}

/// Builds a structure node (used by generated shapes); absent optionals are left out.
public struct WireFieldsWriter {
    @usableFromInline var fields: [String: WireValue] = [:]

    public init() {}

    /// The structure node built so far.
    public var value: WireValue { .map(fields) }

    @inlinable public mutating func set<T: WireConvertible>(_ name: String, _ member: T?) {
        guard let member else { return }
        fields[name] = member.wireValue
    }
}
