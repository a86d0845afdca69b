import ArgumentParser
import ConsultCore
import ConsultExport
import Foundation

/// `consult export SURVEY`: analyst exports to files.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a survey's analysis or raw responses as CSV, XML, ZIP or XLSX.",
        discussion: """
            The analysis is a set of tables (see Exports/README.md): as CSV one file per table, as XML one \
            document valid against Exports/analysis.xsd, as ZIP the CSV files together. The raw export has \
            one row (or element) per submission. Exports stream from the database with flat memory. \
            XLSX is one Excel workbook: a cover sheet, then a sheet per table (or the responses); an \
            export beyond Excel's 1,048,576 rows is refused in favour of CSV. \
            --format attachments writes attachments.zip: respondents' current files with manifest.csv, \
            confidential respondents' files left out (see Exports/README.md).
            """
    )

    @Argument(help: "The survey id.") var survey: String
    @Option(help: "csv, xml, zip or xlsx; sav (SPSS) or dta (Stata) for the raw responses; qdc (REFI-QDA codebook) or qdpx (REFI-QDA project); attachments (respondents' files with a manifest, as a ZIP).") var format: ExportFormat = .csv
    @Option(help: "analysis (the aggregated tables) or raw (one row per submission).") var what: ExportContent = .analysis
    @Option(help: "The folder to write into (default: Exports/<survey>/<UTC timestamp>/).") var out: String?
    @Flag(help: "Start CSV files with a UTF-8 byte-order mark, for spreadsheets.") var bom = false
    @Flag(help: "End CSV lines with LF instead of CRLF.") var lf = false
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var surveys: SurveyFolderOptions

    // SPSS and Stata (issue #17): those files hold the raw responses only.
    func validate() throws {
        if format.statisticalFormat != nil && what != .raw {
            throw ValidationError("--format \(format.rawValue) writes the raw responses only: add --what raw.")
        }
    }

    func run() async throws {
        let survey = try surveys.survey(self.survey)
        let database = try await self.database.open()
        defer { try? database.close() }
        let now = Date()
        let folder = URL(fileURLWithPath: out ?? "Exports/\(survey.id)/\(Self.folderTimestamp(now))")
        let bar = ProgressBar()
        let files = try await Exporter(database: database, clock: { now }).export(
            survey, content: what, format: format, into: folder,
            csv: CSVOptions(lineEnding: lf ? .lf : .crlf, byteOrderMark: bom),
            progress: { bar.show($0) })
        bar.finish()
        for file in files { print(file.path) }
    }

    /// `20251110T170000Z`: sorts by time and is safe in any file system.
    static func folderTimestamp(_ date: Date) -> String {
        Instant.utcText(date).prefix(19).replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "") + "Z"
    }
}

extension ExportFormat: ExpressibleByArgument {}
extension ExportContent: ExpressibleByArgument {}

/// A one-line progress bar on standard error, drawn only when it is a terminal.
final class ProgressBar: @unchecked Sendable {
    // Called from the export's single worker thread only, one call after the other;
    // the lock keeps that true should that change.
    private let lock = NSLock()
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private var drawn = false

    func show(_ progress: ExportProgress) {
        guard isTerminal, progress.total > 0 else { return }
        lock.lock()
        defer { lock.unlock() }
        let width = 30
        let filled = min(width, progress.done * width / progress.total)
        let line = "\r[" + String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled) + "] "
            + "\(progress.done * 100 / progress.total)% \(progress.step) \(progress.done)/\(progress.total)   "
        FileHandle.standardError.write(Data(line.utf8))
        drawn = true
    }

    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if drawn { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
