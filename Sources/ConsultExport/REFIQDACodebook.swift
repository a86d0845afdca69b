// refiqda: REFI-QDA codebooks (.qdc) out of and into a survey's themes.
import CLibXML2
import ConsultCore
import ConsultStore
import Foundation

/// Why a codebook file was refused; nothing was stored.
public struct CodebookFileError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable {
        /// Not well-formed XML, or a DOCTYPE (entities are never expanded).
        case malformed
        /// Well-formed, but not a codebook consult can take (schema, depth).
        case invalid
    }

    public let kind: Kind
    /// Each problem, with its line.
    public let problems: [String]

    public var description: String { problems.joined(separator: "; ") }
}

/// Writes and reads REFI-QDA codebooks (QDA-XML 1.0, namespace `urn:QDA-XML:codebook:1.0`).
///
/// Export: every theme not merged away, nested as in the survey, with guid, name, colour and
/// description; a retired theme is written with `isCodable="false"` (it takes no new codings),
/// and such a code is imported as a retired theme.
public enum REFIQDACodebook {
    /// The codebook namespace.
    public static let namespace = "urn:QDA-XML:codebook:1.0"
    /// The largest codebook file read.
    public static let maximumSize = 1 << 20

    /// Writes the `<Codes>` tree of `themes` (as ``ThemeCounts`` orders them) with `writer`.
    static func writeCodes(_ themes: [ThemeSummary], with writer: XMLStreamWriter) throws {
        let guids = Set(themes.map(\.guid))
        var children: [String?: [ThemeSummary]] = [:]
        for theme in themes { children[theme.parentGUID.flatMap { guids.contains($0) ? $0 : nil }, default: []].append(theme) }
        func write(_ theme: ThemeSummary) throws {
            try writer.startElement("Code")
            try writer.attribute("guid", QDAGUID.normalised(theme.guid))
            try writer.attribute("name", theme.name)
            try writer.attribute("isCodable", theme.retired ? "false" : "true")
            try writer.attribute("color", theme.colour)
            if !theme.description.isEmpty { try writer.element("Description", text: theme.description) }
            for child in children[theme.guid] ?? [] { try write(child) }
            try writer.endElement()
        }
        try writer.startElement("Codes")
        for theme in children[nil] ?? [] { try write(theme) }
        try writer.endElement()
    }

    /// Writes a whole `.qdc` file of `themes` (at least one) to `output`.
    public static func write(_ themes: [ThemeSummary], to output: BufferedOutput) throws {
        let writer = try XMLStreamWriter(output: output)
        try writer.startDocument()
        try writer.startElement("CodeBook")
        try writer.attribute("xmlns", namespace)
        try writer.attribute("origin", "consult")
        try writeCodes(themes, with: writer)
        try writer.endDocument()
    }

    /// Reads a `.qdc` file: well-formed XML without DOCTYPE, valid against Codebook.xsd, at most
    /// ``CodebookTheme/maximumDepth`` levels deep. libxml2 reads it without network access and
    /// without loading or expanding any entity (documents with a DOCTYPE are refused outright).
    public static func read(_ data: Data) throws -> [CodebookTheme] {
        guard data.count <= maximumSize else {
            throw CodebookFileError(kind: .invalid, problems: ["the file has \(data.count) bytes; codebooks of at most \(maximumSize) bytes are read"])
        }
        if data.range(of: Data("<!DOCTYPE".utf8)) != nil || data.range(of: Data("<!ENTITY".utf8)) != nil {
            throw CodebookFileError(kind: .malformed, problems: ["the file has a DOCTYPE or ENTITY declaration; codebooks may not declare entities"])
        }
        let collector = ErrorCollector()
        let context = Unmanaged.passUnretained(collector).toOpaque()
        return try withExtendedLifetime(collector) {
            xmlSetStructuredErrorFunc(context, ErrorCollector.callback)
            defer { xmlSetStructuredErrorFunc(nil, nil) }
            let options = Int32(XML_PARSE_NONET.rawValue)
            let parsed = data.withUnsafeBytes { bytes in
                xmlReadMemory(bytes.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(bytes.count), "codebook.qdc", "UTF-8", options)
            }
            guard let document = parsed else {
                throw CodebookFileError(kind: .malformed, problems: collector.problems(or: "the file is not well-formed XML"))
            }
            defer { xmlFreeDoc(document) }
            guard document.pointee.intSubset == nil, document.pointee.extSubset == nil else {
                throw CodebookFileError(kind: .malformed, problems: ["the file has a DOCTYPE; codebooks may not declare entities"])
            }
            try validate(document, collector)
            guard let root = xmlDocGetRootElement(document), let codes = elements(of: root).first(where: { name($0) == "Codes" }) else {
                throw CodebookFileError(kind: .invalid, problems: ["the file has no <Codes> element"])
            }
            return try elements(of: codes).filter { name($0) == "Code" }.map { try theme($0, depth: 1) }
        }
    }

