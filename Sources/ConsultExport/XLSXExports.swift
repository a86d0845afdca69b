import ConsultCore
import Foundation

/// The analysis as one XLSX workbook: the cover sheet, then one sheet per analysis table (the
/// codebook among them), streamed from the same producer as the CSV and XML exports.
enum AnalysisWorkbook {
    static func write(
        _ analysis: SurveyAnalysis, to file: URL, temporaryFolder: URL, cover: XLSXCover, limits: XLSXLimits,
        tables: Set<String>?, progress: (TableHeader) -> Void
    ) throws -> URL {
        try removingOnFailure(file) {
            let sheets = try XLSXTableSheets(
                file: file, temporaryFolder: temporaryFolder, limits: limits, cover: cover,
                survey: analysis.survey.id.rawValue, content: .analysis)
            try analysis.write(to: sheets, only: tables, progress: progress)
            try sheets.finish()
        }
    }
}

/// The raw responses as one XLSX workbook: the cover sheet, `responses` (one row per submission
/// with the CSV's columns and values), and the `codebook` that labels its codes. Refused before
/// anything is written when the submissions do not fit an Excel sheet.
enum ResponsesWorkbook {
    static func write(
        _ export: ResponsesExport, submissions: Int, to file: URL, temporaryFolder: URL, cover: XLSXCover,
        limits: XLSXLimits, progress: (Int) -> Void
    ) throws -> URL {
        let table = export.table
        if submissions + 1 > limits.rows {
            throw XLSXRowLimitExceeded(
                survey: export.survey.id.rawValue, content: .raw, sheet: table.name, rows: submissions + 1, limit: limits.rows)
        }
        return try removingOnFailure(file) {
            let sheets = try XLSXTableSheets(
                file: file, temporaryFolder: temporaryFolder, limits: limits, cover: cover,
                survey: export.survey.id.rawValue, content: .raw)
            try sheets.begin(table)
            try export.forEachRow(progress: progress) { try sheets.row($0) }
            try sheets.end()
            if let codebook = SurveyAnalysis.tables(of: export.survey).first(where: { $0.name == "codebook" }) {
                try sheets.begin(codebook)
                try SurveyAnalysis.writeCodebook(of: export.survey, to: sheets)
                try sheets.end()
            }
            try sheets.finish()
        }
    }
}

/// Runs `write`, which creates `file`; if it fails, the half-written file is removed.
private func removingOnFailure(_ file: URL, _ write: () throws -> Void) throws -> URL {
    do {
        try write()
    } catch {
        // `write`'s workbook is gone by now: freeing it wrote what it had, which goes too.
        try? FileManager.default.removeItem(at: file)
        throw error
    }
    return file
}

extension ResponsesExport {
    /// The raw export as a table: ``columns`` with the type of the values each holds.
    var table: TableHeader {
        let types = Self.factTypes + survey.questions.flatMap(Self.columnTypes(of:))
        return TableHeader(
            name: "responses", title: "Raw responses: one row per submission",
            columns: zip(columns, types).map { Column($0, $1) })
    }

    static let factTypes: [ColumnType] = [
        .text, .text, .text, .integer, .text, .text, .text, .text, .text, .text, .text, .text, .text,
        // campaigns: the cluster.
        .text,
    ]

    /// The types of one question's columns, in the order of ``columns(of:)``.
    static func columnTypes(of question: Question) -> [ColumnType] {
        switch question.kind {
        case .singleChoice(let list):
            [.text] + (list.allowsOther ? [.text] : [])
        case .multipleChoice(let list, _):
            list.options.map { _ in .integer } + (list.allowsOther ? [.integer, .text] : [])
        case .matrix(let items, _):
            items.map { _ in .decimal }
        case .scale, .number:
            [.decimal]
        case .text, .country, .email, .file:
            [.text]
        }
    }
}
