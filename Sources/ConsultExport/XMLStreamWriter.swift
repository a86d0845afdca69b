import Foundation

/// Writes an XML document element by element into a `BufferedOutput`, so that a large export
/// never exists in memory as a whole.
///
/// The bytes are those libxml2's `xmlTextWriter` (2.9) writes for the same calls — the exports'
/// format since they began — made here directly (issue 19: exports): libxml2 cost a dozen C
/// calls, a C string and an allocation per value, which was most of the time of the XML exports.
/// `XMLStreamWriterTests` compares the two on random documents. Text and attribute values are
/// first made XML-safe with `xmlSafe(_:)`, then escaped (`<`, `>`, `&`, `"`, and CR in text;
/// also tab and line breaks in attributes), so any string can be written. Names are written as given.
public final class XMLStreamWriter {
    private let output: BufferedOutput
    private let indent: Bool
    /// The open elements, innermost last, and whether each start tag is still open (`<name` written, `>` not).
    @exclusivity(unchecked) private var open: [(name: String, startTagOpen: Bool)] = []
    /// Whether an end tag written on its own line is indented (false after text).
    @exclusivity(unchecked) private var indentsEndTag = false
    /// Bytes not handed to the output yet. The writer is used from one thread at a time, so its
    /// hot properties skip the run-time exclusivity checks, which cost a fifth of the XML export (issue 19).
    @exclusivity(unchecked) private var pending: [UInt8] = []
    private static let flushSize = 1 << 16

    /// Starts a writer that streams into `output`, indenting nested elements by two spaces
    /// when `indent` is true.
    public init(output: BufferedOutput, indent: Bool = true) throws {
        self.output = output
        self.indent = indent
        pending.reserveCapacity(Self.flushSize + 4_096)
    }

    deinit {
        try? flushPending()
    }

    /// Writes the XML declaration `<?xml version="1.0" encoding="UTF-8"?>`.
    public func startDocument() throws {
        append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        try flushIfFull("startDocument")
    }

    /// Opens an element named `name`.
    public func startElement(_ name: String) throws {
        if let last = open.indices.last, open[last].startTagOpen {
            pending.append(Byte.greaterThan)
            if indent { pending.append(Byte.lineFeed) }
            open[last].startTagOpen = false
        }
        open.append((name, true))
        if indent { writeIndent() }
        pending.append(Byte.lessThan)
        append(name)
        try flushIfFull("startElement")
    }

    /// Adds an attribute to the element just opened; the value is made XML-safe.
    public func attribute(_ name: String, _ value: String) throws {
        guard let last = open.last, last.startTagOpen else { throw XMLWriteError(call: "attribute") }
        pending.append(Byte.space)
        append(name)
        pending.append(Byte.equals)
        pending.append(Byte.quote)
        appendEscaped(value, attribute: true)
        pending.append(Byte.quote)
        try flushIfFull("attribute")
    }

    /// Writes character data into the open element; the text is made XML-safe.
    public func text(_ text: String) throws {
        if let last = open.indices.last {
            if open[last].startTagOpen {
                pending.append(Byte.greaterThan)
                open[last].startTagOpen = false
            }
            appendEscaped(text, attribute: false)
        } else {
            // Outside any element libxml2 wrote the text as it was.
            append(Self.xmlSafe(text))
        }
        if indent { indentsEndTag = false }
        try flushIfFull("text")
    }

    /// Writes `<name>text</name>`, or `<name/>` when `text` is empty.
    public func element(_ name: String, text: String) throws {
        try startElement(name)
        if !text.isEmpty { try self.text(text) }
        try endElement()
    }

    /// Closes the innermost open element.
    public func endElement() throws {
        guard let last = open.popLast() else { throw XMLWriteError(call: "endElement") }
        if last.startTagOpen {
            if indent { indentsEndTag = true }
            pending.append(Byte.slash)
            pending.append(Byte.greaterThan)
        } else {
            if indent && indentsEndTag { writeIndent(depth: open.count) }
            indentsEndTag = true
            pending.append(Byte.lessThan)
            pending.append(Byte.slash)
            append(last.name)
            pending.append(Byte.greaterThan)
        }
        if indent { pending.append(Byte.lineFeed) }
        try flushIfFull("endElement")
    }

    /// Closes all open elements and hands everything still buffered to the output
    /// (which stays open: flush or close it yourself).
    public func endDocument() throws {
        while !open.isEmpty { try endElement() }
        if !indent { pending.append(Byte.lineFeed) }
        try flushPending("endDocument")
    }