    private static func validate(_ document: xmlDocPtr, _ collector: ErrorCollector) throws {
        let schemaBytes = Array(CodebookSchema.text.utf8)
        let parser = schemaBytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                xmlSchemaNewMemParserCtxt($0, Int32(buffer.count))
            }
        }
        guard let parser else { throw CodebookFileError(kind: .invalid, problems: ["the codebook schema could not be read"]) }
        defer { xmlSchemaFreeParserCtxt(parser) }
        guard let schema = xmlSchemaParse(parser) else {
            throw CodebookFileError(kind: .invalid, problems: ["the codebook schema could not be compiled"])
        }
        defer { xmlSchemaFree(schema) }
        guard let validator = xmlSchemaNewValidCtxt(schema) else {
            throw CodebookFileError(kind: .invalid, problems: ["the codebook schema could not be used"])
        }
        defer { xmlSchemaFreeValidCtxt(validator) }
        collector.problems.removeAll()
        let context = Unmanaged.passUnretained(collector).toOpaque()
        xmlSchemaSetValidStructuredErrors(validator, ErrorCollector.callback, context)
        if xmlSchemaValidateDoc(validator, document) != 0 {
            throw CodebookFileError(
                kind: .invalid, problems: collector.problems(or: "the file is not a REFI-QDA codebook (Codebook.xsd)"))
        }
    }

    private static func theme(_ node: xmlNodePtr, depth: Int) throws -> CodebookTheme {
        let line = Int(xmlGetLineNo(node))
        let name = attribute(node, "name") ?? ""
        guard depth <= CodebookTheme.maximumDepth else {
            throw CodebookFileError(kind: .invalid, problems: [
                "codebook.qdc:\(line): Code \"\(name)\" is nested \(depth) levels deep; themes nest at most \(CodebookTheme.maximumDepth) levels",
            ])
        }
        // The schema checked the guid's and colour's patterns; these only normalise them.
        let guid = CodebookTheme.normalisedGUID(attribute(node, "guid") ?? "") ?? UUID().uuidString
        let colour = attribute(node, "color").flatMap(CodebookTheme.normalisedColour) ?? CodebookTheme.defaultColour
        let codable = attribute(node, "isCodable").map { $0 == "true" || $0 == "1" } ?? true
        let children = elements(of: node)
        let description = children.first { self.name($0) == "Description" }.map(text) ?? ""
        return CodebookTheme(
            guid: guid, name: name, description: description, colour: colour, retired: !codable,
            children: try children.filter { self.name($0) == "Code" }.map { try theme($0, depth: depth + 1) }, line: line)
    }

    private static func elements(of node: xmlNodePtr) -> [xmlNodePtr] {
        var found: [xmlNodePtr] = []
        var child = node.pointee.children
        while let current = child {
            if current.pointee.type == XML_ELEMENT_NODE { found.append(current) }
            child = current.pointee.next
        }
        return found
    }

    private static func name(_ node: xmlNodePtr) -> String {
        node.pointee.name.map { String(cString: $0) } ?? ""
    }

    /// The text of an element's text and CDATA children (there are no entity references: no DOCTYPE).
    private static func text(_ node: xmlNodePtr) -> String {
        var text = ""
        var child = node.pointee.children
        while let current = child {
            if current.pointee.type == XML_TEXT_NODE || current.pointee.type == XML_CDATA_SECTION_NODE,
                let content = current.pointee.content
            {
                text += String(cString: content)
            }
            child = current.pointee.next
        }
        return text
    }

    private static func attribute(_ node: xmlNodePtr, _ wanted: String) -> String? {
        var property = node.pointee.properties
        while let current = property {
            if let name = current.pointee.name, String(cString: name) == wanted {
                var value = ""
                var child = current.pointee.children
                while let part = child {
                    if let content = part.pointee.content { value += String(cString: content) }
                    child = part.pointee.next
                }
                return value
            }
            property = current.pointee.next
        }
        return nil
    }

    /// Gathers libxml2's structured error reports as "codebook.qdc:line: message".
    private final class ErrorCollector {
        var problems: [String] = []

        func problems(or fallback: String) -> [String] {
            problems.isEmpty ? [fallback] : Array(problems.prefix(10))
        }

        static let callback: xmlStructuredErrorFunc = { context, error in
            guard let context, let error else { return }
            let collector = Unmanaged<ErrorCollector>.fromOpaque(context).takeUnretainedValue()
            let report = error.pointee
            var message = report.message.map { String(cString: $0) } ?? "unknown error"
            while message.last?.isWhitespace == true { message.removeLast() }
            collector.problems.append("codebook.qdc:\(report.line): \(message)")
        }
    }
}

/// GUIDs of a REFI-QDA export: the store's own where they are GUIDs, otherwise made from a stable
/// value (a pseudonym, a role token's id), so exporting twice gives the same ids.
enum QDAGUID {
    /// `guid` upper-case without braces if it is a GUID, else a GUID made from its text.
    static func normalised(_ guid: String) -> String {
        CodebookTheme.normalisedGUID(guid) ?? made(tag: "0000", from: String(guid.unicodeScalars.filter(\.properties.isASCIIHexDigit)))
    }

    /// A GUID of 4 hex digits naming what it is (`tag`) and up to 28 hex digits of a stable value.
    static func made(tag: String, from hex: String) -> String {
        let digits = (tag + String(repeating: "0", count: max(0, 28 - hex.count)) + hex.suffix(28)).uppercased()
        let d = Array(digits)
        return "\(String(d[0..<8]))-\(String(d[8..<12]))-\(String(d[12..<16]))-\(String(d[16..<20]))-\(String(d[20..<32]))"
    }
}
