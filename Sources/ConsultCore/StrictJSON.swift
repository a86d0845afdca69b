/// Reads request bodies as strict RFC 8259 JSON: UTF-8 only, no trailing commas, no
/// duplicate object keys, no comments, at most `maximumDepth` nested arrays and objects,
/// and only numbers that a Double holds exactly when they are whole (so a stored answer
/// never differs from the one sent).
public enum StrictJSON {
    /// How deeply arrays and objects may nest; answers need four levels at most.
    public static let maximumDepth = 32

    /// Why a body is not strict JSON, with the byte offset where reading stopped.
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        public let message: String
        public let offset: Int
        public var description: String { "\(message) (at byte \(offset))" }
    }

    /// The JSON value of `bytes`, which must hold exactly one value (white space around it allowed).
    public static func parse(_ bytes: some Collection<UInt8>) throws(ParseError) -> JSONValue {
        var reader = Reader(bytes: Array(bytes))
        reader.skipSpace()
        let value = try reader.value(depth: 0)
        reader.skipSpace()
        guard reader.offset == reader.bytes.count else { throw reader.error("unexpected text after the JSON value") }
        return value
    }

    private struct Reader {
        let bytes: [UInt8]
        var offset = 0

        func error(_ message: String) -> ParseError { ParseError(message: message, offset: offset) }

        var current: UInt8? { offset < bytes.count ? bytes[offset] : nil }

        mutating func skipSpace() {
            while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { offset += 1 }
        }

        mutating func expect(_ literal: String, _ value: JSONValue) throws(ParseError) -> JSONValue {
            let utf8 = Array(literal.utf8)
            guard offset + utf8.count <= bytes.count, Array(bytes[offset..<offset + utf8.count]) == utf8 else {
                throw error("expected a JSON value")
            }
            offset += utf8.count
            return value
        }

        mutating func value(depth: Int) throws(ParseError) -> JSONValue {
            guard let byte = current else { throw error("the JSON ends too early") }
            switch byte {
            case UInt8(ascii: "{"): return try object(depth: depth + 1)
            case UInt8(ascii: "["): return try array(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): return try expect("true", .bool(true))
            case UInt8(ascii: "f"): return try expect("false", .bool(false))
            case UInt8(ascii: "n"): return try expect("null", .null)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
            default: throw error("expected a JSON value")
            }
        }

        mutating func object(depth: Int) throws(ParseError) -> JSONValue {
            guard depth <= StrictJSON.maximumDepth else { throw error("the JSON nests deeper than \(StrictJSON.maximumDepth) levels") }
            offset += 1
            var members: [String: JSONValue] = [:]
            skipSpace()
            if current == UInt8(ascii: "}") {
                offset += 1
                return .object(members)
            }
            while true {
                skipSpace()
                guard current == UInt8(ascii: "\"") else { throw error("expected a member name in quotes") }
                let keyOffset = offset
                let key = try string()
                guard members[key] == nil else {
                    throw ParseError(message: "the member \"\(key)\" appears twice", offset: keyOffset)
                }
                skipSpace()
                guard current == UInt8(ascii: ":") else { throw error("expected ':' after a member name") }
                offset += 1
                skipSpace()
                members[key] = try value(depth: depth)
                skipSpace()
                switch current {
                case UInt8(ascii: ","): offset += 1
                case UInt8(ascii: "}"):
                    offset += 1
                    return .object(members)
                default: throw error("expected ',' or '}' in an object")
                }
            }
        }

        mutating func array(depth: Int) throws(ParseError) -> JSONValue {
            guard depth <= StrictJSON.maximumDepth else { throw error("the JSON nests deeper than \(StrictJSON.maximumDepth) levels") }
            offset += 1
            var elements: [JSONValue] = []
            skipSpace()
            if current == UInt8(ascii: "]") {
                offset += 1
                return .array(elements)
            }
            while true {
                skipSpace()
                elements.append(try value(depth: depth))
                skipSpace()
                switch current {
                case UInt8(ascii: ","): offset += 1
                case UInt8(ascii: "]"):
                    offset += 1
                    return .array(elements)
                default: throw error("expected ',' or ']' in an array")
                }
            }
        }

        mutating func string() throws(ParseError) -> String {
            offset += 1
            var scalars = String.UnicodeScalarView()
            var start = offset
            func flush(_ end: Int) throws(ParseError) {
                guard let text = String(validating: bytes[start..<end], as: UTF8.self) else {
                    throw ParseError(message: "the text is not valid UTF-8", offset: start)
                }
                scalars.append(contentsOf: text.unicodeScalars)
            }
            while true {
                guard let byte = current else { throw error("a string is not closed") }
                switch byte {
                case UInt8(ascii: "\""):
                    try flush(offset)
                    offset += 1
                    return String(scalars)
                case UInt8(ascii: "\\"):
                    try flush(offset)
                    offset += 1
                    scalars.append(try escape())
                    start = offset
                case 0x00..<0x20:
                    throw error("a control character must be escaped in a string")
                default:
                    offset += 1
                }
            }
        }

        mutating func escape() throws(ParseError) -> Unicode.Scalar {
            guard let byte = current else { throw error("a string is not closed") }
            offset += 1
            switch byte {
            case UInt8(ascii: "\""): return "\""
            case UInt8(ascii: "\\"): return "\\"
            case UInt8(ascii: "/"): return "/"
            case UInt8(ascii: "b"): return "\u{08}"
            case UInt8(ascii: "f"): return "\u{0C}"
            case UInt8(ascii: "n"): return "\n"
            case UInt8(ascii: "r"): return "\r"
            case UInt8(ascii: "t"): return "\t"
            case UInt8(ascii: "u"):
                let unit = try hexUnit()
                if (0xD800..<0xDC00).contains(unit) {
                    guard current == UInt8(ascii: "\\"), offset + 1 < bytes.count, bytes[offset + 1] == UInt8(ascii: "u") else {
                        throw error("a high surrogate escape must be followed by a low one")
                    }
                    offset += 2
                    let low = try hexUnit()
                    guard (0xDC00..<0xE000).contains(low),
                        let scalar = Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
                    else { throw error("an invalid surrogate pair") }
                    return scalar
                }
                guard let scalar = Unicode.Scalar(unit) else { throw error("a lone low surrogate escape") }
                return scalar
            default:
                throw error("an unknown escape in a string")
            }
        }

        mutating func hexUnit() throws(ParseError) -> UInt32 {
            guard offset + 4 <= bytes.count else { throw error("a \\u escape needs four hex digits") }
            var unit: UInt32 = 0
            for byte in bytes[offset..<offset + 4] {
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw error("a \\u escape needs four hex digits")
                }
                unit = unit * 16 + UInt32(digit)
            }
            offset += 4
            return unit
        }

        mutating func number() throws(ParseError) -> JSONValue {
            let start = offset
            func digits() -> Int {
                let from = offset
                while let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { offset += 1 }
                return offset - from
            }
            if current == UInt8(ascii: "-") { offset += 1 }
            let whole = offset
            guard digits() > 0 else { throw error("a number needs digits") }
            if bytes[whole] == UInt8(ascii: "0") && offset - whole > 1 { throw error("a number cannot start with 0") }
            var isWhole = true
            if current == UInt8(ascii: ".") {
                offset += 1
                isWhole = false
                guard digits() > 0 else { throw error("a number needs digits after '.'") }
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                offset += 1
                isWhole = false
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { offset += 1 }
                guard digits() > 0 else { throw error("a number needs digits in its exponent") }
            }
            let text = String(decoding: bytes[start..<offset], as: UTF8.self)
            guard let value = Double(text), value.isFinite else {
                throw ParseError(message: "the number \(text) is too large", offset: start)
            }
            if isWhole, abs(value) >= 9_007_199_254_740_992,
                Int64(text).map({ Int64(exactly: value) != $0 }) ?? true
            {
                throw ParseError(message: "the whole number \(text) is too large to keep exactly", offset: start)
            }
            return .number(value)
        }
    }
}
