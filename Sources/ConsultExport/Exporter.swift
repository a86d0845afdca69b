import ConsultCore
import ConsultStore
import Foundation

/// What to export.
public enum ExportContent: String, Sendable, CaseIterable {
    /// The aggregated tables.
    case analysis
    /// One row or element per submission.
    case raw
}

/// How to export it.
public enum ExportFormat: String, Sendable, CaseIterable {
    /// CSV files (one per table for the analysis).
    case csv
    /// One XML document.
    case xml
    /// The CSV files in one ZIP archive.
    case zip
    /// One Excel workbook (issue 17): a cover sheet, then a sheet per table or the responses.
    case xlsx
    // SPSS and Stata (issue #17): the raw responses only.
    /// An SPSS system file of the raw responses (see ``StatisticalExport``).
    case sav
    /// A Stata data file of the raw responses (see ``StatisticalExport``).
    case dta
    // refiqda: REFI-QDA exchange files, whatever the content.
    /// The survey's themes as a REFI-QDA codebook.
    case qdc
    /// The survey as a REFI-QDA project: respondents, texts, themes and codings.
    case qdpx
    // Position papers (extract): respondents' files, whatever the content.
    /// The survey's current files with a manifest CSV, under the publication rules.
    case attachments

    /// The SPSS or Stata format this is, if it is one: such files hold the raw responses only.
    public var statisticalFormat: StatisticalFileFormat? {
        StatisticalFileFormat(rawValue: rawValue)
    }
}

/// An export asked for in a format that cannot hold it.
public struct UnsupportedExport: Error, CustomStringConvertible {
    public let description: String

    /// SPSS and Stata files hold the raw responses, not the analysis tables.
    static func analysis(as format: ExportFormat) -> UnsupportedExport {
        UnsupportedExport(description: "The \(format.rawValue) format holds the raw responses only: export them with --what raw.")
    }
}

/// Where an export stands, for progress bars.
public struct ExportProgress: Sendable {
    /// What is being written: a table's name, or "responses".
    public let step: String
    public let done: Int
    public let total: Int

    public init(step: String, done: Int, total: Int) {
        self.step = step
        self.done = done
        self.total = total
    }
}

/// Writes exports of a survey into a folder, streaming from the database.
public struct Exporter: Sendable {
    let database: any ConsultStorage
    let clock: @Sendable () -> Date
    /// Excel's sheet size, which XLSX exports must fit (smaller in tests).
    public var xlsxLimits = XLSXLimits.excel

    public init(database: any ConsultStorage, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.database = database
        self.clock = clock
    }

