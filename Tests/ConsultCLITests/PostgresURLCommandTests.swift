import Foundation
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

    @Test func aCommandOnAPostgreSQLDatabaseIsRefusedClearlyAndCreatesNoFile() throws {
        let run = try ConsultProcess.run("token", "list", "--db", Self.url)
        #expect(run.status != 0)
        #expect(run.errors.contains("PostgreSQL database"))
        #expect(!run.errors.contains("s3cret"))
        // Not taken for an SQLite path: no file named after the URL appears.
        #expect(!FileManager.default.fileExists(atPath: ConsultProcess.repository.appendingPathComponent("postgresql:").path))
    }
}
