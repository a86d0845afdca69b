import ConsultCore
import Foundation
import SurveyFiles
import Testing

@testable import ConsultExport

/// XLSX exports (issue 17): what can be checked in Swift — the text encoding and its cut, sheet
/// names, the refusal beyond Excel's rows (a smaller limit injected) — with the workbooks read
/// back by openpyxl. Tests/Readers/xlsx_test.py reads them with pandas and LibreOffice too.
@Suite struct XLSXExportTests {
    // MARK: Text

    @Test func plainTextIsWrittenAsItIs() {
        for text in ["=1+1", "-3", "@SUM(A1)", "tab\there\nnew line", "مرحبا \u{202E}abc", "émoji 👩🏽‍💻", "a_b x0041_"] {
            let encoded = XLSXText.encoded(text)
            #expect(encoded.text == text && !encoded.cut)
        }
    }

    @Test func charactersXMLCannotHoldAreEscapedAndLookalikesKeptLiteral() {
        #expect(XLSXText.encoded("nul\u{0}soh\u{1}cr\r\nus\u{1F}").text == "nul_x0000_soh_x0001_cr_x000D_\nus_x001F_")
        // Swift literals refuse non-characters; they are made from their values.
        let nonCharacters = "a" + String(Unicode.Scalar(0xFFFE)!) + "b" + String(Unicode.Scalar(0xFFFF)!)
        #expect(XLSXText.encoded(nonCharacters).text == "a_xFFFE_b_xFFFF_")
        #expect(XLSXText.encoded("_x0041_ and _x00e9_ but _x12_ and _xZZZZ_").text
            == "_x005F_x0041_ and _x005F_x00e9_ but _x12_ and _xZZZZ_")
        let kept = "del\u{7F} c1\u{85} nonchar" + String(Unicode.Scalar(0xFDD0)!)
        #expect(XLSXText.encoded(kept).text == kept)
    }

    @Test func textBeyondTheCellLimitIsCutWithANote() {
        let fits = String(repeating: "x", count: XLSXText.cellLimit)
        #expect(XLSXText.encoded(fits).text == fits && !XLSXText.encoded(fits).cut)
        let long = XLSXText.encoded(fits + "y")
        #expect(long.cut)
        #expect(long.text.utf16.count == XLSXText.cellLimit)
        #expect(long.text.hasSuffix(XLSXText.cutMarker))
        #expect(long.text.hasPrefix(String(repeating: "x", count: XLSXText.cellLimit - XLSXText.cutMarker.utf16.count)))
        // Emoji take two UTF-16 code units each in Excel's count; the cut never splits one.
        let emoji = XLSXText.encoded(String(repeating: "😀", count: 20_000))
        #expect(emoji.cut)
        #expect(emoji.text.utf16.count <= XLSXText.cellLimit)
        #expect(emoji.text.dropLast(XLSXText.cutMarker.count).allSatisfy { $0 == "😀" })
        // Escapes count as written (seven characters each), which is what libxlsxwriter checks.
        let controls = XLSXText.encoded(String(repeating: "\u{1}", count: 5_000))
        #expect(controls.cut)
        #expect(controls.text.unicodeScalars.count <= XLSXText.cellLimit)
        let overOne = "abc" + String(repeating: "d", count: XLSXText.cutMarker.utf16.count + 1)
        #expect(XLSXText.encoded(overOne, limit: XLSXText.cutMarker.utf16.count + 3).text == "abc" + XLSXText.cutMarker)
    }

    // MARK: Sheet names

    @Test func sheetNamesAreValidShortAndUniqueRegardlessOfCase() {
        var names = SheetNames()
        #expect(names.unique("cover") == "cover")
        #expect(names.unique("Cover") == "Cover~2")
        #expect(names.unique("respondents_by_sector_region") == "respondents_by_sector_region")
        let long = String(repeating: "a", count: 40)
        #expect(names.unique(long) == String(repeating: "a", count: 31))
        #expect(names.unique(long) == String(repeating: "a", count: 29) + "~2")
        #expect(names.unique(long) == String(repeating: "a", count: 29) + "~3")
        #expect(names.unique("a[b]:c*d?e/f\\g") == "a_b__c_d_e_f_g")
        #expect(names.unique("'quoted'") == "quoted")
        #expect(names.unique("history") == "history~2")
        #expect(names.unique("''") == "sheet")
        #expect(names.unique("😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀") == "😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀")
    }

    // MARK: Workbooks

    @Test func theWorkbooksHoldACoverThenTheTablesOrTheResponses() async throws {
        let fixture = try await ExportFixture(surveyFile: "Surveys/neurotech-2025.yaml", count: 40, seed: 3)
        defer { fixture.remove() }
        let analysis = try await fixture.export(.analysis, .xlsx)
        #expect(analysis.map(\.lastPathComponent) == ["analysis.xlsx"])
        let analysisSheets = try Self.sheets(analysis[0])
        #expect(analysisSheets.map(\.name) == ["cover"] + SurveyAnalysis.tables(of: fixture.survey).map(\.name))
        let csv = try ExportFixture.parseCSV(try await fixture.export(.analysis, .csv))
        for sheet in analysisSheets.dropFirst() {
            #expect(sheet.rows.count == (csv[sheet.name]?.count ?? -1) + 1, "\(sheet.name)")
        }
        let cover = Dictionary(analysisSheets[0].rows.map { ($0[0] ?? "", $0[1] ?? "") }, uniquingKeysWith: { $1 })
        #expect(cover["survey"] == "neurotech-2025")
        #expect(cover["submissions"] == "40")
        #expect(cover["deadline (UTC)"] == "2025-11-10T17:00:00.000Z")
        #expect(cover["deadline (Europe/Vienna)"] == "2025-11-10T18:00:00.000+01:00")
        #expect(cover["generated at (UTC)"] == Instant.utcText(Date(timeIntervalSince1970: 1_795_000_000)))

        let raw = try await fixture.export(.raw, .xlsx)
        #expect(raw.map(\.lastPathComponent) == ["responses.xlsx"])
        let rawSheets = try Self.sheets(raw[0])
        #expect(rawSheets.map(\.name) == ["cover", "responses", "codebook"])
        #expect(rawSheets[2].rows == analysisSheets.first { $0.name == "codebook" }?.rows, "the same codebook in both workbooks")
        #expect(rawSheets[1].rows.count == 41)
        #expect(rawSheets[1].rows[0] == ResponsesExport(survey: fixture.survey, database: fixture.database).columns)
        let folder = raw[0].deletingLastPathComponent()
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["responses.xlsx"], "no temporary file left")
    }

    @Test func responsesBeyondTheSheetsRowsAreRefusedBeforeAnythingIsWritten() async throws {
        // As many submissions as the codebook has rows with its header, so that the responses
        // sheet, one row longer, is the one that meets the limit.
        let survey = try SurveyFile.load(path: ExportFixture.repository.appendingPathComponent("Surveys/neurotech-2025.yaml").path)
        let codebook = RowCounter()
        try SurveyAnalysis.writeCodebook(of: survey, to: codebook)
        let count = codebook.rows + 1
        let fixture = try await ExportFixture(surveyFile: "Surveys/neurotech-2025.yaml", count: count, seed: 4)
        defer { fixture.remove() }
        var exporter = Exporter(database: fixture.database)
        exporter.xlsxLimits = XLSXLimits(rows: count)
        let folder = fixture.folder.appendingPathComponent("refused")
        do {
            _ = try await exporter.export(fixture.survey, content: .raw, format: .xlsx, into: folder)
            Issue.record("\(count) submissions and a header fitted \(count) rows")
        } catch let refusal as XLSXRowLimitExceeded {
            #expect(refusal.sheet == "responses")
            #expect(refusal.rows == count + 1)
            #expect(refusal.limit == count)
            #expect(refusal.description.contains("consult export neurotech-2025 --what raw --format csv"))
            #expect(refusal.csvRoute == "/api/v1/surveys/neurotech-2025/responses.csv")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)

        exporter.xlsxLimits = XLSXLimits(rows: count + 1)
        let fits = try await exporter.export(fixture.survey, content: .raw, format: .xlsx, into: folder)
        #expect(try Self.sheets(fits[0])[1].rows.count == count + 1)
    }

    @Test func anAnalysisTableBeyondTheSheetsRowsIsRefusedAndItsFileRemoved() async throws {
        let fixture = try await ExportFixture(surveyFile: "Surveys/neurotech-2025.yaml", count: 5, seed: 4)
        defer { fixture.remove() }
        var exporter = Exporter(database: fixture.database)
        exporter.xlsxLimits = XLSXLimits(rows: 4)
        let folder = fixture.folder.appendingPathComponent("refused")
        do {
            _ = try await exporter.export(fixture.survey, content: .analysis, format: .xlsx, into: folder)
            Issue.record("the sector table fitted 4 rows")
        } catch let refusal as XLSXRowLimitExceeded {
            #expect(refusal.sheet == "respondents_by_sector")
            #expect(refusal.rows == nil)
            #expect(refusal.description.contains("--what analysis --format csv"))
            #expect(refusal.csvRoute == "/api/v1/surveys/neurotech-2025/analysis.zip")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }

    // MARK: Reading back

    /// Each sheet of the workbook as openpyxl reads it: its name and its rows of cell texts
    /// (numbers as Python prints them, nil for an empty cell).
    static func sheets(_ file: URL) throws -> [(name: String, rows: [[String?]])] {
        let script = """
            import json, sys, openpyxl
            book = openpyxl.load_workbook(sys.argv[1])
            out = [[s.title, [[None if v is None else str(v) for v in row] for row in s.iter_rows(values_only=True)]]
                   for s in book.worksheets]
            json.dump(out, sys.stdout)
            """
        let result = try ExportFixture.run("/usr/bin/env", ["python3", "-c", script, file.path])
        #expect(result.status == 0, "\(result.errors)")
        let decoded = try JSONDecoder().decode([SheetJSON].self, from: Data(result.output.utf8))
        return decoded.map { ($0.name, $0.rows) }
    }

    private struct SheetJSON: Decodable {
        let name: String
        let rows: [[String?]]

        init(from decoder: any Decoder) throws {
            var container = try decoder.unkeyedContainer()
            name = try container.decode(String.self)
            rows = try container.decode([[String?]].self)
        }
    }
}

/// Counts the rows a table producer writes.
final class RowCounter: TableSink {
    private(set) var rows = 0

    func begin(_ table: TableHeader) throws {}
    func row(_ cells: [Cell]) throws { rows += 1 }
    func end() throws {}
}
