/// One shape of an AWS service model, as botocore's `service-2.json` describes it.
///
/// Shapes live in their service's `ServiceModel.shapes` array and refer to each other by
/// index, so recursive shapes need no reference cycles. Generated code builds them
/// (Sources/AWSShapes/Generated); codecs and the validator read them.
public struct Shape: Sendable {
    /// The shape's type in the model.
    public enum Kind: UInt8, Sendable {
        case structure, list, map, string, integer, long, float, double, boolean, blob, timestamp, document
    }

    /// How a timestamp is written on the wire when the model overrides the protocol default.
    public enum TimestampFormat: String, Sendable {
        case iso8601, unixTimestamp, rfc822
    }

    /// The model's `error` trait.
    public struct ErrorTrait: Sendable {
        public let code: String?
        public let status: Int
        public let senderFault: Bool

        public init(code: String?, status: Int, senderFault: Bool) {
            self.code = code
            self.status = status
            self.senderFault = senderFault
        }
    }

    public let name: String
    public let kind: Kind
    /// Structure members in model order.
    public let members: [Member]
    /// Positions of `members` by member name.
    public let memberPositions: [String: Int]
    /// List element shape, or map value shape.
    public let element: Int
    /// Map key shape.
    public let key: Int
    /// List member's / map value's `locationName` (`member`, `entry` value name).
    public let elementName: String?
    /// Map key's `locationName`.
    public let keyName: String?
    public let flattened: Bool
    public let min: Double?
    public let max: Double?
    public let enumValues: [String]?
    public let pattern: String?
    public let timestampFormat: TimestampFormat?
    /// The member bound to the HTTP payload (REST protocols).
    public let payload: String?
    public let error: ErrorTrait?
    public let isException: Bool
    public let sensitive: Bool
    public let isUnion: Bool
    public let streaming: Bool
    public let xmlNamespace: String?

    public init(
        _ name: String, _ kind: Kind, members: [Member] = [], element: Int = -1, key: Int = -1,
        elementName: String? = nil, keyName: String? = nil, flattened: Bool = false,
        min: Double? = nil, max: Double? = nil, enumValues: [String]? = nil, pattern: String? = nil,
        timestampFormat: TimestampFormat? = nil, payload: String? = nil, error: ErrorTrait? = nil,
        isException: Bool = false, sensitive: Bool = false, isUnion: Bool = false, streaming: Bool = false,
        xmlNamespace: String? = nil
    ) {
        self.name = name
        self.kind = kind
        self.members = members
        var positions: [String: Int] = [:]
        for (i, m) in members.enumerated() { positions[m.name] = i }
        self.memberPositions = positions
        self.element = element
        self.key = key
        self.elementName = elementName
        self.keyName = keyName
        self.flattened = flattened
        self.min = min
        self.max = max
        self.enumValues = enumValues
        self.pattern = pattern
        self.timestampFormat = timestampFormat
        self.payload = payload
        self.error = error
        self.isException = isException
        self.sensitive = sensitive
        self.isUnion = isUnion
        self.streaming = streaming
        self.xmlNamespace = xmlNamespace
    }

    /// The member called `name`, if the structure has one.
    public func member(named name: String) -> Member? {
        memberPositions[name].map { members[$0] }
    }
}

/// A structure member: its name, shape and the traits that place it on the wire.
public struct Member: Sendable {
    /// Where a REST protocol carries the member.
    public enum Location: UInt8, Sendable {
        case body, header, headers, uri, querystring, statusCode
    }

    /// The model's member name (`MetricData`); the key in `WireValue` structures.
    public let name: String
    public let shape: Int
    /// The name on the wire (`locationName`, else `name`).
    public let wireName: String
    public let location: Location
    public let required: Bool
    public let flattened: Bool
    public let xmlAttribute: Bool
    public let xmlNamespace: String?
    public let idempotencyToken: Bool
    public let timestampFormat: Shape.TimestampFormat?
    /// True when the model gave the member an explicit `locationName`.
    public let hasLocationName: Bool

    public init(
        _ name: String, _ shape: Int, wireName: String? = nil, location: Location = .body,
        required: Bool = false, flattened: Bool = false, xmlAttribute: Bool = false,
        xmlNamespace: String? = nil, idempotencyToken: Bool = false,
        timestampFormat: Shape.TimestampFormat? = nil
    ) {
        self.name = name
        self.shape = shape
        self.wireName = wireName ?? name
        self.hasLocationName = wireName != nil
        self.location = location
        self.required = required
        self.flattened = flattened
        self.xmlAttribute = xmlAttribute
        self.xmlNamespace = xmlNamespace
        self.idempotencyToken = idempotencyToken
        self.timestampFormat = timestampFormat
    }
}
