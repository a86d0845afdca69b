import CLibXML2
import ConsultExport
import Foundation
import Testing

/// The export's XML writer against libxml2's `xmlTextWriter` (issue 19: exports): the writer
/// makes the bytes itself, and they must be the bytes libxml2 wrote for the same calls, which
/// the exports were written with before. Random documents of random calls and hostile text.
@Suite struct XMLWriterAgreementTests {
    /// One call of the writer's API.
    enum Call {
        case start(String), attribute(String, String), text(String), element(String, String), end
    }

    static let pieces = [
        "", "a", "plain words", "<", ">", "&", "\"", "'", "\t", "\n", "\r", "\r\n", "]]>", "&amp;", "é", "€", "😀",
        "👩🏽‍⚕️", "عربي", "\u{202E}", "\u{0}", "\u{1}", "\u{B}", "\u{1F}", "\u{7F}", "\u{85}", "\u{FFFE}", "\u{FFFF}",
        "\u{FFFD}", "\u{10FFFF}", "=SUM(A1)", " ", "  ",
    ]

    /// A string of up to six random pieces.
    static func randomText(_ generator: inout SystemRandomNumberGenerator) -> String {
        (0..<Int.random(in: 0...6, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
    }

    /// A random well-formed sequence of calls: attributes only while a start tag is open.
    static func randomCalls(_ generator: inout SystemRandomNumberGenerator) -> [Call] {
        var calls: [Call] = [.start("root")], depth = 1, startTagOpen = true
        let names = ["a", "value", "row", "answer", "x-y", "n1"]
        for _ in 0..<Int.random(in: 1...60, using: &generator) {
            switch Int.random(in: 0..<10, using: &generator) {
            case 0, 1:
                calls.append(.start(names.randomElement(using: &generator)!))
                depth += 1
                startTagOpen = true
            case 2 where startTagOpen, 3 where startTagOpen:
                calls.append(.attribute(names.randomElement(using: &generator)!, randomText(&generator)))
            case 4:
                calls.append(.text(randomText(&generator)))
                startTagOpen = false
            case 5, 6:
                calls.append(.element(names.randomElement(using: &generator)!, randomText(&generator)))
                startTagOpen = false
            case 7 where depth > 1, 8 where depth > 1:
                calls.append(.end)
                depth -= 1
                startTagOpen = false
            default:
                break
            }
        }
        return calls
    }

    @Test(arguments: [true, false])
    func writesTheBytesLibxml2WritesForTheSameCalls(indent: Bool) throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            let calls = Self.randomCalls(&generator)
            let ours = try Self.ours(calls, indent: indent)
            let libxml2 = try Self.libxml2(calls, indent: indent)
            #expect(ours == libxml2, "\(calls)\n\(String(decoding: ours, as: UTF8.self))\n\(String(decoding: libxml2, as: UTF8.self))")
            if ours != libxml2 { return }
        }
    }

    @Test func aLongDocumentAgreesAcrossTheOutputsBuffers() throws {
        var generator = SystemRandomNumberGenerator()
        var calls: [Call] = [.start("responses"), .attribute("xmlns", "urn:consult:responses:1")]
        for _ in 0..<3_000 { calls += Self.randomCalls(&generator) + [.end] }
        #expect(try Self.ours(calls, indent: true) == (try Self.libxml2(calls, indent: true)))
    }

    static func ours(_ calls: [Call], indent: Bool) throws -> [UInt8] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("xml-agree-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("ours.xml").path
        let output = try BufferedOutput(path: path, capacity: 4_096)
        let writer = try XMLStreamWriter(output: output, indent: indent)
        try writer.startDocument()
        for call in calls {
            switch call {
            case .start(let name): try writer.startElement(name)
            case .attribute(let name, let value): try writer.attribute(name, value)
            case .text(let text): try writer.text(text)
            case .element(let name, let text): try writer.element(name, text: text)
            case .end: try writer.endElement()
            }
        }
        try writer.endDocument()
        try output.close()
        return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// The same calls through libxml2, as the writer made them before (values made XML-safe first).
    static func libxml2(_ calls: [Call], indent: Bool) throws -> [UInt8] {
        let buffer = try #require(xmlBufferCreate())
        defer { xmlBufferFree(buffer) }
        let writer = try #require(xmlNewTextWriterMemory(buffer, 0))
        if indent {
            xmlTextWriterSetIndent(writer, 1)
            xmlTextWriterSetIndentString(writer, "  ")
        }
        xmlTextWriterStartDocument(writer, "1.0", "UTF-8", nil)
        for call in calls {
            switch call {
            case .start(let name): xmlTextWriterStartElement(writer, name)
            case .attribute(let name, let value): xmlTextWriterWriteAttribute(writer, name, XMLStreamWriter.xmlSafe(value))
            case .text(let text): xmlTextWriterWriteString(writer, XMLStreamWriter.xmlSafe(text))
            case .element(let name, let text):
                xmlTextWriterStartElement(writer, name)
                if !text.isEmpty { xmlTextWriterWriteString(writer, XMLStreamWriter.xmlSafe(text)) }
                xmlTextWriterEndElement(writer)
            case .end: xmlTextWriterEndElement(writer)
            }
        }
        xmlTextWriterEndDocument(writer)
        xmlTextWriterFlush(writer)
        xmlFreeTextWriter(writer)
        return Array(UnsafeBufferPointer(start: xmlBufferContent(buffer), count: Int(xmlBufferLength(buffer))))
    }
}
