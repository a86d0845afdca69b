import Foundation
import PostgresTestSupport
import Testing

/// `--db postgresql://…` (issue 18): what each command says while the engine is carried over.
@Suite struct PostgresURLCommandTests {
    static let url = "postgresql://consult:s3cret-password@127.0.0.1:1/consult"

    @Test func backupOfAPostgreSQLDatabasePointsToPgDumpAndShowsNoPassword() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("backup-\(UUID().uuidString).sqlite").path
        let run = try ConsultProcess.run("backup", "--db", Self.url, "--out", out)
        #expect(run.status != 0)
        #expect(run.errors.contains("pg_dump") && run.errors.contains("replica"))
        #expect(!run.errors.contains("s3cret") && !run.output.contains("s3cret"))
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func aCommandNotYetOnPostgreSQLIsRefusedClearlyAndCreatesNoFile() throws {
        let run = try ConsultProcess.run("generate", "neurotech-2025", "--count", "1", "--db", Self.url)
        #expect(run.status != 0)
        #expect(run.errors.contains("is a PostgreSQL database: this command runs on PostgreSQL once"))
        #expect(!run.errors.contains("s3cret"))
        // Not taken for an SQLite path: no file named after the URL appears.
        #expect(!FileManager.default.fileExists(atPath: ConsultProcess.repository.appendingPathComponent("postgresql:").path))
    }

    @Test func anUnreachableServerIsNamedWithoutItsPassword() throws {
        let run = try ConsultProcess.run("token", "list", "--db", Self.url)
        #expect(run.status != 0)
        #expect(run.errors.contains("Cannot open the PostgreSQL database postgresql://consult:***@127.0.0.1:1/consult"))
        #expect(!run.errors.contains("s3cret"))
    }

    /// Tokens, deadlines, the audit log and receipts on a PostgreSQL database, end to end through the binary.
    @Test func tokensDeadlinesAndTheAuditLogWorkOnPostgreSQL() async throws {
        try await PostgresTestDatabase.with { _, url in
            let token = try ConsultProcess.run("token", "create", "--role", "organizer", "--name", "Ana", "--db", url)
            #expect(token.status == 0, "\(token.errors)")
            #expect(token.output.trimmingCharacters(in: .newlines).count == 43)
            let list = try ConsultProcess.run("token", "list", "--db", url)
            #expect(list.status == 0 && list.output.contains("Ana"), "\(list.errors)")

            let moved = try ConsultProcess.run(
                "deadline", "set", "neurotech-2025", "--closes-at", "2025-11-17T18:00 Europe/Vienna",
                "--reason", "Extended at the request of member states", "--db", url)
            #expect(moved.status == 0, "\(moved.errors)")
            let shown = try ConsultProcess.run("deadline", "show", "neurotech-2025", "--db", url)
            #expect(shown.status == 0 && shown.output.contains("2025-11-17T17:00:00.000Z"), "\(shown.output) \(shown.errors)")

            let audit = try ConsultProcess.run("audit", "--db", url)
            #expect(audit.status == 0, "\(audit.errors)")
            #expect(audit.output.contains("token.created") && audit.output.contains("deadline.changed"))
            #expect(audit.output.contains("Extended at the request of member states"))
        }
    }
}
