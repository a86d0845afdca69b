import ConsultCore
import ConsultStore
import Foundation
import SurveyFiles
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

@Suite struct AdministrationCommandTests {
    let folder: URL
    var db: String { folder.appendingPathComponent("consult.sqlite").path }

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    @Test func aBackupCopiesTheDatabaseAndRefusesToOverwriteOrInventOne() throws {
        #expect(try ConsultProcess.run("token", "create", "--role", "analyst", "--name", "Bo", "--db", db).status == 0)
        let copy = folder.appendingPathComponent("copy.sqlite").path
        let made = try ConsultProcess.run("backup", "--out", copy, "--db", db)
        #expect(made.status == 0, "\(made.errors)")
        #expect(made.output.hasSuffix(": 0 submissions, integrity ok\n"))
        let again = try ConsultProcess.run("backup", "--out", copy, "--db", db)
        #expect(again.status != 0)
        #expect(again.errors.contains("already exists"))
        let missing = try ConsultProcess.run("backup", "--out", copy + "2", "--db", folder.appendingPathComponent("none.sqlite").path)
        #expect(missing.status != 0)
        #expect(missing.errors.contains("There is no database"))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("none.sqlite").path))
        let audit = try ConsultProcess.run("audit", "--db", copy)
        #expect(audit.output.contains("analyst:Bo"))
    }

    @Test func anOrganizerMovesADeadlineFromTheCommandLineAndTheAuditLogShowsIt() throws {
        let token = try ConsultProcess.run("token", "create", "--role", "organizer", "--name", "Ana", "--db", db)
        #expect(token.status == 0)
        #expect(token.output.trimmingCharacters(in: .newlines).count == 43)

        let noReason = try ConsultProcess.run(
            "deadline", "set", "neurotech-2025", "--closes-at", "2025-11-17T18:00 Europe/Vienna", "--reason", " ", "--db", db)
        #expect(noReason.status != 0)
        #expect(noReason.errors.contains("--reason: say why: a reason is required."))
        // The API's and the organizer page's rule: at most 1000 characters.
        let longReason = try ConsultProcess.run(
            "deadline", "set", "neurotech-2025", "--closes-at", "2025-11-17T18:00 Europe/Vienna",
            "--reason", String(repeating: "x", count: 1001), "--db", db)
        #expect(longReason.status != 0)
        #expect(longReason.errors.contains("the reason is longer than 1000 characters"))
        let noOffset = try ConsultProcess.run(
            "deadline", "set", "neurotech-2025", "--closes-at", "2025-11-17T18:00", "--reason", "why", "--db", db)
        #expect(noOffset.status != 0)
        #expect(noOffset.errors.contains("has no UTC offset or time-zone name"))

        let moved = try ConsultProcess.run(
            "deadline", "set", "neurotech-2025", "--closes-at", "2025-11-17T18:00 Europe/Vienna",
            "--reason", "Extended at the request of member states", "--db", db)
        #expect(moved.status == 0, "\(moved.errors)")
        #expect(moved.output == "neurotech-2025: deadline moved from 2025-11-10T17:00:00.000Z to 2025-11-17T17:00:00.000Z "
            + "(2025-11-17T18:00:00.000+01:00 Europe/Vienna)\n")
        let shown = try ConsultProcess.run("deadline", "show", "neurotech-2025", "--db", db)
        #expect(shown.output.hasPrefix("neurotech-2025: closes 2025-11-17T17:00:00.000Z (2025-11-17T18:00:00.000+01:00 Europe/Vienna)"))

