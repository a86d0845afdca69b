import CXLSXWriter
import ConsultCore
import Foundation

/// Excel's sheet size, injectable so that tests can reach it.
public struct XLSXLimits: Sendable, Hashable {
    /// Rows in a sheet, its header row included.
    public var rows: Int

    public init(rows: Int) {
        self.rows = rows
    }

    /// Excel's own: 1,048,576 rows.
    public static let excel = XLSXLimits(rows: 1_048_576)
}

/// An export that does not fit an Excel sheet. Nothing is written; the CSV export holds it all.
public struct XLSXRowLimitExceeded: Error, CustomStringConvertible, LocalizedError {
    public let survey: String
    public let content: ExportContent
    /// The sheet that overflowed: `responses`, or an analysis table.
    public let sheet: String
    /// The rows the sheet needs, its header included, when known before writing (nil: found while writing).
    public let rows: Int?
    public let limit: Int

    public init(survey: String, content: ExportContent, sheet: String, rows: Int?, limit: Int) {
        self.survey = survey
        self.content = content
        self.sheet = sheet
        self.rows = rows
        self.limit = limit
    }

    /// The CSV export to use instead, as the API serves it.
    public var csvRoute: String {
        "/api/v1/surveys/\(survey)/" + (content == .raw ? "responses.csv" : "analysis.zip")
    }

    public var description: String {
        let needs = rows.map { "needs \($0) rows" } ?? "needs more than \(limit) rows"
        return "The \(sheet) sheet \(needs) with its header; an Excel sheet holds at most \(limit), so no XLSX file "
            + "was written. Use the CSV export instead, which has no row limit: "
            + "consult export \(survey) --what \(content.rawValue) --format csv, or GET \(csvRoute)."
    }

    public var errorDescription: String? { description }
}

/// Writes tables as sheets of an XLSX workbook (libxlsxwriter, constant memory): one sheet per
/// table named after it, a bold header row that stays in view and carries filter buttons, numbers
/// as number cells (percent columns as fractions with a percent format), text as string cells
/// (never formulas; see ``XLSXText``), and column widths fitted to the first rows.
/// A cover sheet, first in the workbook, is written by ``finish()``.
public final class XLSXTableSheets: TableSink {
    private let workbook: XLSXWorkbook
    private let file: URL
    private let limits: XLSXLimits
    private let cover: XLSXCover
    private let overflow: (String, Int?) -> XLSXRowLimitExceeded
    private let coverSheet: XLSXSheet
    private var names = SheetNames()
    private let bold, percent: UnsafeMutablePointer<lxw_format>?
    private var current: (sheet: XLSXSheet, table: TableHeader, name: String)?
    private var row = 0
    private var widths: [Int] = []
    /// Per column of the current table: whether it holds percentages.
    private var percentColumns: [Bool] = []
    /// Sheets written so far: their names and titles, for the cover.
    private var sheets: [(name: String, title: String)] = []
    /// Text cells cut at Excel's limit.
    public private(set) var cutCells = 0

    /// Rows whose text lengths set the column widths: enough to be representative, few enough to cost nothing.
    static let measuredRows = 1_000

    /// Starts the workbook at `file`, its temporary files in `temporaryFolder`, with `cover` for its first sheet.
    init(file: URL, temporaryFolder: URL, limits: XLSXLimits, cover: XLSXCover, survey: String, content: ExportContent) throws {
        workbook = try XLSXWorkbook(path: file.path, temporaryFolder: temporaryFolder.path, created: cover.generatedAt)
        self.file = file
        self.limits = limits
        self.cover = cover
        overflow = { sheet, rows in
            XLSXRowLimitExceeded(survey: survey, content: content, sheet: sheet, rows: rows, limit: limits.rows)
        }
        coverSheet = try workbook.addSheet(names.unique("cover"))
        bold = workbook.format { format_set_bold($0) }
        percent = workbook.format { format_set_num_format($0, "0.00%") }
    }

