import ArgumentParser
import ConsultCore
import ConsultStore

/// `consult audit`: prints the append-only audit log.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Print the audit log (deadline changes, sector re-assignments, tokens, sign-ins, export downloads).")

    @Option(help: "Only entries about this survey.") var survey: String?
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let database = try self.database.open()
        defer { try? database.close() }
        for entry in try await database.auditLog(survey: survey) {
            var line = "\(Instant.utcText(entry.at))  \(entry.action)  by \(entry.actor)"
            if let survey = entry.surveyID { line += "  survey \(survey)" }
            if let subject = entry.subject { line += "  \(subject)" }
            if entry.oldValue != nil || entry.newValue != nil {
                line += "  \(entry.oldValue ?? "-") → \(entry.newValue ?? "-")"
            }
            if let reason = entry.reason { line += "  reason: \(reason)" }
            print(line)
        }
    }
}
