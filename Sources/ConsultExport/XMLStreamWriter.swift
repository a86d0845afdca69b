import CLibXML2

/// Writes an XML document element by element into a `BufferedOutput`, through libxml2's
/// `xmlTextWriter`, so that a large export never exists in memory as a whole.
///
/// libxml2 escapes `<`, `>`, `&` and quotes; text and attribute values are first made
/// XML-safe with `xmlSafe(_:)`, so any string can be written. Names are written as given.
public final class XMLStreamWriter {
    private let writer: xmlTextWriterPtr
    private let sink: Sink

    /// Starts a writer that streams into `output`, indenting nested elements by two spaces
    /// when `indent` is true.
    public init(output: BufferedOutput, indent: Bool = true) throws {
        let sink = Sink(output)
        let context = Unmanaged.passUnretained(sink).toOpaque()
        guard let buffer = xmlOutputBufferCreateIO(Self.writeCallback, nil, context, nil) else {
            throw XMLWriteError(call: "xmlOutputBufferCreateIO")
        }
        // On success the writer owns the output buffer and frees it in xmlFreeTextWriter.
        guard let writer = xmlNewTextWriter(buffer) else {
            xmlOutputBufferClose(buffer)
            throw XMLWriteError(call: "xmlNewTextWriter")
        }
        self.writer = writer
        self.sink = sink
        if indent {
            try check(xmlTextWriterSetIndent(writer, 1), "xmlTextWriterSetIndent")
            try check(xmlTextWriterSetIndentString(writer, "  "), "xmlTextWriterSetIndentString")
        }
    }

    deinit {
        // Also closes (and flushes) the output buffer; the sink is still alive here.
        xmlFreeTextWriter(writer)
    }

    /// Writes the XML declaration `<?xml version="1.0" encoding="UTF-8"?>`.
    public func startDocument() throws {
        try check(xmlTextWriterStartDocument(writer, "1.0", "UTF-8", nil), "xmlTextWriterStartDocument")
    }

    /// Opens an element named `name`.
    public func startElement(_ name: String) throws {
        try check(xmlTextWriterStartElement(writer, name), "xmlTextWriterStartElement")
    }

    /// Adds an attribute to the element just opened; the value is made XML-safe.
    public func attribute(_ name: String, _ value: String) throws {
        try check(xmlTextWriterWriteAttribute(writer, name, Self.xmlSafe(value)), "xmlTextWriterWriteAttribute")
    }

    /// Writes character data into the open element; the text is made XML-safe.
    public func text(_ text: String) throws {
        try check(xmlTextWriterWriteString(writer, Self.xmlSafe(text)), "xmlTextWriterWriteString")
    }

    /// Writes `<name>text</name>`, or `<name/>` when `text` is empty.
    public func element(_ name: String, text: String) throws {
        try startElement(name)
        if !text.isEmpty { try self.text(text) }
        try endElement()
    }

    /// Closes the innermost open element.
    public func endElement() throws {
        try check(xmlTextWriterEndElement(writer), "xmlTextWriterEndElement")
    }

    /// Closes all open elements and hands everything libxml2 still buffers to the output
    /// (which stays open: flush or close it yourself).
    public func endDocument() throws {
        try check(xmlTextWriterEndDocument(writer), "xmlTextWriterEndDocument")
        try check(xmlTextWriterFlush(writer), "xmlTextWriterFlush")
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

    private func check(_ result: Int32, _ call: String) throws {
        if result < 0 || sink.error != nil { throw XMLWriteError(call: call, outputError: sink.error) }
    }

    /// Forwards bytes from libxml2's output buffer to the `BufferedOutput`. The first error
    /// the output throws is kept (and thrown by the call that caused it); libxml2 is told the
    /// bytes were taken, as it would otherwise print an I/O error on standard error.
    private final class Sink {
        let output: BufferedOutput
        var error: (any Error)?

        init(_ output: BufferedOutput) {
            self.output = output
        }
    }

    private static let writeCallback: xmlOutputWriteCallback = { context, bytes, count in
        guard let context, count > 0, let bytes else { return max(count, 0) }
        let sink = Unmanaged<Sink>.fromOpaque(context).takeUnretainedValue()
        guard sink.error == nil else { return count }
        do {
            try sink.output.write(UnsafeRawBufferPointer(start: bytes, count: Int(count)))
        } catch {
            sink.error = error
        }
        return count
    }
}

/// A libxml2 call made while writing XML failed (returned a negative value).
public struct XMLWriteError: Error, CustomStringConvertible {
    /// The libxml2 function that failed.
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
