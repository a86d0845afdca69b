import CLibXML2
import Foundation
import ZIPFoundation

/// The text of a DOCX (`word/document.xml`) or an ODT (`content.xml`), read from the ZIP archive
/// with zip-bomb limits: the entry count, the uncompressed size all entries declare, each read
/// entry's declared ratio, and the bytes it really inflates to (counted while inflating, so a
/// header that lies does not help).
struct OfficeText {
    enum Format {
        case docx, odt

        var name: String { self == .docx ? "DOCX" : "ODT" }
        var body: String { self == .docx ? "word/document.xml" : "content.xml" }
        /// The entry that may hold the page count.
        var statistics: String { self == .docx ? "docProps/app.xml" : "meta.xml" }
    }

    let limits: ExtractionLimits

    func extract(_ content: Data, format: Format) throws -> ExtractedText {
        let archive: Archive
        do {
            archive = try Archive(data: content, accessMode: .read)
        } catch {
            throw ExtractionFailure("The \(format.name) file is not a readable ZIP archive.")
        }
        var count = 0
        var declared: UInt64 = 0
        var body: Entry?
        var statistics: Entry?
        for entry in archive {
            count += 1
            guard count <= limits.zipEntries else {
                throw ExtractionFailure("The \(format.name) archive has more than \(limits.zipEntries) entries (a zip bomb?).")
            }
            declared += entry.uncompressedSize
            guard declared <= UInt64(limits.zipUncompressedBytes) else {
                throw ExtractionFailure(
                    "The \(format.name) archive's entries would inflate to more than \(ByteText.describe(limits.zipUncompressedBytes)) (a zip bomb?).")
            }
            if entry.path == format.body { body = entry }
            if entry.path == format.statistics { statistics = entry }
        }
        guard let body else { throw ExtractionFailure("The \(format.name) archive has no \(format.body).") }
        let xml = try inflate(body, of: archive, format: format)
        var text = try OfficeXML.text(of: xml, format: format, entry: format.body)
        if text.utf8.count > limits.textBytes {
            throw ExtractionFailure("The \(format.name) text is longer than \(ByteText.describe(limits.textBytes)).")
        }
        text = TextCleaning.clean(text).trimmingCharacters(in: .whitespacesAndNewlines)
        // Page counts are what the editor last wrote; a missing or unreadable one is no failure.
        let pages = statistics.flatMap { entry in
            (try? inflate(entry, of: archive, format: format)).flatMap { OfficeXML.pages(of: $0, format: format) }
        }
        return ExtractedText(text: text, pages: pages)
    }

    /// The entry's bytes, refused before inflating if its header declares a bomb, and stopped
    /// while inflating if it inflates past what it declared or the limit.
    private func inflate(_ entry: Entry, of archive: Archive, format: Format) throws -> Data {
        let limit = UInt64(limits.zipUncompressedBytes)
        let ratio = UInt64(limits.zipRatio)
        let compressed = max(entry.compressedSize, 1)
        guard entry.uncompressedSize <= limit, entry.uncompressedSize <= compressed * ratio else {
            throw ExtractionFailure(
                "\(entry.path) of the \(format.name) archive would inflate \(entry.uncompressedSize / compressed) times, more than \(ratio) (a zip bomb?).")
        }
        let allowed = min(entry.uncompressedSize, limit)
        var data = Data()
        do {
            _ = try archive.extract(entry, bufferSize: 1 << 16, skipCRC32: false) { chunk in
                guard UInt64(data.count + chunk.count) <= allowed else { throw InflatedTooFar() }
                data.append(chunk)
            }
        } catch is InflatedTooFar {
            throw ExtractionFailure(
                "\(entry.path) of the \(format.name) archive inflates to more than the \(entry.uncompressedSize) bytes it declares (a zip bomb?).")
        } catch {
            throw ExtractionFailure("\(entry.path) of the \(format.name) archive could not be inflated (\(error)).")
        }
        return data
    }

    private struct InflatedTooFar: Error {}
}

/// Reads the text out of the document XML with libxml2's streaming reader: no network, no
/// external DTD, no entity substitution (so no billion laughs either).
enum OfficeXML {
    static let wordprocessing = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    static let odfText = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
    static let odfOffice = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    static let odfMeta = "urn:oasis:names:tc:opendocument:xmlns:meta:1.0"

