import ConsultCore
import ConsultStore
import Foundation
import Testing

/// `consult token list` and `consult token revoke`, and the audit log as the terminal shows it.
@Suite struct TokenCommandTests {
    let folder: URL
    var db: String { folder.appendingPathComponent("consult.sqlite").path }

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    /// The cells of `consult token list`'s lines, which two or more spaces separate.
    private static func columns(_ output: String) -> [[String]] {
        output.split(separator: "\n").map { line in
            line.components(separatedBy: "  ").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
    }

    /// The public id `consult token create` reports on standard error.
    private func publicID(_ run: ConsultProcess.Run) -> String? {
        run.errors.split(separator: " ").first { $0.hasPrefix("tk-") }.map(String.init)
    }

    @Test func tokensAreListedWithoutTheirSecretAndRevokedByID() throws {
        let analyst = try ConsultProcess.run("token", "create", "--role", "analyst", "--name", "Bo Berg", "--db", db)
        #expect(analyst.status == 0, "\(analyst.errors)")
        let secret = analyst.output.trimmingCharacters(in: .newlines)
        let id = try #require(publicID(analyst))
        let organizer = try ConsultProcess.run(
            "token", "create", "--role", "organizer", "--name", "Ana", "--expires-in", "90d", "--db", db)
        #expect(organizer.status == 0, "\(organizer.errors)")
        #expect(organizer.errors.contains("expires 20"))

        let listed = try ConsultProcess.run("token", "list", "--db", db)
        #expect(listed.status == 0)
        let rows = Self.columns(listed.output)
        try #require(rows.count == 3 && rows.allSatisfy { $0.count == 7 })
        #expect(rows.first == ["ID", "ROLE", "STATE", "CREATED", "LAST USED", "EXPIRES", "HOLDER"])
        #expect(rows[1][0] == id && rows[1][1...2] == ["analyst", "active"] && rows[1][4...6] == ["never", "never", "Bo Berg"])
        #expect(rows[2][1...2] == ["organizer", "active"] && rows[2][5].hasPrefix("20"))
        #expect(!listed.output.contains(secret))

        let revoked = try ConsultProcess.run("token", "revoke", id, "--reason", "Left the team", "--db", db)
        #expect(revoked.status == 0, "\(revoked.errors)")
        #expect(revoked.output.contains("Revoked \(id)"))
        let afterRevoking = Self.columns(try ConsultProcess.run("token", "list", "--db", db).output)
        try #require(afterRevoking.count == 3 && afterRevoking[1].count == 7)
        #expect(afterRevoking[1][0...2] == [id, "analyst", "revoked"])

        let again = try ConsultProcess.run("token", "revoke", id, "--db", db)
        #expect(again.status != 0)
        #expect(again.errors.contains("was already revoked"))
        let unknown = try ConsultProcess.run("token", "revoke", "tk-0000000000", "--db", db)
        #expect(unknown.status != 0)
        #expect(unknown.errors.contains("There is no token tk-0000000000"))

        let audit = try ConsultProcess.run("audit", "--db", db).output.split(separator: "\n")
        let user = ProcessInfo.processInfo.environment["USER"] ?? "unknown"
        #expect(audit.count == 3)
        #expect(audit[0].contains("token.created  by cli:\(user)  analyst:Bo Berg (\(id))"))
        #expect(audit[1].contains("token.created") && audit[1].contains("→ expires 20"))
        #expect(audit[2].hasSuffix("token.revoked  by cli:\(user)  analyst:Bo Berg (\(id))  reason: Left the team"))
    }

    @Test func badExpiriesAndHiddenCharactersInNamesAreRefused() throws {
        let cases: [([String], String)] = [
            (["--expires-in", "soon"], "expires-in"),
            (["--expires-in", "0d"], "expires-in"),
            (["--expires-in", "1d", "--expires-at", "2099-01-01T00:00:00Z"], "not both"),
            (["--expires-at", "2020-01-01T00:00:00Z"], "is not in the future"),
            (["--expires-at", "2099-01-01T00:00"], "has no UTC offset"),
        ]
        for (options, message) in cases {
            let run = try ConsultProcess.run(
                ["token", "create", "--role", "analyst", "--name", "Bo", "--db", db] + options)
            #expect(run.status != 0, "\(options)")
            #expect(run.errors.contains(message), "\(options): \(run.errors)")
        }
        let spoofing = try ConsultProcess.run("token", "create", "--role", "analyst", "--name", "Eve\u{202E}nimda", "--db", db)
        #expect(spoofing.status != 0)
        #expect(spoofing.errors.contains("it has U+202E"))
        #expect(try ConsultProcess.run("token", "list", "--db", db).output.split(separator: "\n").count == 1)
    }

    @Test func theAuditLogOnATerminalShowsControlCharactersInsteadOfObeyingThem() throws {
        let moved = try ConsultProcess.run(
            "deadline", "set", "neurotech-2025", "--closes-at", "2025-11-17T18:00 Europe/Vienna",
            "--reason", "ok\u{202E} gnol\u{1B}[2J\u{1B}]0;title\u{07}\nfake line", "--db", db)
        #expect(moved.status == 0, "\(moved.errors)")
        let audit = try ConsultProcess.run("audit", "--db", db)
        #expect(audit.status == 0)
        #expect(audit.output.hasSuffix(
            "reason: ok⟨U+202E⟩ gnol⟨U+001B⟩[2J⟨U+001B⟩]0;title⟨U+0007⟩⟨U+000A⟩fake line\n"))
        #expect(audit.output.split(separator: "\n").count == 1)
        for raw in ["\u{202E}", "\u{1B}", "\u{07}"] { #expect(!audit.output.contains(raw)) }
    }

    @Test func createPrintsTheBareTokenAndSaysOnStandardErrorWhoseItIsAndThatItIsShownOnce() throws {
        let run = try ConsultProcess.run("token", "create", "--role", "organizer", "--name", "Ana Silva", "--db", db)
        #expect(run.status == 0, "\(run.errors)")
        // Standard output is the token and nothing else, so `$(consult token create …)` is the token.
        #expect(run.output.wholeMatch(of: /[A-Za-z0-9_-]{43}\n/) != nil, "\(run.output)")
        let token = run.output.trimmingCharacters(in: .newlines)
        let id = try #require(publicID(run))
        #expect(run.errors.contains("Token \(id) (on standard output) is the organizer token of Ana Silva, no expiry."))
        #expect(run.errors.contains("It is shown only this once"))
        #expect(!run.errors.contains(token))
        let listed = Self.columns(try ConsultProcess.run("token", "list", "--db", db).output)
        #expect(listed.count == 2 && listed[1].first == id && listed[1].last == "Ana Silva")
    }
}

extension ConsultProcess {
    static func run(_ arguments: [String]) throws -> Run {
        let process = try start(arguments)
        process.process.waitUntilExit()
        return process.finish()
    }
}