    /// Writes `content` of `survey` as `format` into `folder` (created if needed) and returns the files written.
    public func export(
        _ survey: Survey, content: ExportContent, format: ExportFormat, into folder: URL,
        csv options: CSVOptions = CSVOptions(), tables: Set<String>? = nil,
        progress: @escaping @Sendable (ExportProgress) -> Void = { _ in }
    ) async throws -> [URL] {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let generatedAt = clock()
        let window = try await database.window(of: survey)
        let limits = xlsxLimits
        if format == .qdc || format == .qdpx {
            return try await offCooperativeThreads { try refiQDA(survey, format: format, into: folder, generatedAt: generatedAt) }
        }
        // Position papers (extract).
        if format == .attachments {
            return try await offCooperativeThreads {
                try attachments(survey, into: folder, generatedAt: generatedAt, progress: progress)
            }
        }
        switch content {
        case .analysis:
            if format.statisticalFormat != nil { throw UnsupportedExport.analysis(as: format) }
            let analysis = try await SurveyAnalysis.prepare(survey: survey, database: database)
            let total = SurveyAnalysis.tables(of: survey).filter { tables?.contains($0.name) ?? true }.count
            return try await offCooperativeThreads {
                var done = 0
                let report = { (table: TableHeader) in
                    done += 1
                    progress(ExportProgress(step: table.name, done: done, total: total))
                }
                switch format {
                case .csv, .zip:
                    let sink = CSVTableFolder(folder: folder, options: options)
                    try analysis.write(to: sink, only: tables, progress: report)
                    guard format == .zip else { return sink.files }
                    return [try Self.zip(sink.files, as: folder.appendingPathComponent("analysis.zip"), modified: generatedAt)]
                case .xml:
                    let file = folder.appendingPathComponent("analysis.xml")
                    let output = try BufferedOutput(path: file.path)
                    let document = try XMLAnalysisDocument(output: output, analysis: analysis, generatedAt: generatedAt)
                    try analysis.write(to: document, only: tables, progress: report)
                    try document.finish()
                    try output.close()
                    return [file]
                case .xlsx:
                    let cover = XLSXCover(
                        survey: survey, window: window, generatedAt: generatedAt, submissions: analysis.respondents,
                        content: .analysis)
                    return [try AnalysisWorkbook.write(
                        analysis, to: folder.appendingPathComponent("analysis.xlsx"), temporaryFolder: folder,
                        cover: cover, limits: limits, tables: tables, progress: report)]
                case .sav, .dta:
                    throw UnsupportedExport.analysis(as: format)
                case .qdc, .qdpx:
                    return try refiQDA(survey, format: format, into: folder, generatedAt: generatedAt)
                case .attachments:
                    return try attachments(survey, into: folder, generatedAt: generatedAt, progress: progress)
                }
            }
        case .raw:
            let total = try await database.submissionCount(survey: survey.id)
            let export = ResponsesExport(survey: survey, database: database)
            return try await offCooperativeThreads {
                let report = { (done: Int) in progress(ExportProgress(step: "responses", done: done, total: total)) }
                switch format {
                case .csv, .zip:
                    let file = folder.appendingPathComponent("responses.csv")
                    let output = try BufferedOutput(path: file.path)
                    try export.writeCSV(to: try CSVWriter(output: output, options: options), progress: report)
                    try output.close()
                    guard format == .zip else { return [file] }
                    return [try Self.zip([file], as: folder.appendingPathComponent("responses.zip"), modified: generatedAt)]
                case .xml:
                    let file = folder.appendingPathComponent("responses.xml")
                    let output = try BufferedOutput(path: file.path)
                    try export.writeXML(to: try XMLStreamWriter(output: output), generatedAt: generatedAt, progress: report)
                    try output.close()
                    return [file]
                case .xlsx:
                    let cover = XLSXCover(survey: survey, window: window, generatedAt: generatedAt, submissions: total, content: .raw)
                    return [try ResponsesWorkbook.write(
                        export, submissions: total, to: folder.appendingPathComponent("responses.xlsx"),
                        temporaryFolder: folder, cover: cover, limits: limits, progress: report)]
                case .sav, .dta:
                    let statistical: StatisticalFileFormat = format == .sav ? .sav : .dta
                    let file = folder.appendingPathComponent("responses.\(format.rawValue)")
                    try StatisticalExport(survey: survey, format: statistical, database: database)
                        .write(to: file.path, generatedAt: generatedAt, progress: progress)
                    return [file]
                case .qdc, .qdpx:
                    return try refiQDA(survey, format: format, into: folder, generatedAt: generatedAt)
                case .attachments:
                    return try attachments(survey, into: folder, generatedAt: generatedAt, progress: progress)
                }
            }
        }
    }

    /// Zips `files` into `archive` and removes them.
    static func zip(_ files: [URL], as archive: URL, modified: Date) throws -> URL {
        try ZipBundle.create(at: archive.path, from: files.map { (name: $0.lastPathComponent, path: $0.path) }, modified: modified)
        for file in files { try FileManager.default.removeItem(at: file) }
        return archive
    }
}

/// Runs blocking work (long SQLite reads, file writes) on a dispatch queue, so that
/// Swift's few cooperative threads stay free to serve requests.
func offCooperativeThreads<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global(qos: .utility).async {
            continuation.resume(with: Result { try work() })
        }
    }
}