    static func text(of xml: Data, format: OfficeText.Format, entry: String) throws -> String {
        var text = ""
        // DOCX: only w:t holds text. ODT: all text inside office:body.
        var inText = 0
        try read(xml, entry: entry) { node in
            switch (format, node.type, node.namespace, node.name) {
            case (.docx, .start, wordprocessing, "t"): if !node.isEmpty { inText += 1 }
            case (.docx, .end, wordprocessing, "t"): inText -= 1
            case (.docx, .start, wordprocessing, "tab"): text += "\t"
            case (.docx, .start, wordprocessing, "br"), (.docx, .start, wordprocessing, "cr"): text += "\n"
            case (.docx, .end, wordprocessing, "p"): text += "\n"
            case (.docx, .start, wordprocessing, "p") where node.isEmpty: text += "\n"
            case (.odt, .start, odfOffice, "body"): if !node.isEmpty { inText += 1 }
            case (.odt, .end, odfOffice, "body"): inText -= 1
            case (.odt, .start, odfText, "tab") where inText > 0: text += "\t"
            case (.odt, .start, odfText, "line-break") where inText > 0: text += "\n"
            case (.odt, .start, odfText, "s") where inText > 0:
                let spaces = node.attribute("c", odfText).flatMap(Int.init) ?? 1
                text += String(repeating: " ", count: max(1, min(spaces, 1_000)))
            case (.odt, .end, odfText, "p"), (.odt, .end, odfText, "h"): if inText > 0 { text += "\n" }
            case (.odt, .start, odfText, "p") where node.isEmpty, (.odt, .start, odfText, "h") where node.isEmpty:
                if inText > 0 { text += "\n" }
            case (_, .text, _, _): if inText > 0 { text += node.value }
            default: break
            }
        }
        return text
    }

    /// The page count the editor wrote, if any.
    static func pages(of xml: Data, format: OfficeText.Format) -> Int? {
        var pages: Int?
        var inPages = false
        try? read(xml, entry: format.statistics) { node in
            switch (format, node.type, node.name) {
            case (.docx, .start, "Pages"): inPages = !node.isEmpty
            case (.docx, .end, "Pages"): inPages = false
            case (.docx, .text, _) where inPages: pages = Int(node.value.trimmingCharacters(in: .whitespaces))
            case (.odt, .start, "document-statistic"): pages = node.attribute("page-count", odfMeta).flatMap(Int.init)
            default: break
            }
        }
        return pages
    }

    struct Node {
        enum Kind { case start, end, text, other }
        let type: Kind
        let name: String
        let namespace: String
        let value: String
        let isEmpty: Bool
        let reader: xmlTextReaderPtr

        /// The attribute's value, read in place (nothing for Swift to free).
        func attribute(_ name: String, _ namespace: String) -> String? {
            let found = name.withCString { name in
                namespace.withCString { namespace in
                    xmlTextReaderMoveToAttributeNs(
                        reader, UnsafeRawPointer(name).assumingMemoryBound(to: xmlChar.self),
                        UnsafeRawPointer(namespace).assumingMemoryBound(to: xmlChar.self))
                }
            }
            guard found == 1 else { return nil }
            defer { xmlTextReaderMoveToElement(reader) }
            return xmlTextReaderConstValue(reader).map { String(cString: $0) }
        }
    }

    private static func read(_ xml: Data, entry: String, _ visit: (Node) throws -> Void) throws {
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)
        // The reader reads straight from `xml`'s bytes, so it lives inside this closure only.
        try xml.withUnsafeBytes { bytes in
            guard let base = bytes.baseAddress?.assumingMemoryBound(to: CChar.self),
                let reader = xmlReaderForMemory(base, Int32(bytes.count), entry, nil, options)
            else { throw ExtractionFailure("\(entry) could not be read as XML.") }
            defer { xmlFreeTextReader(reader) }
            while true {
                let status = xmlTextReaderRead(reader)
                if status == 0 { return }
                guard status == 1 else {
                    throw ExtractionFailure("\(entry) is not well-formed XML (near line \(xmlTextReaderGetParserLineNumber(reader))).")
                }
                let kind: Node.Kind = switch xmlTextReaderNodeType(reader) {
                case 1: .start
                case 15: .end
                case 3, 4, 14: .text
                default: .other
                }
                guard kind != .other else { continue }
                try visit(Node(
                    type: kind, name: string(xmlTextReaderConstLocalName(reader)),
                    namespace: string(xmlTextReaderConstNamespaceUri(reader)),
                    value: kind == .text ? string(xmlTextReaderConstValue(reader)) : "",
                    isEmpty: kind == .start && xmlTextReaderIsEmptyElement(reader) == 1, reader: reader))
            }
        }
    }

    private static func string(_ pointer: UnsafePointer<xmlChar>?) -> String {
        pointer.map { String(cString: $0) } ?? ""
    }
}
