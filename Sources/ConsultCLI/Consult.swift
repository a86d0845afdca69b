import ArgumentParser

/// The `consult` command: runs and manages public consultations.
@main
struct Consult: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consult",
        abstract: "Run public consultations: collect submissions up to a hard deadline and analyse them by sector.",
        subcommands: [
            ServeCommand.self, SurveyCommand.self, ExportCommand.self, DeadlineCommand.self, AuditCommand.self,
            TokenCommand.self, GenerateCommand.self,
            ReceiptCommand.self, BackupCommand.self, CopyCommand.self,
            // refiqda
            ThemesCommand.self,
            // lang (issue 15)
            LanguageAccuracyCommand.self,
            // Campaigns (dedup)
            CampaignsCommand.self,
        ]
    )
}
