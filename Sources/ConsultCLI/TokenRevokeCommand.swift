import ArgumentParser
import ConsultCore
import ConsultStore
import Foundation

/// `consult token revoke ID [--reason TEXT]`: ends a token at once.
struct TokenRevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Revoke a token at once: the API refuses it and its browsers are signed out.",
        discussion: "ID is the token's public id, as `consult token list` shows it (e.g. tk-3f9a0c1b2d). Audited.")

    @Argument(help: "The token's public id.") var id: String
    @Option(help: "Why the token is revoked, for the audit log.") var reason: String?
    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        do {
            _ = try reason.map(AuditReason.init)
        } catch {
            throw ValidationError("--reason: \(error.message).")
        }
    }

    func run() async throws {
        let database = try await self.database.open()
        defer { try? database.close() }
        do {
            let token = try await database.revokeToken(
                id: id, by: commandLineActor, reason: try reason.map(AuditReason.init)?.text, at: Date())
            print("Revoked \(token.id) (\(token.role.rawValue) \(UntrustedText.visible(token.name))); "
                + "its browser sessions are signed out.")
        } catch let failure as TokenRevocationFailure {
            printToStandardError("consult token revoke: \(UntrustedText.visible(failure.message))")
            throw ExitCode.failure
        }
    }
}