    /// The refusal for a sheet known to need `rows` rows (header included), or nil when they fit.
    func refusal(sheet: String, rows: Int) -> XLSXRowLimitExceeded? {
        rows > limits.rows ? overflow(sheet, rows) : nil
    }

    public func begin(_ table: TableHeader) throws {
        let name = names.unique(table.name)
        let sheet = try workbook.addSheet(name)
        for (column, header) in table.columns.enumerated() {
            try sheet.writeString(XLSXText.encoded(header.name).text, row: 0, column: column, format: bold)
        }
        current = (sheet, table, name)
        row = 1
        // Room for the header's text and its filter button.
        widths = table.columns.map { $0.name.count + 3 }
        percentColumns = table.columns.map(Self.isPercent)
    }

    public func row(_ cells: [Cell]) throws {
        guard let (sheet, _, name) = current else { return }
        guard row < limits.rows else { throw overflow(name, nil) }
        for (column, cell) in cells.enumerated() {
            let isPercent = column < percentColumns.count && percentColumns[column]
            switch cell {
            case .text(let text):
                guard !text.isEmpty else { continue }
                let (written, cut) = XLSXText.encoded(text)
                if cut { cutCells += 1 }
                try sheet.writeString(written, row: row, column: column)
            case .integer(let value):
                try sheet.writeNumber(Double(value), row: row, column: column)
            case .decimal:
                // The CSV's rounded figure, so that both exports hold the same value.
                guard let value = Double(cell.text) else { continue }
                try sheet.writeNumber(isPercent ? value / 100 : value, row: row, column: column, format: isPercent ? percent : nil)
            case .number(let value):
                try sheet.writeNumber(value, row: row, column: column)
            case .empty:
                continue
            }
            if row <= Self.measuredRows && column < widths.count {
                widths[column] = max(widths[column], isPercent ? 9 : Self.displayLength(cell))
            }
        }
        row += 1
    }

    public func end() throws {
        guard let (sheet, table, name) = current else { return }
        for (column, width) in widths.enumerated() {
            try sheet.setColumn(column, width: Double(min(max(width + 1, 8), 60)))
        }
        sheet.freezeRows(1)
        try sheet.autofilter(rows: row, columns: table.columns.count)
        sheets.append((name, table.title))
        current = nil
    }

    /// Writes the cover sheet and the workbook's file.
    public func finish() throws {
        var rows = cover.rows
        for sheet in sheets { rows.append(("sheet \(sheet.name)", .text(sheet.title))) }
        rows.append(("cells cut at 32,767 characters", .integer(cutCells)))
        try coverSheet.writeString("about", row: 0, column: 0, format: bold)
        try coverSheet.writeString("value", row: 0, column: 1, format: bold)
        var widths = (5, 5)
        for (index, (label, value)) in rows.enumerated() {
            try coverSheet.writeString(XLSXText.encoded(label).text, row: index + 1, column: 0)
            switch value {
            case .integer(let number): try coverSheet.writeNumber(Double(number), row: index + 1, column: 1)
            case .empty: break
            default: try coverSheet.writeString(XLSXText.encoded(value.text).text, row: index + 1, column: 1)
            }
            widths = (max(widths.0, label.count), max(widths.1, value.text.count))
        }
        try coverSheet.setColumn(0, width: Double(min(widths.0 + 2, 45)))
        try coverSheet.setColumn(1, width: Double(min(widths.1 + 2, 100)))
        coverSheet.freezeRows(1)
        try workbook.close()
    }

    /// Whether a column holds percentages: `percent`, `percent_of_sector`.
    static func isPercent(_ column: Column) -> Bool {
        column.type == .decimal && column.name.hasPrefix("percent")
    }

    /// About how many characters wide a cell shows: its longest line.
    private static func displayLength(_ cell: Cell) -> Int {
        guard case .text(let text) = cell else { return cell.text.count }
        return text.split(separator: "\n", omittingEmptySubsequences: false).map(\.count).max() ?? 0
    }
}
