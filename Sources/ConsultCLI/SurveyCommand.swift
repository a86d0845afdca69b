import ArgumentParser

/// `consult survey …`: work with survey definition files.
struct SurveyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "survey",
        abstract: "Work with survey definition files.",
        subcommands: [SurveyValidateCommand.self]
    )
}
