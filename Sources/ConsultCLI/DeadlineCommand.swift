import ArgumentParser
import ConsultStore
import ConsultCore
import Foundation

/// `consult deadline …`: organizers' control of a survey's deadline.
struct DeadlineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deadline",
        abstract: "Show or move a survey's deadline.",
        subcommands: [DeadlineSetCommand.self, DeadlineShowCommand.self]
    )
}

/// `consult deadline set SURVEY --closes-at … --reason …`
struct DeadlineSetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Move a survey's deadline; the change and its reason go to the audit log.",
        discussion: "The new deadline holds across restarts and wins over the survey file's closes_at."
    )

    @Argument(help: "The survey id.") var survey: String
    @Option(help: "The new deadline, e.g. 2025-11-17T18:00:00+01:00 or \"2025-11-17T18:00 Europe/Vienna\".")
    var closesAt: String
    @Option(help: "Why the deadline moves (required).") var reason: String
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var surveys: SurveyFolderOptions

    func validate() throws {
        do {
            _ = try AuditReason(reason)
        } catch {
            throw ValidationError("--reason: \(error.message).")
        }
    }

    func run() async throws {
        let closesAt: Date
        do {
            closesAt = try Instant.parse(self.closesAt)
        } catch {
            throw ValidationError("--closes-at: \(error.message)")
        }
        let survey = try surveys.survey(self.survey)
        let database = try await self.database.open()
        defer { try? database.close() }
        do {
            let previous = try await database.moveDeadline(
                of: survey, to: closesAt, actor: commandLineActor,
                reason: try AuditReason(reason).text, at: Date())
            print("\(survey.id): deadline moved from \(Instant.utcText(previous)) to \(Instant.utcText(closesAt)) "
                + "(\(Instant.localText(closesAt, in: survey.timeZone)) \(survey.timeZone.identifier))")
        } catch let refusal as DeadlineRefusal {
            throw ValidationError(refusal.message)
        }
    }
}

/// `consult deadline show SURVEY`
struct DeadlineShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Print the deadline in force, in UTC and in the survey's zone.")

    @Argument(help: "The survey id.") var survey: String
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var surveys: SurveyFolderOptions

    func run() async throws {
        let survey = try surveys.survey(self.survey)
        let database = try await self.database.open()
        defer { try? database.close() }
        let window = try await database.window(of: survey)
        print("\(survey.id): closes \(Instant.utcText(window.closesAt)) "
            + "(\(Instant.localText(window.closesAt, in: survey.timeZone)) \(survey.timeZone.identifier)); "
            + window.status(at: Date()).rawValue)
    }
}
