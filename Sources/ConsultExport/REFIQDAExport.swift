// refiqda: REFI-QDA files as exports.
import ConsultCore
import ConsultStore
import Foundation

/// A REFI-QDA export that cannot be made.
public enum REFIQDAExportError: Error, CustomStringConvertible {
    /// A codebook needs at least one code, and the survey has no themes.
    case noThemes(SurveyID)

    public var description: String {
        switch self {
        case .noThemes(let survey): "Survey \(survey) has no themes yet, and a REFI-QDA codebook needs at least one."
        }
    }
}

extension Exporter {
    /// Writes `codebook.qdc` or `project.qdpx` of `survey` into `folder`. Blocks.
    func refiQDA(_ survey: Survey, format: ExportFormat, into folder: URL, generatedAt: Date) throws -> [URL] {
        if format == .qdc {
            let themes = try database.codedTexts.read(survey: survey.id) { try $0.themes() }
            guard !themes.isEmpty else { throw REFIQDAExportError.noThemes(survey.id) }
            let file = folder.appendingPathComponent("codebook.qdc")
            let output = try BufferedOutput(path: file.path)
            try REFIQDACodebook.write(themes, to: output)
            try output.close()
            return [file]
        }
        let scratch = folder.appendingPathComponent("qdpx-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let file = folder.appendingPathComponent("project.qdpx")
        do {
            try REFIQDAProject(survey: survey, database: database, generatedAt: generatedAt).write(to: file, scratch: scratch)
        } catch {
            try? FileManager.default.removeItem(at: file)
            throw error
        }
        return [file]
    }
}
