import HTTPTypes

/// The parts of a request CORS looks at, gathered in one pass over whatever header container a
/// framework uses, so an adapter never converts a whole header list. Fetch §3.2.2 (the CORS
/// protocol's request headers): Origin, Access-Control-Request-Method, -Request-Headers.
public struct CORSRequestHead: Sendable {
    /// Whether the method is OPTIONS (a preflight needs it and Access-Control-Request-Method).
    public var isOptions: Bool
    /// The Origin header's value, if there was one.
    public var origin: String?
    /// Whether Origin appeared more than once (malformed: browsers send one).
    public var hasDuplicateOrigin = false
    /// The Access-Control-Request-Method value (only read on OPTIONS).
    public var requestMethod: String?
    /// Whether Access-Control-Request-Method appeared more than once (malformed: browsers send one).
    public var hasDuplicateRequestMethod = false
    /// The Access-Control-Request-Headers value; several lines are joined with `,`.
    public var requestHeaders: String?

    /// An empty head, to fill with `record(name:value:)` line by line.
    public init(isOptions: Bool) {
        self.isOptions = isOptions
    }

    /// Reads `request`'s fields in one pass, comparing canonical names by length and first byte
    /// before the whole name, so most fields cost two comparisons.
    @inline(__always)
    public init(_ request: HTTPRequest) {
        isOptions = request.method == .options
        // By index, not by iterator: a field is only copied (three references) when CORS needs it.
        let fields = request.headerFields
        for index in fields.indices {
            switch fields[index].name.canonicalName.utf8.count {
            // As bytes: "accept" is six letters too, and `==` on unequal strings takes a slow path.
            case 6 where Self.sameBytes(fields[index].name.canonicalName, Self.originName):
                record(origin: fields[index].value)
            case 29 where isOptions && Self.sameBytes(fields[index].name.canonicalName, Self.requestMethodName):
                record(requestMethod: fields[index].value)
            case 30 where isOptions && Self.sameBytes(fields[index].name.canonicalName, Self.requestHeadersName):
                record(requestHeaders: fields[index].value)
            default: continue
            }
        }
    }

    /// Records one header line whose name is compared case-insensitively: for adapters whose
    /// containers keep names as sent (NIO's `HTTPHeaders`). Lines CORS ignores cost a length test.
    @inline(__always)
    public mutating func record(name: String, value: String) {
        let utf8 = name.utf8
        switch utf8.count {
        case 6 where Self.equalsIgnoringCase(utf8, Self.originName):
            record(origin: value)
        case 29 where isOptions && Self.equalsIgnoringCase(utf8, Self.requestMethodName):
            record(requestMethod: value)
        case 30 where isOptions && Self.equalsIgnoringCase(utf8, Self.requestHeadersName):
            record(requestHeaders: value)
        default: return
        }
    }

    @inline(__always)
    mutating func record(origin value: String) {
        if origin != nil { hasDuplicateOrigin = true }
        origin = value
    }

    @inline(__always)
    mutating func record(requestMethod value: String) {
        if requestMethod != nil { hasDuplicateRequestMethod = true }
        requestMethod = value
    }

    /// Further lines are joined (the rare path: gateways that split the header).
    @inline(__always)
    mutating func record(requestHeaders value: String) {
        if let existing = requestHeaders { requestHeaders = existing + "," + value } else { requestHeaders = value }
    }

    static let originName = HTTPField.Name.origin.canonicalName
    static let requestMethodName = HTTPField.Name.accessControlRequestMethod.canonicalName
    static let requestHeadersName = HTTPField.Name.accessControlRequestHeaders.canonicalName

    /// Byte equality of two long strings: `==` would first check both for Unicode normalization.
    @inline(__always)
    static func sameBytes(_ lhs: String, _ rhs: String) -> Bool {
        lhs.withUTF8Bytes { left in rhs.withUTF8Bytes { right in memoryEqual(left, right) } }
    }

    /// Whether `name` equals `lowercase` (given in lowercase) ignoring ASCII case, without allocating.
    @inline(__always)
    public static func equalsIgnoringCase(_ name: String.UTF8View, _ lowercase: String) -> Bool {
        guard name.count == lowercase.utf8.count else { return false }
        // In place and a word at a time (native strings always are contiguous); walking the views
        // byte by byte cost about 60 instructions a byte.
        if let equal = name.withContiguousStorageIfAvailable({ key in
            lowercase.withUTF8Bytes { memoryEqual($0, lowercasing: key) }
        }) {
            return equal
        }
        var expected = lowercase.utf8.makeIterator()
        for byte in name where ASCII.lowercase(byte) != expected.next() { return false }
        return true
    }
}
