import CXLSXWriter
import Foundation

/// A libxlsxwriter call that failed, with libxlsxwriter's own explanation.
public struct XLSXWriterError: Error, CustomStringConvertible, LocalizedError {
    public let operation: String
    public let message: String

    init(_ operation: String, _ code: lxw_error) {
        self.operation = operation
        message = String(cString: lxw_strerror(code))
    }

    public var description: String { "XLSX export: \(operation) failed: \(message)" }
    public var errorDescription: String? { description }
}

/// A thin wrapper over a libxlsxwriter workbook in its constant-memory mode: each sheet's rows
/// go to a temporary file in `temporaryFolder` as they are written, so memory stays flat whatever
/// the row count. Rows of a sheet must be written in order; sheets may be written in any order.
final class XLSXWorkbook {
    private var workbook: UnsafeMutablePointer<lxw_workbook>?
    /// libxlsxwriter keeps the pointer it is given for the temporary folder: it lives as long as the workbook.
    private let temporaryFolder: UnsafeMutablePointer<CChar>

    /// Starts the workbook at `path` (written by `close()`), its temporary files in `temporaryFolder`, dated
    /// `created` (the export's time, not the clock's, so that one export made twice is the same file).
    init(path: String, temporaryFolder: String, created: Date) throws {
        guard let folder = strdup(temporaryFolder) else { throw XLSXWriterError("allocating", LXW_ERROR_MEMORY_MALLOC_FAILED) }
        self.temporaryFolder = folder
        var options = lxw_workbook_options(constant_memory: 1, tmpdir: folder, use_zip64: 1)
        guard let workbook = workbook_new_opt(path, &options) else {
            free(folder)
            throw XLSXWriterError("creating \(path)", LXW_ERROR_CREATING_XLSX_FILE)
        }
        self.workbook = workbook
        var properties = lxw_doc_properties()
        properties.created = time_t(created.timeIntervalSince1970)
        workbook_set_properties(workbook, &properties)
    }

    deinit {
        // A workbook abandoned after an error is still closed, which frees it.
        if let workbook { workbook_close(workbook) }
        free(temporaryFolder)
    }

    /// Adds a sheet; `name` must be a valid, unused sheet name (see ``SheetNames``).
    func addSheet(_ name: String) throws -> XLSXSheet {
        guard let workbook else { throw XLSXWriterError("adding sheet \(name)", LXW_ERROR_PARAMETER_VALIDATION) }
        let status = workbook_validate_sheet_name(workbook, name)
        guard status == LXW_NO_ERROR, let sheet = workbook_add_worksheet(workbook, name) else {
            throw XLSXWriterError("adding sheet \(name)", status)
        }
        return XLSXSheet(sheet)
    }

    /// A new cell format, set up by `configure`.
    func format(_ configure: (UnsafeMutablePointer<lxw_format>) -> Void) -> UnsafeMutablePointer<lxw_format>? {
        guard let workbook, let format = workbook_add_format(workbook) else { return nil }
        configure(format)
        return format
    }

    /// Assembles the sheets into the .xlsx file and frees the workbook.
    func close() throws {
        guard let workbook else { return }
        self.workbook = nil
        let status = workbook_close(workbook)
        guard status == LXW_NO_ERROR else { throw XLSXWriterError("writing the workbook", status) }
    }
}

/// One sheet of an ``XLSXWorkbook``: cells are written row after row.
final class XLSXSheet {
    private let sheet: UnsafeMutablePointer<lxw_worksheet>

    fileprivate init(_ sheet: UnsafeMutablePointer<lxw_worksheet>) {
        self.sheet = sheet
    }

    /// Writes `text` as a string cell (never a formula). It must already be encoded for XLSX (``XLSXText``).
    func writeString(_ text: String, row: Int, column: Int, format: UnsafeMutablePointer<lxw_format>? = nil) throws {
        let status = worksheet_write_string(sheet, lxw_row_t(row), lxw_col_t(column), text, format)
        guard status == LXW_NO_ERROR else { throw XLSXWriterError("writing cell \(row + 1):\(column + 1)", status) }
    }

    func writeNumber(_ value: Double, row: Int, column: Int, format: UnsafeMutablePointer<lxw_format>? = nil) throws {
        let status = worksheet_write_number(sheet, lxw_row_t(row), lxw_col_t(column), value, format)
        guard status == LXW_NO_ERROR else { throw XLSXWriterError("writing cell \(row + 1):\(column + 1)", status) }
    }

    /// Sets a column's width (in characters of the default font) and default format.
    func setColumn(_ column: Int, width: Double, format: UnsafeMutablePointer<lxw_format>? = nil) throws {
        let status = worksheet_set_column(sheet, lxw_col_t(column), lxw_col_t(column), width, format)
        guard status == LXW_NO_ERROR else { throw XLSXWriterError("setting column \(column + 1)", status) }
    }

    /// Keeps the first `rows` rows in view while scrolling.
    func freezeRows(_ rows: Int) {
        worksheet_freeze_panes(sheet, lxw_row_t(rows), 0)
    }

    /// Filter buttons on the header row over `rows` rows (header included) and `columns` columns.
    func autofilter(rows: Int, columns: Int) throws {
        guard rows > 0, columns > 0 else { return }
        let status = worksheet_autofilter(sheet, 0, 0, lxw_row_t(rows - 1), lxw_col_t(columns - 1))
        guard status == LXW_NO_ERROR else { throw XLSXWriterError("setting the filter", status) }
    }
}
