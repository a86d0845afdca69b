import ConsultExport
import Foundation
import Testing

@Suite struct CSVWriterTests {
    /// Text cells a spreadsheet would run as formulas, and what the CSV must hold instead.
    static let formulaLike: [(input: String, neutralised: String)] = [
        ("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tstarts with a tab", "'\tstarts with a tab"),
        ("\rstarts with CR", "'\rstarts with CR"),
    ]
    /// Text cells that must come back exactly as written.
    static let plain: [String] = [
        "say \"hello\"", "\"", "\"\"", "a,b,c", ",", "line one\nline two", "windows\r\nline", "ends with LF\n",
        "😀👩🏽‍⚕️ emoji", "مرحبا بالعالم", "שלום עולם", "mixed עברית and عربي, \"quoted\"",
        "control \u{1} char", "non-character \u{FFFE} here", "\u{1}", "\u{FFFE}", "a=b", " =not first", "'already",
        "", "plain",
    ]

    @Test func formulaLikeTextGetsOneLeadingApostropheAndNothingElseChanges() {
        for (input, expected) in Self.formulaLike {
            #expect(CSVWriter.neutralised(input) == expected)
        }
        for text in Self.plain {
            #expect(CSVWriter.neutralised(text) == text)
        }
        #expect(CSVWriter.neutralised("==") == "'==")
        #expect(CSVWriter.neutralised("-") == "'-")
    }

    @Test func fieldsAreQuotedOnlyWhenTheyHoldCommasQuotesOrLineBreaks() {
        #expect(CSVWriter.field("plain text") == "plain text")
        #expect(CSVWriter.field("") == "")
        #expect(CSVWriter.field("=1") == "=1", "quoting does not neutralise")
        #expect(CSVWriter.field("tab\there") == "tab\there")
        #expect(CSVWriter.field("a,b") == "\"a,b\"")
        #expect(CSVWriter.field("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(CSVWriter.field("\"") == "\"\"\"\"")
        #expect(CSVWriter.field("a\nb") == "\"a\nb\"")
        #expect(CSVWriter.field("a\rb") == "\"a\rb\"")
        #expect(CSVWriter.field("a\r\nb") == "\"a\r\nb\"")
        #expect(CSVWriter.field("😀,עברית") == "\"😀,עברית\"")
    }

