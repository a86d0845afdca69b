// refiqda: importing a REFI-QDA codebook from the command line.
import ArgumentParser
import ConsultCore
import ConsultExport
import ConsultStore
import Foundation

/// `consult themes`: a survey's codebook of themes.
struct ThemesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "themes",
        abstract: "Manage a survey's themes (the reading room's codebook).",
        subcommands: [ThemesImportCommand.self]
    )
}

/// `consult themes import SURVEY FILE.qdc`
struct ThemesImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Add the codes of a REFI-QDA codebook (.qdc) to a survey's themes.",
        discussion: """
            The file must be valid against the REFI-QDA Codebook.xsd and nest at most three levels. Top-level \
            codes become top-level themes; a code with isCodable="false" becomes a retired theme. All codes are \
            added in one transaction, audited as themes.imported; on any problem nothing is added. \
            Export a codebook with `consult export SURVEY --format qdc`.
            """
    )

    @Argument(help: "The survey id.") var survey: String
    @Argument(help: "The .qdc file.") var file: String
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var surveys: SurveyFolderOptions

    func run() async throws {
        let survey = try surveys.survey(self.survey)
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            throw ValidationError("\(file): cannot read the file.")
        }
        let themes: [CodebookTheme]
        do {
            themes = try REFIQDACodebook.read(data)
        } catch let error as CodebookFileError {
            throw ValidationError(error.problems.map { $0.replacingOccurrences(of: "codebook.qdc:", with: "\(file):") }
                .joined(separator: "\n"))
        }
        guard !themes.isEmpty else { throw ValidationError("\(file): the codebook has no codes.") }
        let database = try await self.database.open()
        defer { try? database.close() }
        do {
            let result = try await database.codebookImporter.importThemes(themes, into: survey.id, by: commandLineActor, at: Date())
            print("\(survey.id): \(result.created) themes imported from \(file)")
            for (old, new) in result.renamedGUIDs.sorted(by: { $0.key < $1.key }) {
                print("guid \(old) was already used: the theme got \(new)")
            }
        } catch let refusal as CodebookImportRefusal {
            throw ValidationError("\(file): \(refusal.message)")
        }
    }
}
