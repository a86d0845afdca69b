// Position papers (extract): `consult export --format attachments`.
import Foundation
import Testing

@Suite struct AttachmentsExportCommandTests {
    let folder: URL
    var db: String { folder.appendingPathComponent("consult.sqlite").path }

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("cli-attachments-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    func run(_ program: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [program] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(program) \(arguments)")
        return String(decoding: data, as: UTF8.self)
    }

    @Test func theCommandLineExportsTheFilesWithTheirManifest() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try ConsultProcess.run("generate", "neurotech-2025", "--count", "2", "--seed", "3", "--db", db).status == 0)
        // One file on each submission (inserted as the files part stores them): the first respondent
        // published anonymously, the second confidential.
        _ = try run("sqlite3", [db, """
            UPDATE submission SET publication = CASE seq WHEN 1 THEN 'public_anonymous' ELSE 'confidential' END;
            INSERT INTO attachment (public_id, survey_id, question, submission_seq, file_name, kind, size, sha256, uploaded_at_ms, content)
            SELECT 'f-' || seq, 'neurotech-2025', 'sector', seq, 'Paper ' || seq || '.txt', 'text', 11,
                X'b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9', 0, CAST('hello world' AS BLOB)
            FROM submission;
            """])
        let out = folder.appendingPathComponent("exports").path
        let export = try ConsultProcess.run("export", "neurotech-2025", "--format", "attachments", "--out", out, "--db", db)
        #expect(export.status == 0, "\(export.errors)")
        #expect(export.output == "\(out)/attachments.zip\n")
        let listing = try run("python3", ["-c", """
            import csv, io, sys, zipfile
            z = zipfile.ZipFile(sys.argv[1])
            assert z.testzip() is None
            print(sorted(z.namelist()))
            for row in csv.DictReader(io.TextIOWrapper(z.open("manifest.csv"), encoding="utf-8", newline="")):
                print(row["file_name"], row["extraction"], row["withheld"], row["sha256"][:8])
            """, "\(out)/attachments.zip"])
        let lines = listing.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("['files/r-") && lines[0].hasSuffix("/f-1.txt', 'manifest.csv']"))
        #expect(lines.contains("Paper 1.txt pending  b94d27b9"))
        #expect(lines.contains("  confidential "))
    }
}