    @Test(arguments: [CSVOptions.LineEnding.crlf, .lf])
    func hostileTextAndNumbersReadBackWithPythonExactlyAsWrittenOnlyNeutralised(_ ending: CSVOptions.LineEnding) throws {
        let folder = try ScratchFolder()
        let path = folder.path("hostile.csv")
        let output = try BufferedOutput(path: path)
        let writer = try CSVWriter(output: output, options: CSVOptions(lineEnding: ending))
        try writer.writeHeader(["kind", "value", "note"])
        var expected: [[String]] = [["kind", "value", "note"]]
        for (input, neutralised) in Self.formulaLike {
            try writer.writeRow([.text("formula"), .text(input), .text(input + ", again \"quoted\"\n")])
            expected.append(["formula", neutralised, neutralised + ", again \"quoted\"\n"])
        }
        for text in Self.plain {
            try writer.writeRow([.text("plain"), .text(text), .empty])
            expected.append(["plain", text, ""])
        }
        try writer.writeRow([.integer(-3), .decimal(2.5), .decimal(-0.125)])
        expected.append(["-3", "2.5", "-0.125"])
        try writer.writeRow([.integer(0), .integer(42), .decimal(1.0 / 3.0)])
        expected.append(["0", "42", "0.3333"])
        try writer.writeRow([.empty, .empty, .empty])
        expected.append(["", "", ""])
        try writer.writeRow([.text("+44 20 7946 0000"), .integer(-1), .text("-1")])
        expected.append(["'+44 20 7946 0000", "-1", "'-1"])
        try output.close()

        let rows = try Self.pythonRows(path, encoding: "utf-8")
        #expect(rows.count == expected.count)
        for (row, want) in zip(rows, expected) {
            #expect(row == want)
        }

        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(!bytes.starts(with: [0xEF, 0xBB, 0xBF]), "no byte order mark unless asked")
        let recordEnd: [UInt8] = ending == .crlf ? [13, 10] : [10]
        #expect(bytes.starts(with: Array("kind,value,note".utf8) + recordEnd))
        #expect(Array(bytes.suffix(recordEnd.count)) == recordEnd)
        // Line breaks inside quoted fields are kept exactly; only record ends follow the option.
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("\"line one\nline two\""))
        #expect(text.contains("\"windows\r\nline\""))
        #expect(text.contains("-3,2.5,-0.125"), "numbers are neither neutralised nor quoted")
    }

    @Test func recordsEndInCRLFByDefaultAndInLFWhenAsked() throws {
        let folder = try ScratchFolder()
        for (ending, expected) in [(CSVOptions.LineEnding.crlf, "a,b\r\n\"x\ny\",2\r\n"), (.lf, "a,b\n\"x\ny\",2\n")] {
            let path = folder.path("\(ending.rawValue).csv")
            let output = try BufferedOutput(path: path)
            let writer = try CSVWriter(output: output, options: CSVOptions(lineEnding: ending))
            try writer.writeHeader(["a", "b"])
            try writer.writeRow([.text("x\ny"), .integer(2)])
            try output.close()
            #expect(try String(contentsOfFile: path, encoding: .utf8) == expected)
            #expect(try Self.pythonRows(path, encoding: "utf-8") == [["a", "b"], ["x\ny", "2"]])
        }
        #expect(CSVOptions().lineEnding == .crlf)
        #expect(CSVOptions().byteOrderMark == false)
    }

    @Test func theByteOrderMarkComesFirstWhenAskedAndPythonReadsItAsUTF8Sig() throws {
        let folder = try ScratchFolder()
        let path = folder.path("bom.csv")
        let output = try BufferedOutput(path: path)
        let writer = try CSVWriter(output: output, options: CSVOptions(lineEnding: .lf, byteOrderMark: true))
        try writer.writeHeader(["name", "city"])
        try writer.writeRow([.text("Zoë"), .text("תל אביב")])
        try writer.writeRow([.text("=cmd|' /C calc'!A0"), .text("القاهرة, مصر")])
        try output.close()

        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
        #expect(bytes.dropFirst(3).starts(with: Array("name,city\n".utf8)))
        #expect(!bytes.dropFirst(3).starts(with: [0xEF, 0xBB, 0xBF]), "written once")
        let rows = try Self.pythonRows(path, encoding: "utf-8-sig")
        #expect(rows == [["name", "city"], ["Zoë", "תל אביב"], ["'=cmd|' /C calc'!A0", "القاهرة, مصر"]])
    }

    @Test func aRowOfOneEmptyFieldStaysARowAndNotABlankLine() throws {
        let folder = try ScratchFolder()
        let path = folder.path("single.csv")
        let output = try BufferedOutput(path: path)
        let writer = try CSVWriter(output: output, options: CSVOptions(lineEnding: .lf))
        try writer.writeHeader(["only"])
        try writer.writeRow([.empty])
        try writer.writeRow([.text("")])
        try writer.writeRow([.text("x")])
        try output.close()
        #expect(try Self.pythonRows(path, encoding: "utf-8") == [["only"], [""], [""], ["x"]])
    }

    @Test func manyRowsLargerThanTheOutputBufferReadBackInOrder() throws {
        let folder = try ScratchFolder()
        let path = folder.path("many.csv")
        let output = try BufferedOutput(path: path, capacity: 256)
        let writer = try CSVWriter(output: output)
        try writer.writeHeader(["n", "text"])
        for n in 0..<2_000 {
            try writer.writeRow([.integer(n), .text(n.isMultiple(of: 3) ? "=\(n),\"x\"\r\n😀" : "row \(n)")])
        }
        try output.close()
        let rows = try Self.pythonRows(path, encoding: "utf-8")
        #expect(rows.count == 2_001)
        for n in 0..<2_000 where rows.count == 2_001 {
            #expect(rows[n + 1] == ["\(n)", n.isMultiple(of: 3) ? "'=\(n),\"x\"\r\n😀" : "row \(n)"])
        }
    }

    @Test func zipBundleHoldsEachFileDeflatedUnderItsNameAndPythonReadsThemBack() throws {
        let folder = try ScratchFolder()
        let first = folder.path("a.csv")
        let second = folder.path("b.xml")
        let firstContent = "id,text\r\n" + String(repeating: "1,\"hello, world\"\r\n", count: 500)
        let secondContent = "<?xml version=\"1.0\"?>\n<doc>😀 עברית عربي</doc>\n"
        try Data(firstContent.utf8).write(to: URL(fileURLWithPath: first))
        try Data(secondContent.utf8).write(to: URL(fileURLWithPath: second))
        let zip = folder.path("bundle.zip")
        try Data("not a zip".utf8).write(to: URL(fileURLWithPath: zip))  // replaced

        try ZipBundle.create(at: zip, from: [(name: "tables/analysis.csv", path: first), (name: "responses.xml", path: second)], modified: Date(timeIntervalSince1970: 1_795_000_000))

        let listing = try Self.run(["python3", "-m", "zipfile", "-l", zip])
        #expect(listing.status == 0, "\(listing.errors)")
        #expect(listing.output.contains("tables/analysis.csv"))
        #expect(listing.output.contains("responses.xml"))
        let test = try Self.run(["python3", "-m", "zipfile", "-t", zip])
        #expect(test.status == 0, "\(test.errors)")

        let script = """
            import json, sys, zipfile
            with zipfile.ZipFile(sys.argv[1]) as z:
                json.dump([{"name": i.filename, "deflated": i.compress_type == zipfile.ZIP_DEFLATED,
                            "size": i.file_size, "compressed": i.compress_size,
                            "text": z.read(i).decode("utf-8")} for i in z.infolist()], sys.stdout)
            """
        let result = try Self.run(["python3", "-c", script, zip])
        #expect(result.status == 0, "\(result.errors)")
        let entries = try JSONDecoder().decode([ZipEntry].self, from: Data(result.output.utf8))
        #expect(entries.map(\.name) == ["tables/analysis.csv", "responses.xml"])
        #expect(entries.allSatisfy { $0.deflated })
        #expect(entries.first?.text == firstContent)
        #expect(entries.last?.text == secondContent)
        #expect(entries.first?.size == firstContent.utf8.count)
        #expect((entries.first?.compressed ?? .max) < firstContent.utf8.count / 10, "repetitive text compresses")
    }

    @Test func zipBundleLeavesNoArchiveWhenAFileIsMissing() throws {
        let folder = try ScratchFolder()
        let present = folder.path("present.csv")
        try Data("a\n".utf8).write(to: URL(fileURLWithPath: present))
        let zip = folder.path("broken.zip")
        #expect(throws: (any Error).self) {
            try ZipBundle.create(at: zip, from: [(name: "present.csv", path: present), (name: "gone.csv", path: folder.path("gone.csv"))], modified: Date())
        }
        #expect(!FileManager.default.fileExists(atPath: zip))
    }

    // MARK: - Helpers

    struct ZipEntry: Decodable {
        let name: String
        let deflated: Bool
        let size: Int
        let compressed: Int
        let text: String
    }

    /// The file's records as Python's `csv` module reads them.
    static func pythonRows(_ path: String, encoding: String) throws -> [[String]] {
        let script = """
            import csv, json, sys
            with open(sys.argv[1], newline="", encoding=sys.argv[2]) as f:
                json.dump(list(csv.reader(f, strict=True)), sys.stdout)
            """
        let result = try run(["python3", "-c", script, path, encoding])
        try #require(result.status == 0, "\(result.errors)")
        return try JSONDecoder().decode([[String]].self, from: Data(result.output.utf8))
    }

    /// Runs a command found on PATH; output and errors go through files so that neither pipe can fill up.
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
        let folder = try ScratchFolder()
        let outputPath = folder.path("stdout")
        let errorPath = folder.path("stderr")
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        let outputHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        let errorHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = outputHandle
        process.standardError = errorHandle
        try process.run()
        process.waitUntilExit()
        try outputHandle.close()
        try errorHandle.close()
        return (
            process.terminationStatus,
            try String(contentsOfFile: outputPath, encoding: .utf8),
            try String(contentsOfFile: errorPath, encoding: .utf8)
        )
    }
}

/// A fresh temporary folder, removed when the value goes away.
private final class ScratchFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("consult-csv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String {
        url.appendingPathComponent(name).path
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }
}
