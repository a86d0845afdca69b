import ConsultExport
import Foundation
import Testing

@Suite struct XMLStreamWriterTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let analysisSchema = root.appendingPathComponent("Exports/analysis.xsd").path
    static let responsesSchema = root.appendingPathComponent("Exports/responses.xsd").path
    static let xmllint = "/usr/bin/xmllint"

    /// Text a respondent could type, and some that should never reach an XML file.
    static let nasty = "=HYPERLINK(\"x\") 'single' \"double\" <&> ]]> &amp;\nline two\r\nCR\rtab\t"
        + "😀👩🏽‍⚕️ عربي עברית \u{202E}rtl\u{202C} \u{0}\u{1}\u{8}\u{B}\u{C}\u{1F} \u{FFFE}\u{FFFF} end"
    /// The same text with exactly U+FFFD in place of each character XML 1.0 forbids.
    static let nastySafe = "=HYPERLINK(\"x\") 'single' \"double\" <&> ]]> &amp;\nline two\r\nCR\rtab\t"
        + "😀👩🏽‍⚕️ عربي עברית \u{202E}rtl\u{202C} \u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD} \u{FFFD}\u{FFFD} end"

    @Test func xmlSafeReplacesExactlyTheCharactersXML10Forbids() {
        #expect(XMLStreamWriter.xmlSafe(Self.nasty) == Self.nastySafe)
        for forbidden: Unicode.Scalar in ["\u{0}", "\u{1}", "\u{8}", "\u{B}", "\u{C}", "\u{E}", "\u{1F}", "\u{FFFE}", "\u{FFFF}"] {
            #expect(XMLStreamWriter.xmlSafe("a\(forbidden)b") == "a\u{FFFD}b")
        }
        let nonCharacter = String(Unicode.Scalar(0xFDD0)!)  // a literal \u{FDD0} does not compile
        let allowed = "\t\n\r \u{7F}\u{85}\u{9F}\u{D7FF}\u{E000}\(nonCharacter)\u{FFFD}\u{10000}\u{1FFFE}\u{10FFFF}é"
        #expect(XMLStreamWriter.xmlSafe(allowed) == allowed)
        #expect(XMLStreamWriter.xmlSafe("") == "")
        #expect(XMLStreamWriter.xmlSafe("ends with \u{FFFF}") == "ends with \u{FFFD}")
    }

    @Test func writesAnyTextAsWellFormedXMLThatReadsBackWithReplacementCharacters() throws {
        let file = try TemporaryFile("nasty.xml")
        let output = try BufferedOutput(path: file.path)
        let writer = try XMLStreamWriter(output: output)
        try writer.startDocument()
        try writer.startElement("doc")
        try writer.startElement("value")
        try writer.attribute("note", Self.nasty)
        try writer.text(Self.nasty)
        try writer.endElement()
        try writer.element("value", text: "<&>\"'")
        try writer.endDocument()
        try output.close()

        let lint = try Self.run([Self.xmllint, "--noout", file.path])
        #expect(lint.status == 0, "\(lint.error)")
        #expect(try Self.xpath("string(/doc/value[1])", in: file.path) == Self.nastySafe)
        #expect(try Self.xpath("string(/doc/value[1]/@note)", in: file.path) == Self.nastySafe)
        #expect(try Self.xpath("string(/doc/value[2])", in: file.path) == "<&>\"'")
        let written = try String(contentsOfFile: file.path, encoding: .utf8)
        #expect(written.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"))
        #expect(!written.contains("&amp;amp;amp;"), "escaped once, not twice")
    }

    @Test func endDocumentClosesOpenElementsAndFlushesIntoTheOutput() throws {
        let file = try TemporaryFile("open.xml")
        let output = try BufferedOutput(path: file.path)
        let writer = try XMLStreamWriter(output: output)
        try writer.startDocument()
        try writer.startElement("a")
        try writer.startElement("b")
        try writer.element("c", text: "")
        try writer.element("d", text: "x")
        try writer.endDocument()
        #expect(output.bytesWritten > 0)
        try output.close()
        let written = try String(contentsOfFile: file.path, encoding: .utf8)
        #expect(written == """
            <?xml version="1.0" encoding="UTF-8"?>
            <a>
              <b>
                <c/>
                <d>x</d>
              </b>
            </a>

            """)
    }

    @Test func reportsAnOutputThatFailsAsAnXMLWriteErrorNamingTheCall() throws {
        let readOnly = try #require(FileHandle(forReadingAtPath: "/dev/null"))
        let output = BufferedOutput(handle: readOnly, capacity: 16)
        let writer = try XMLStreamWriter(output: output)
        let error = try #require(throws: XMLWriteError.self) {
            try writer.startDocument()
            try writer.element("doc", text: String(repeating: "x", count: 10_000))
            try writer.endDocument()
        }
        #expect(error.call.hasPrefix("xmlTextWriter"))
        #expect(error.outputError != nil)
        #expect(error.description.contains(error.call))
    }

    @Test func aSampleAnalysisDocumentMatchesTheAnalysisSchema() throws {
        let file = try TemporaryFile("analysis.xml")
        let output = try BufferedOutput(path: file.path)
        let writer = try XMLStreamWriter(output: output)
        try writer.startDocument()
        try writer.startElement("analysis")
        try writer.attribute("xmlns", "urn:consult:analysis:1")
        try writer.attribute("survey", "neurotech-2025")
        try writer.attribute("title", "Neurotechnology & \"law\" — 2025 \u{1}")
        try writer.attribute("generated_at", "2026-11-23T19:00:00.000Z")
        try writer.attribute("time_zone", "Europe/Vienna")
        try writer.attribute("submissions", "1234")
        try writer.startElement("table")
        try writer.attribute("name", "respondents_by_sector")
        try writer.attribute("title", "Respondents by sector")
        for (name, type) in [("sector", "text"), ("respondents", "integer"), ("percent", "decimal")] {
            try writer.startElement("column")
            try writer.attribute("name", name)
            try writer.attribute("type", type)
            try writer.endElement()
        }
        for row in [[Cell.text("law_enforcement"), .integer(12), .decimal(3.5)], [.text(Self.nasty), .empty, .decimal(0)]] {
            try writer.startElement("row")
            for cell in row { try writer.element("value", text: cell.text) }
            try writer.endElement()
        }
        try writer.endElement()
        try writer.startElement("table")
        try writer.attribute("name", "empty_table")
        try writer.attribute("title", "")
        try writer.startElement("column")
        try writer.attribute("name", "x")
        try writer.attribute("type", "text")
        try writer.endDocument()
        try output.close()

        try Self.expectValid(file.path, schema: Self.analysisSchema)
    }

    @Test func aSampleResponsesDocumentMatchesTheResponsesSchema() throws {
        let file = try TemporaryFile("responses.xml")
        let output = try BufferedOutput(path: file.path)
        let writer = try XMLStreamWriter(output: output, indent: false)
        try writer.startDocument()
        try writer.startElement("responses")
        try writer.attribute("xmlns", "urn:consult:responses:1")
        try writer.attribute("survey", "neurotech-2025")
        try writer.attribute("generated_at", "2026-11-23T19:00:00.250Z")
        try writer.attribute("time_zone", "Europe/Vienna")
        try writer.startElement("response")
        for (name, value) in [
            ("respondent", "r-3f9a0c1d2e4b5a67"), ("received_at", "2025-10-01T08:00:00.000Z"),
            ("updated_at", "2025-10-02T08:30:00.000Z"), ("version", "2"), ("declared_sector", "other"),
            ("final_sector", "academia"), ("publication", "public_named"), ("country", "AT"),
            ("m49_region", "Europe"), ("m49_subregion", "Western Europe"), ("interpol_region", "Europe"),
            ("level", "high"),
        ] {
            try writer.attribute(name, value)
        }
        try writer.element("other_sector", text: "University hospital \u{FFFF}")
        try answer(writer, "sector") {
            try writer.element("choice", text: "other")
            try writer.element("other", text: Self.nasty)
        }
        try answer(writer, "tools") {
            try writer.element("choice", text: "eeg")
            try writer.element("choice", text: "fmri")
        }
        try answer(writer, "familiarity") { try writer.element("value", text: "4") }
        try answer(writer, "budget") { try writer.element("value", text: "-12.5") }
        try answer(writer, "concerns") {
            for (item, rating) in [("privacy", "5"), ("consent", "3")] {
                try writer.startElement("rating")
                try writer.attribute("item", item)
                try writer.text(rating)
                try writer.endElement()
            }
        }
        try answer(writer, "comments") { try writer.element("text", text: Self.nasty) }
        try answer(writer, "country") { try writer.element("value", text: "AT") }
        try writer.startElement("answer")
        try writer.attribute("question", "name")
        try writer.attribute("withheld", "personal")
        try writer.endElement()
        try writer.endElement()
        try writer.startElement("response")
        for (name, value) in [
            ("respondent", "r-0000000000000001"), ("received_at", "2025-10-03T08:00:00.000Z"),
            ("updated_at", "2025-10-03T08:00:00.000Z"), ("version", "1"), ("declared_sector", "academia"),
            ("final_sector", "academia"), ("publication", "confidential"),
        ] {
            try writer.attribute(name, value)
        }
        try writer.startElement("answer")
        try writer.attribute("question", "comments")
        try writer.attribute("withheld", "confidential")
        try writer.endDocument()
        try output.close()

        try Self.expectValid(file.path, schema: Self.responsesSchema)
    }

    @Test func aRowOutsideATableBreaksTheAnalysisSchema() throws {
        let file = try TemporaryFile("invalid.xml")
        let output = try BufferedOutput(path: file.path)
        let writer = try XMLStreamWriter(output: output)
        try writer.startDocument()
        try writer.startElement("analysis")
        try writer.attribute("xmlns", "urn:consult:analysis:1")
        try writer.attribute("survey", "neurotech-2025")
        try writer.attribute("title", "Stray row")
        try writer.attribute("generated_at", "2026-11-23T19:00:00.000Z")
        try writer.attribute("time_zone", "Europe/Vienna")
        try writer.attribute("submissions", "0")
        try writer.startElement("row")
        try writer.element("value", text: "1")
        try writer.endDocument()
        try output.close()

        let problems = XMLSchemaValidator.problems(document: file.path, schema: Self.analysisSchema)
        #expect(problems.count == 1)
        #expect(problems.first?.contains("row") == true, "\(problems)")
        #expect(problems.first?.hasPrefix(file.path) == true, "\(problems)")
        let lint = try Self.run([Self.xmllint, "--noout", "--schema", Self.analysisSchema, file.path])
        #expect(lint.status != 0)
    }

    @Test(arguments: ["2025-10-01T08:00:00Z", "2025-10-01T08:00:00.5Z", "2025-10-01T10:00:00.000+02:00", "2025-10-01T08:00:00.000"])
    func bothSchemasRefuseAnInstantThatIsNotUTCToTheMillisecond(instant: String) throws {
        for (root, schema) in [("analysis", Self.analysisSchema), ("responses", Self.responsesSchema)] {
            func document(generatedAt: String) throws -> TemporaryFile {
                let file = try TemporaryFile("\(root).xml")
                let output = try BufferedOutput(path: file.path)
                let writer = try XMLStreamWriter(output: output)
                try writer.startDocument()
                try writer.startElement(root)
                try writer.attribute("xmlns", "urn:consult:\(root):1")
                try writer.attribute("survey", "neurotech-2025")
                if root == "analysis" { try writer.attribute("title", "t") }
                try writer.attribute("generated_at", generatedAt)
                try writer.attribute("time_zone", "Europe/Vienna")
                if root == "analysis" { try writer.attribute("submissions", "0") }
                try writer.endDocument()
                try output.close()
                return file
            }
            let valid = try document(generatedAt: "2025-10-01T08:00:00.000Z")
            #expect(XMLSchemaValidator.problems(document: valid.path, schema: schema) == [])
            let invalid = try document(generatedAt: instant)
            let problems = XMLSchemaValidator.problems(document: invalid.path, schema: schema)
            #expect(problems.contains { $0.contains("generated_at") }, "\(root): \(problems)")
        }
    }

    @Test func reportsAFileThatIsNotWellFormedXMLOrAMissingSchema() throws {
        let file = try TemporaryFile("broken.xml")
        try Data("<analysis xmlns=\"urn:consult:analysis:1\"><table></analysis>".utf8).write(to: URL(fileURLWithPath: file.path))
        let problems = XMLSchemaValidator.problems(document: file.path, schema: Self.analysisSchema)
        #expect(problems.contains { $0.hasPrefix(file.path) && $0.contains("tag mismatch") }, "\(problems)")
        let missing = file.path + ".missing"
        #expect(XMLSchemaValidator.problems(document: missing, schema: Self.analysisSchema) == ["\(missing): cannot read the file"])
        #expect(XMLSchemaValidator.problems(document: file.path, schema: missing) == ["\(missing): cannot read the file"])
        #expect(!XMLSchemaValidator.problems(document: Self.analysisSchema, schema: file.path).isEmpty)
    }

    // MARK: - Helpers

    private func answer(_ writer: XMLStreamWriter, _ question: String, _ content: () throws -> Void) throws {
        try writer.startElement("answer")
        try writer.attribute("question", question)
        try content()
        try writer.endElement()
    }

    private static func expectValid(_ path: String, schema: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(XMLSchemaValidator.problems(document: path, schema: schema) == [], sourceLocation: sourceLocation)
        let lint = try run([xmllint, "--noout", "--schema", schema, path])
        #expect(lint.status == 0, "\(lint.error)", sourceLocation: sourceLocation)
    }

    private static func xpath(_ expression: String, in path: String) throws -> String {
        let result = try run([xmllint, "--xpath", expression, path])
        #expect(result.status == 0, "\(result.error)")
        var text = String(decoding: result.output, as: UTF8.self)
        #expect(text.unicodeScalars.last == "\n", "xmllint ends the string it prints with a line feed")
        text.unicodeScalars.removeLast()
        return text
    }

    private static func run(_ arguments: [String]) throws -> (status: Int32, output: Data, error: String) {
        try #require(FileManager.default.isExecutableFile(atPath: arguments[0]), "install libxml2-utils for xmllint")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, outputData, String(decoding: errorData, as: UTF8.self))
    }
}

/// A path in a fresh temporary folder, removed when the value goes away.
private final class TemporaryFile {
    let folder: URL
    let path: String

    init(_ name: String) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("consult-xml-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        path = folder.appendingPathComponent(name).path
    }

    deinit {
        try? FileManager.default.removeItem(at: folder)
    }
}
