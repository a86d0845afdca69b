import ArgumentParser
import ConsultCore
import ConsultStore

/// `consult audit`: prints the append-only audit log.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Print the audit log (deadline changes, sector re-assignments, tokens, sign-ins, export downloads).",
        discussion: """
            One line per entry. Control and text-direction characters in names, values and reasons are \
            printed as markers such as ⟨U+202E⟩, so no entry can disguise itself or the lines around it.
            """)

    @Option(help: "Only entries about this survey.") var survey: String?
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let database = try await self.database.open()
        defer { try? database.close() }
        for entry in try await database.auditLog(survey: survey) {
            let shown = UntrustedText.visible
            var line = "\(Instant.utcText(entry.at))  \(shown(entry.action))  by \(shown(entry.actor))"
            if let survey = entry.surveyID { line += "  survey \(shown(survey))" }
            if let subject = entry.subject { line += "  \(shown(subject))" }
            if entry.oldValue != nil || entry.newValue != nil {
                line += "  \(shown(entry.oldValue ?? "-")) → \(shown(entry.newValue ?? "-"))"
            }
            if let reason = entry.reason { line += "  reason: \(shown(reason))" }
            print(line)
        }
    }
}
