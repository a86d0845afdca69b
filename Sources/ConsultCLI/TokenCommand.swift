import ArgumentParser
import ConsultStore
import Foundation

/// `consult token …`: role tokens for organizers and analysts.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Manage organizer and analyst tokens.", subcommands: [TokenCreateCommand.self])
}

/// `consult token create --role organizer|analyst --name NAME`
struct TokenCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a token and print it once; only its hash is stored.")

    @Option(help: "organizer or analyst.") var role: Role
    @Option(help: "Whose token it is, as the audit log will name them.") var name: String
    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...200).contains(trimmed.count) else { throw ValidationError("--name must have 1 to 200 characters.") }
    }

    func run() async throws {
        let database = try self.database.open()
        defer { try? database.close() }
        let token = try await database.createToken(
            role: role, name: name.trimmingCharacters(in: .whitespacesAndNewlines), at: Date())
        print(token)
    }
}

extension Role: ExpressibleByArgument {}
