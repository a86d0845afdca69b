import ArgumentParser
import ConsultCore
import ConsultStore
import Foundation

/// `consult token list`: every role token with its holder and state, never the token itself.
struct TokenListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the tokens: id, role, state, created, last used, expiry and holder (never the token).")

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let database = try await self.database.open()
        defer { try? database.close() }
        let now = Date()
        let rows = try await database.roleTokens().map { token in
            [
                token.id, token.role.rawValue, token.state(at: now).rawValue, Self.time(token.createdAt),
                token.lastUsedAt.map(Self.time) ?? "never", token.expiresAt.map(Self.time) ?? "never",
                UntrustedText.visible(token.name),
            ]
        }
        let header = ["ID", "ROLE", "STATE", "CREATED", "LAST USED", "EXPIRES", "HOLDER"]
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        for row in [header] + rows {
            print(zip(row, widths).map { $0.0.padding(toLength: $0.1, withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces))
        }
    }

    /// An instant to the second, in UTC.
    private static func time(_ date: Date) -> String {
        Instant.utcText(Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)))
    }
}