        let audit = try ConsultProcess.run("audit", "--db", db)
        let lines = audit.output.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.first?.contains("token.created") == true)
        #expect(lines.last?.contains("deadline.changed") == true)
        #expect(lines.last?.hasSuffix(
            "survey neurotech-2025  2025-11-10T17:00:00.000Z → 2025-11-17T17:00:00.000Z  reason: Extended at the request of member states")
            == true)
    }

    @Test func aReceiptVerifiesAndATamperedOneFails() async throws {
        let survey = try SurveyFile.load(path: ConsultProcess.repository.appendingPathComponent("Surveys/ai-risk-assessment.yaml").path)
        let body = try Data(contentsOf: ConsultProcess.repository.appendingPathComponent("Scripts/examples/ai-risk-submission.json"))
        guard case .object(let members) = try JSONDecoder().decode(JSONValue.self, from: body),
            case .object(let raw)? = members["answers"]
        else {
            Issue.record("the example is not {answers: …}")
            return
        }
        let database = try ConsultDatabase(path: db)
        let outcome = try await database.submit(try survey.check(raw, as: .submission), to: survey, receivedAt: Date())
        try database.close()
        guard case .accepted(let accepted) = outcome else {
            Issue.record("refused: \(outcome)")
            return
        }
        let receiptFile = folder.appendingPathComponent("receipt.json")
        try JSONEncoder().encode(accepted.receipt).write(to: receiptFile)
        let valid = try ConsultProcess.run("receipt", "verify", receiptFile.path, "--db", db)
        #expect(valid.status == 0)
        #expect(valid.output.contains("valid — submission \(accepted.id) version 1 to ai-risk-assessment"))

        let tampered = try String(contentsOf: receiptFile, encoding: .utf8)
            .replacingOccurrences(of: accepted.receipt.answersSHA256, with: String(repeating: "0", count: 64))
        try tampered.write(to: receiptFile, atomically: true, encoding: .utf8)
        let invalid = try ConsultProcess.run("receipt", "verify", receiptFile.path, "--db", db)
        #expect(invalid.status == 1)
        #expect(invalid.output.contains("invalid — the signature does not match the receipt's content"))
    }

    @Test func syntheticSubmissionsAreExportedFromTheCommandLine() throws {
        let generated = try ConsultProcess.run("generate", "neurotech-2025", "--count", "120", "--seed", "9", "--db", db)
        #expect(generated.status == 0, "\(generated.errors)")
        #expect(generated.output.contains("120 synthetic submissions"))

        let out = folder.appendingPathComponent("exports").path
        let zip = try ConsultProcess.run(
            "export", "neurotech-2025", "--what", "analysis", "--format", "zip", "--out", out, "--db", db)
        #expect(zip.status == 0, "\(zip.errors)")
        #expect(zip.output == "\(out)/analysis.zip\n")
        let xml = try ConsultProcess.run("export", "neurotech-2025", "--what", "raw", "--format", "xml", "--out", out, "--db", db)
        #expect(xml.output == "\(out)/responses.xml\n")
        let schema = ConsultProcess.repository.appendingPathComponent("Exports/responses.xsd").path
        let lint = Process()
        lint.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        lint.arguments = ["xmllint", "--noout", "--schema", schema, "\(out)/responses.xml"]
        try lint.run()
        lint.waitUntilExit()
        #expect(lint.terminationStatus == 0)

        let badFormat = try ConsultProcess.run("export", "neurotech-2025", "--format", "pdf", "--db", db)
        #expect(badFormat.status != 0)
        #expect(badFormat.errors.contains("pdf"))
    }

    @Test func serveRefusesToStartWithAnInvalidSurvey() throws {
        let surveys = folder.appendingPathComponent("Surveys")
        try FileManager.default.createDirectory(at: surveys, withIntermediateDirectories: true)
        try "id: broken\n".write(to: surveys.appendingPathComponent("broken.yaml"), atomically: true, encoding: .utf8)
        let run = try ConsultProcess.run("serve", "--surveys", surveys.path, "--db", db, "--port", "0")
        #expect(run.status == 1)
        #expect(run.errors.contains("broken.yaml:1:1: title: missing required key \"title\""))
        #expect(!FileManager.default.fileExists(atPath: db))
    }

    /// The real server process: it serves, and on SIGTERM finishes and closes the database.
    @Test func serveAnswersAndStopsCleanlyOnSIGTERM() async throws {
        let port = try ConsultProcess.freePort()
        let server = try ConsultProcess.start(["serve", "--db", db, "--port", String(port)])
        defer { if server.process.isRunning { server.process.terminate() } }
        #expect(try await ConsultProcess.waitUntilHealthy(port: port))
        kill(server.process.processIdentifier, SIGTERM)
        server.process.waitUntilExit()
        let run = server.finish()
        #expect(run.status == 0)
        #expect(run.errors.contains("database closed"))
        let database = try ConsultDatabase(path: db)
        defer { try? database.close() }
        #expect(try database.integrityCheck() == "ok")
    }
}
