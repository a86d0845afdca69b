import ArgumentParser
import ConsultCore
import Foundation
import SurveyFiles

/// `consult survey validate FILE…`: checks survey definitions the way the server will load them.
struct SurveyValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check survey definition files.",
        discussion: """
            Prints one summary line per valid file (questions, sections, sectors, and the deadline \
            in UTC and in the survey's time zone). For a file with problems, prints each one as \
            FILE:LINE:COLUMN: FIELD: MESSAGE and exits with status 1. See Surveys/README.md for the format.
            """
    )

    @Argument(help: ArgumentHelp("Survey files to check.", valueName: "file"))
    var files: [String]

    func validate() throws {
        guard !files.isEmpty else {
            throw ValidationError("Name at least one survey file, e.g. consult survey validate Surveys/*.yaml")
        }
    }

    func run() throws {
        let now = Date()
        var failed = false
        for file in files {
            do {
                let survey = try SurveyFile.load(path: file)
                print("\(file): ok — \(survey.summary(at: now))")
            } catch {
                failed = true
                printToStandardError(error.description)
            }
        }
        if failed { throw ExitCode.failure }
    }
}