    /// Text that XML 1.0 allows: every character outside the XML 1.0 Char production
    /// (U+0000–U+0008, U+000B, U+000C, U+000E–U+001F, U+FFFE, U+FFFF) replaced by U+FFFD.
    public static func xmlSafe(_ text: String) -> String {
        let needsReplacing =
            text.utf8.withContiguousStorageIfAvailable(containsForbiddenCharacter)
            ?? containsForbiddenCharacter(Array(text.utf8))
        guard needsReplacing else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            scalars.append(isAllowed(scalar) ? scalar : "\u{FFFD}")
        }
        return String(scalars)
    }

    // MARK: - Bytes

    private enum Byte {
        static let tab = UInt8(ascii: "\t")
        static let lineFeed = UInt8(ascii: "\n")
        static let carriageReturn = UInt8(ascii: "\r")
        static let space = UInt8(ascii: " ")
        static let quote = UInt8(ascii: "\"")
        static let ampersand = UInt8(ascii: "&")
        static let lessThan = UInt8(ascii: "<")
        static let greaterThan = UInt8(ascii: ">")
        static let slash = UInt8(ascii: "/")
        static let equals = UInt8(ascii: "=")
    }

    /// Two spaces per open element but the innermost.
    private func writeIndent() {
        writeIndent(depth: open.count - 1)
    }

    private func writeIndent(depth: Int) {
        for _ in 0..<max(depth, 0) {
            pending.append(Byte.space)
            pending.append(Byte.space)
        }
    }

    private func append(_ text: String) {
        var text = text
        text.withUTF8 { pending.append(contentsOf: $0) }
    }

    /// Appends `text` made XML-safe and escaped as libxml2 escapes text (`<`, `>`, `&`, `"`, CR)
    /// or attribute values (also tab and LF).
    private func appendEscaped(_ text: String, attribute: Bool) {
        var text = text
        let safe = text.withUTF8 { bytes -> Bool in
            guard !Self.containsForbiddenCharacter(bytes) else { return false }
            var start = 0
            for index in 0..<bytes.count {
                let escape: StaticString
                switch bytes[index] {
                case Byte.lessThan: escape = "&lt;"
                case Byte.greaterThan: escape = "&gt;"
                case Byte.ampersand: escape = "&amp;"
                case Byte.quote: escape = "&quot;"
                case Byte.carriageReturn: escape = "&#13;"
                case Byte.lineFeed where attribute: escape = "&#10;"
                case Byte.tab where attribute: escape = "&#9;"
                default: continue
                }
                pending.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
                escape.withUTF8Buffer { pending.append(contentsOf: $0) }
                start = index + 1
            }
            pending.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
            return true
        }
        if !safe { appendEscaped(Self.xmlSafe(text), attribute: attribute) }
    }

    private func flushIfFull(_ call: String) throws {
        if pending.count >= Self.flushSize { try flushPending(call) }
    }

    private func flushPending(_ call: String = "flush") throws {
        guard !pending.isEmpty else { return }
        do {
            try pending.withUnsafeBytes { try output.write($0) }
        } catch {
            pending.removeAll(keepingCapacity: true)
            throw XMLWriteError(call: call, outputError: error)
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// Whether the UTF-8 bytes hold a character XML 1.0 forbids: a C0 control other than
    /// tab, line feed and carriage return, or U+FFFE / U+FFFF (EF BF BE / EF BF BF).
    private static func containsForbiddenCharacter<Bytes: RandomAccessCollection>(_ bytes: Bytes) -> Bool
    where Bytes.Element == UInt8, Bytes.Index == Int {
        var index = bytes.startIndex
        let end = bytes.endIndex
        while index < end {
            let byte = bytes[index]
            if byte < 0x20 {
                if byte != 0x09 && byte != 0x0A && byte != 0x0D { return true }
            } else if byte == 0xEF, index + 2 < end, bytes[index + 1] == 0xBF, bytes[index + 2] >= 0xBE {
                return true
            }
            index += 1
        }
        return false
    }

    private static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D: true
        case 0x00..<0x20, 0xFFFE, 0xFFFF: false
        default: true
        }
    }
}

/// Writing XML failed: a call out of order (an attribute after the element's content, an end
/// without a start), or the output failed.
public struct XMLWriteError: Error, CustomStringConvertible {
    /// The writer's method that failed.
    public let call: String
    /// The error the output threw, when writing to it is what failed.
    public let outputError: (any Error)?

    public init(call: String, outputError: (any Error)? = nil) {
        self.call = call
        self.outputError = outputError
    }

    public var description: String {
        if let outputError { return "writing XML failed in \(call): \(outputError)" }
        return "writing XML failed in \(call)"
    }
}
