// Position papers (extract): the attachments export.
import ConsultCore
import ConsultStore
import Foundation

/// The survey's current files in one ZIP archive, under the publication rules, with
/// `manifest.csv` describing each (see Exports/README.md):
///
/// - a confidential respondent's files never leave: their manifest rows say `confidential` and
///   name nothing of the file;
/// - a file answering a personal question leaves only for respondents published with their
///   name (``PublicationChoice/withholding(_:)``, as for the text of answers); otherwise `personal`.
///
/// Files are stored as `files/<respondent>/<file id>.<ext>`: the respondent's own file name, which
/// may hold anything, is in the manifest only and never becomes a path.
struct AttachmentsExport {
    static let columns = [
        "respondent", "sector", "question", "file", "file_name", "kind", "size", "sha256", "pages", "characters",
        "extraction", "withheld",
    ]

    let survey: Survey
    let database: any ConsultStorage

    /// Writes `attachments.zip` into `folder`. Blocks.
    func write(into folder: URL, generatedAt: Date, progress: (Int, Int) -> Void) throws -> URL {
        let archive = folder.appendingPathComponent("attachments.zip")
        let manifest = folder.appendingPathComponent("manifest-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: manifest) }
        do {
            let zip = try StreamingZipWriter(path: archive.path, modified: generatedAt)
            let output = try BufferedOutput(path: manifest.path)
            let csv = try CSVWriter(output: output)
            try csv.writeHeader(Self.columns)
            try database.attachmentCatalog.read(survey: survey.id.rawValue) { files, content in
                for (index, entry) in files.enumerated() {
                    let file = entry.file
                    let question = survey.question(QuestionID(file.question))
                    // A question the survey no longer has: withheld, the safe reading.
                    let withheld: PublicationChoice.Withholding? = question.map { entry.publication.withholding($0) } ?? .some(.confidential)
                    var cells: [Cell] = [.text(entry.respondent), .text(entry.finalSector), .text(file.question)]
                    if let withheld {
                        cells += Array(repeating: Cell.empty, count: Self.columns.count - 4) + [Cell.text(withheld.rawValue)]
                    } else {
                        let path = "files/\(entry.respondent)/\(file.publicID).\(file.fileExtension)"
                        guard let bytes = try content(entry.id) else { continue }
                        try zip.add(name: path, data: bytes)
                        cells += [
                            .text(path), .text(file.fileName), .text(file.kind), .integer(file.size), .text(file.sha256Hex),
                            file.pages.map(Cell.integer) ?? .empty, file.characters.map(Cell.integer) ?? .empty,
                            .text(file.extraction.rawValue), .empty,
                        ]
                    }
                    try csv.writeRow(cells)
                    progress(index + 1, files.count)
                }
            }
            try output.close()
            try zip.add(name: "manifest.csv", file: manifest)
            try zip.finish()
        } catch {
            try? FileManager.default.removeItem(at: archive)
            throw error
        }
        return archive
    }
}

extension Exporter {
    /// `attachments.zip` of `survey` in `folder`. Blocks.
    func attachments(_ survey: Survey, into folder: URL, generatedAt: Date, progress: @escaping @Sendable (ExportProgress) -> Void)
        throws -> [URL]
    {
        [try AttachmentsExport(survey: survey, database: database).write(into: folder, generatedAt: generatedAt) { done, total in
            progress(ExportProgress(step: "attachments", done: done, total: total))
        }]
    }
}
