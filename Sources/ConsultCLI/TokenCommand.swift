import ArgumentParser
import ConsultCore
import ConsultStore
import Foundation

/// `consult token …`: role tokens for organizers and analysts.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Manage organizer and analyst tokens.",
        subcommands: [TokenCreateCommand.self, TokenListCommand.self, TokenRevokeCommand.self])
}

/// `consult token create --role organizer|analyst --name NAME [--expires-in 90d | --expires-at INSTANT]`
struct TokenCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a token and print it once; only its hash is stored.",
        discussion: """
            The token goes to standard output, alone on its line; standard error says whose token it is, \
            its role, its public id (for `consult token list` and `consult token revoke`), and that it is \
            shown only this once. Without an expiry the token holds until it is revoked.
            """)

    @Option(help: "organizer or analyst.") var role: Role
    @Option(help: "Whose token it is, as the audit log will name them.") var name: String
    @Option(help: "How long the token holds, e.g. 30m, 12h, 90d or 8w.") var expiresIn: TokenLifetime?
    @Option(help: "When the token stops working, e.g. 2026-06-30T18:00:00+02:00 or \"2026-06-30T18:00 Europe/Vienna\".")
    var expiresAt: String?
    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...200).contains(trimmed.count) else { throw ValidationError("--name must have 1 to 200 characters.") }
        if let scalar = trimmed.unicodeScalars.first(where: UntrustedText.isHidden) {
            throw ValidationError(
                "--name must not hold control or text-direction characters; it has \(UntrustedText.codePoint(scalar)).")
        }
        if expiresIn != nil, expiresAt != nil { throw ValidationError("Give --expires-in or --expires-at, not both.") }
    }

    func run() async throws {
        let now = Date()
        var expiry: Date?
        if let expiresIn { expiry = now.addingTimeInterval(expiresIn.seconds) }
        if let expiresAt {
            do {
                expiry = try Instant.parse(expiresAt)
            } catch {
                throw ValidationError("--expires-at: \(error.message)")
            }
        }
        if let expiry, expiry <= now {
            throw ValidationError("--expires-at \(Instant.utcText(expiry)) is not in the future.")
        }
        let database = try await self.database.open()
        defer { try? database.close() }
        let (token, record) = try await database.issueToken(
            role: role, name: name.trimmingCharacters(in: .whitespacesAndNewlines), expiresAt: expiry,
            by: commandLineActor, at: now)
        print(token)
        // Standard output holds the bare token for scripts; what it is goes to standard error.
        printToStandardError(
            "Token \(record.id) (on standard output) is the \(record.role.rawValue) token of "
                + "\(UntrustedText.visible(record.name)), "
                + (record.expiresAt.map { "expires \(Instant.utcText($0))" } ?? "no expiry") + ".\n"
                + "It is shown only this once: only its hash is stored. `consult token revoke \(record.id)` ends it.")
    }
}

/// A token's lifetime as `--expires-in` takes it: a whole number and a unit (m, h, d or w).
struct TokenLifetime: ExpressibleByArgument {
    let seconds: TimeInterval

    init?(argument: String) {
        let units: [Character: TimeInterval] = ["m": 60, "h": 3600, "d": 86_400, "w": 7 * 86_400]
        guard let unit = argument.last.flatMap({ units[$0] }), let count = Int(argument.dropLast()), count > 0,
            count <= 100_000
        else { return nil }
        seconds = Double(count) * unit
    }
}

extension Role: ExpressibleByArgument {}
