import ConsultCore
import ConsultStore
import Foundation
import HummingbirdTesting
import Testing

@testable import ConsultServer

/// Names and reasons on the staff pages cannot reorder or hide what surrounds them.
@Suite struct UntrustedTextPageTests {
    @Test func controlAndDirectionCharactersInNamesAndReasonsAreIsolatedAndShown() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let now = server.clock.now()
        let database = try server.openDatabase()
        // A name made outside the CLI's checks (e.g. by an older version), and a reason from the API.
        let token = try await database.createToken(role: .organizer, name: "Eve\u{202E}nimda", by: "cli:ops", at: now)
        _ = try await database.moveDeadline(
            of: server.survey, to: testDeadline.addingTimeInterval(86_400), actor: "organizer:Eve\u{202E}nimda",
            reason: "ok\u{202E} gnol\u{1B}[2J\u{07}done", at: now)
        try database.close()
        try await server.run { client in
            let browser = FormBrowser(client)
            _ = try await browser.get("/sign-in")
            #expect(try await browser.post("/sign-in", [("token", token)]).location == "/organizer")
            let page = try await browser.get("/organizer/s/consult-test")
            #expect(page.status == .ok)
            let marker = { (code: String) in #"<span class="hidden-char" title="A hidden character, shown by its code point">⟨"#
                + code + "⟩</span>"
            }
            #expect(page.html.contains("because “<bdi>ok" + marker("U+202E") + " gnol" + marker("U+001B") + "[2J"
                + marker("U+0007") + "done</bdi>”."))
            #expect(page.html.contains("<td><bdi>Eve" + marker("U+202E") + "nimda</bdi> (organizer) moved the deadline from "))
            #expect(page.html.contains("<bdi>ops</bdi> (command line) created a token for <bdi>Eve" + marker("U+202E")
                + "nimda</bdi> (organizer, tk-"))
            #expect(page.html.contains("Signed in as <bdi>Eve" + marker("U+202E") + "nimda</bdi> (organizer)"))
            for raw in ["\u{202E}", "\u{1B}", "\u{07}"] {
                #expect(!page.html.contains(raw), "a raw \(UntrustedText.visible(raw)) reached the page")
            }
        }
    }

    @Test func aReasonWithANulIsRefusedSinceTheAuditLogWouldCutItThere() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let organizer = try await server.token(.organizer)
        try await server.run { client in
            let refused = try await client.send(
                .put, "/api/v1/surveys/consult-test/deadline",
                json: .object(["closes_at": .string("2025-11-17T18:00:00+01:00"), "reason": .string("ok\u{0}, and more")]),
                token: organizer)
            #expect(refused.status == .unprocessableContent)
            #expect("\(refused.body)".contains("NUL character (U+0000)"))
        }
        let database = try server.openDatabase()
        defer { try? database.close() }
        #expect(try await database.auditLog(survey: "consult-test").isEmpty)
    }

    @Test func plainTextIsEscapedAndKeptAsItIs() {
        #expect(UntrustedText.pageView("a<b>&\"c\"")["pieces"] as? [[String: AnyHashable]]
            == [["text": "a<b>&\"c\"", "hidden": false, "code": ""]])
        #expect((UntrustedText.pageView("")["pieces"] as? [Any])?.isEmpty == true)
    }
}
