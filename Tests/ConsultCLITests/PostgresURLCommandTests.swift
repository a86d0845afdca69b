import Foundation
import PostgresTestSupport
import Testing

/// `--db postgresql://…` (issue 18): every command on a throw-away PostgreSQL database, through the binary.
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

    /// `generate`, `export` and `copy` on PostgreSQL: a consultation generated there, copied to a new SQLite file,
    /// exports byte for byte what it exports on PostgreSQL (raw and analysis); a copy into a database that holds one
    /// is refused and changes nothing.
    @Test func generateExportAndCopyWorkOnPostgreSQL() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pg-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let sqlite = folder.appendingPathComponent("copied.sqlite").path
        try await PostgresTestDatabase.with { _, url in
            let generated = try await ConsultProcess.awaitRun("generate", "neurotech-2025", "--count", "120", "--seed", "7", "--db", url)
            #expect(generated.status == 0, "\(generated.errors)")
            let copy = try await ConsultProcess.awaitRun("copy", "--from", url, "--to", sqlite)
            #expect(copy.status == 0, "\(copy.errors)")
            #expect(copy.output.contains("120 submissions"), "\(copy.output)")
            func export(_ db: String, _ what: String, _ format: String, into name: String) async throws -> [String: Data] {
                let out = folder.appendingPathComponent(name)
                let run = try await ConsultProcess.awaitRun(
                    "export", "neurotech-2025", "--what", what, "--format", format, "--out", out.path, "--db", db)
                #expect(run.status == 0, "\(run.errors)")
                var files: [String: Data] = [:]
                for file in try FileManager.default.contentsOfDirectory(atPath: out.path) {
                    files[file] = try Data(contentsOf: out.appendingPathComponent(file))
                }
                return files
            }
            let raw = try await export(url, "raw", "csv", into: "pg-raw")
            #expect(raw["responses.csv"].map { $0.count > 10_000 } == true)
            #expect(try await export(sqlite, "raw", "csv", into: "sqlite-raw") == raw)
            let analysis = try await export(url, "analysis", "csv", into: "pg-analysis")
            #expect(analysis.count > 5)
            #expect(try await export(sqlite, "analysis", "csv", into: "sqlite-analysis") == analysis)

            let refused = try await ConsultProcess.awaitRun("copy", "--from", sqlite, "--to", url)
            #expect(refused.status != 0)
            #expect(refused.errors.contains("already holds data"), "\(refused.errors)")
            #expect(try await export(url, "raw", "csv", into: "pg-raw-after") == raw)
        }
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
            let token = try await ConsultProcess.awaitRun("token", "create", "--role", "organizer", "--name", "Ana", "--db", url)
            #expect(token.status == 0, "\(token.errors)")
            #expect(token.output.trimmingCharacters(in: .newlines).count == 43)
            let list = try await ConsultProcess.awaitRun("token", "list", "--db", url)
            #expect(list.status == 0 && list.output.contains("Ana"), "\(list.errors)")

            let moved = try await ConsultProcess.awaitRun(
                "deadline", "set", "neurotech-2025", "--closes-at", "2025-11-17T18:00 Europe/Vienna",
                "--reason", "Extended at the request of member states", "--db", url)
            #expect(moved.status == 0, "\(moved.errors)")
            let shown = try await ConsultProcess.awaitRun("deadline", "show", "neurotech-2025", "--db", url)
            #expect(shown.status == 0 && shown.output.contains("2025-11-17T17:00:00.000Z"), "\(shown.output) \(shown.errors)")

            let audit = try await ConsultProcess.awaitRun("audit", "--db", url)
            #expect(audit.status == 0, "\(audit.errors)")
            #expect(audit.output.contains("token.created") && audit.output.contains("deadline.changed"))
            #expect(audit.output.contains("Extended at the request of member states"))
        }
    }
}
