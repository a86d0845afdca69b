import ConsultCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// The reading room's search API and page over the real server: filters, the privacy rule, malformed
/// queries as 400 problems, keyset pages, bulk coding with preview and undo. Themes are inserted with
/// `sqlite3` (the codebook's routes are another part's).
@Suite struct TextSearchAPITests {
    static let base = "/api/v1/surveys/consult-test"

    /// A server with a theme (id 1) and an analyst token; returns the token.
    static func prepare(_ server: TestServer) async throws -> String {
        let token = try await server.token(.analyst)
        try sqlite(server.databasePath, """
            INSERT INTO theme (id, survey_id, guid, depth, name, colour, created_at_ms)
            VALUES (1, 'consult-test', '00000000-0000-4000-8000-000000000001', 1, 'Devices', '#123456', 0),
                   (2, 'consult-test', '00000000-0000-4000-8000-000000000002', 1, 'Retired', '#654321', 0);
            UPDATE theme SET retired_at_ms = 1 WHERE id = 2;
            """)
        return token
    }

    static func answers(which: String, publication: String, name: String = "Ada", sector: String = "academia") -> [String: JSONValue] {
        var answers = validAnswers
        answers["which"] = .string(which)
        answers["publication"] = .string(publication)
        answers["name"] = .string(name)
        answers["sector"] = .string(sector)
        return answers
    }

    @Test func searchesWithFiltersAndKeepsThePrivacyRule() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let analyst = try await Self.prepare(server)
        try await server.run { client in
            #expect(try await client.submit(Self.answers(which: "EEG headsets at home", publication: "public_named")).status == .created)
            #expect(try await client.submit(Self.answers(which: "EEG <script>alert(1)</script>", publication: "public_anonymous", name: "Bea")).status == .created)
            #expect(try await client.submit(Self.answers(which: "Secret EEG trial", publication: "confidential", sector: "law_enforcement")).status == .created)

            let found = try await client.send(.get, "\(Self.base)/texts?q=eeg", token: analyst)
            #expect(found.status == .ok)
            #expect(found.body["total"] == .number(3))
            #expect(found.body["total_is_exact"] == .bool(true))
            guard case .array(let texts)? = found.body["texts"] else { Issue.record("no texts"); return }
            #expect(texts.count == 3)
            for text in texts {
                let respondent = try #require(text["respondent"]?.string)
                #expect(respondent.hasPrefix("r-"))
                #expect(text["respondent_url"]?.string == "/analyst/s/consult-test/respondents/\(respondent)")
                #expect(text["question"]?.string == "which" && text["question_label"]?.string == "Which?")
                guard case .array(let pieces)? = text["highlights"] else { Issue.record("no highlights"); return }
                #expect(pieces.contains { $0["highlighted"] == .bool(true) && $0["text"]?.string == "EEG" })
            }
            #expect(texts.filter { $0["confidential"] == .bool(true) }.count == 1)
            #expect(texts.first { $0["confidential"] == .bool(true) }?["sector_label"]?.string == "Law enforcement")

            // Filters.
            let lawEnforcement = try await client.send(.get, "\(Self.base)/texts?q=eeg&sector=law_enforcement", token: analyst)
            #expect(lawEnforcement.body["total"] == .number(1))
            let anonymous = try await client.send(.get, "\(Self.base)/texts?q=eeg&publication=public_anonymous&country=AT&region=Western%20Europe", token: analyst)
            #expect(anonymous.body["total"] == .number(1))
            let phrase = try await client.send(.get, "\(Self.base)/texts?q=%22headsets%20at%22&question=which", token: analyst)
            #expect(phrase.body["total"] == .number(1))
            // "+" is a space, as HTML forms send it.
            #expect(try await client.send(.get, "\(Self.base)/texts?q=eeg+headsets", token: analyst).body["total"] == .number(1))
            let otherTexts = try await client.send(.get, "\(Self.base)/texts?q=eye&question=tools", token: analyst)
            #expect(otherTexts.body["total"] == .number(3))
            #expect(try await client.send(.get, "\(Self.base)/texts?q=eeg&level=high", token: analyst).status == .ok)
            #expect(try await client.send(.get, "\(Self.base)/texts?coded=no", token: analyst).body["total"] != .number(0))

            // Names (a personal question) only of the respondent who chose publication with name.
            // Her name and her e-mail (ada@example.org), both personal: only the respondent published with name.
            let ada = try await client.send(.get, "\(Self.base)/texts?q=Ada", token: analyst)
            #expect(ada.body["total"] == .number(2))
            if case .array(let texts)? = ada.body["texts"] {
                #expect(Set(texts.compactMap { $0["respondent"]?.string }).count == 1)
                #expect(Set(texts.compactMap { $0["question"]?.string }) == ["name", "email"])
                #expect(texts.allSatisfy { $0["publication"]?.string == "public_named" })
            }
        }
    }

    @Test func namesAreFoundOnlyForRespondentsPublishedWithTheirName() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let analyst = try await Self.prepare(server)
        try await server.run { client in
            #expect(try await client.submit(Self.answers(which: "one", publication: "public_named", name: "Zelda")).status == .created)
            #expect(try await client.submit(Self.answers(which: "two", publication: "public_anonymous", name: "Zelda")).status == .created)
            #expect(try await client.submit(Self.answers(which: "three", publication: "confidential", name: "Zelda")).status == .created)
            let zelda = try await client.send(.get, "\(Self.base)/texts?q=zelda", token: analyst)
            #expect(zelda.body["total"] == .number(1))
            let all = try await client.send(.get, "\(Self.base)/texts?question=name", token: analyst)
            #expect(all.body["total"] == .number(1))
        }
    }

    @Test func badRequestsAreClearProblemsAndChangeNothing() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let analyst = try await Self.prepare(server)
        let before = try await server.run { client in
            let submitted = try await client.submit(validAnswers)
            #expect(submitted.status == .created)
            return submitted.body["edit_token"]?.string ?? ""
        }
        let state = try await server.run { client in
            let state = try await settledDatabaseState(server.databasePath)
            for (query, expected) in [
                ("q=privacy%20AND", "AND needs a word"), ("q=%22open", "not closed"), ("q=text:privacy", "column filter"),
                ("q=*x", "must follow a word"), ("q=well-being", "quotation marks"),
            ] {
                let response = try await client.send(.get, "\(Self.base)/texts?\(query)", token: analyst)
                #expect(response.status == .badRequest, "\(query)")
                #expect(response.body["type"]?.string == "/problems/malformed-query", "\(query)")
                #expect(response.body["detail"]?.string?.contains(expected) == true, "\(query): \(response.body)")
            }
            for query in ["sector=nope", "question=likelihood", "publication=secret", "country=XX", "region=Atlantis",
                          "level=extreme", "theme=abc", "coded=maybe", "limit=0", "limit=201", "after=-1"] {
                let response = try await client.send(.get, "\(Self.base)/texts?\(query)", token: analyst)
                #expect(response.status == .badRequest, "\(query): \(response.body)")
            }
            let unknownTheme = try await client.send(.get, "\(Self.base)/texts?theme=99", token: analyst)
            #expect(unknownTheme.status == .notFound, "the codebook's own status for an unknown theme")
            #expect(unknownTheme.body["type"]?.string == "/problems/unknown-theme")
            #expect(try await client.send(.get, "\(Self.base)/texts?q=eeg").status == .unauthorized)
            #expect(try await client.send(.get, "\(Self.base)/texts?q=eeg", token: before).status == .unauthorized)
            #expect(try await client.send(.get, "/api/v1/surveys/nope/texts?q=eeg", token: analyst).status == .notFound)
            let bulk = "\(Self.base)/bulk-codings"
            for (body, status) in [
                (JSONValue.object(["q": .string("eeg")]), HTTPResponse.Status.badRequest),
                (.object(["q": .string("eeg"), "theme": .number(99)]), .notFound),
                (.object(["q": .string("eeg"), "theme": .number(2)]), .conflict),
                (.object(["q": .string("eeg AND"), "theme": .number(1)]), .badRequest),
                (.object(["q": .string("eeg"), "theme": .number(1), "colour": .string("red")]), .badRequest),
                (.object(["q": .string("eeg"), "theme": .number(1), "preview": .string("yes")]), .badRequest),
            ] {
                let response = try await client.send(.post, bulk, json: body, token: analyst)
                #expect(response.status == status, "\(body): \(response.body)")
            }
            #expect(try await client.send(.post, bulk, json: .object(["q": .string("eeg"), "theme": .number(1)])).status == .unauthorized)
            #expect(try await client.send(.post, "\(bulk)/77/undo", token: analyst).status == .notFound)
            return state
        }
        #expect(try databaseState(server.databasePath) == state)
    }

    @Test func bulkCodingPreviewsCodesAndUndoes() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let analyst = try await Self.prepare(server)
        try await server.run { client in
            for index in 0..<12 {
                let which = index % 3 == 0 ? "EEG number \(index)" : "fMRI number \(index)"
                #expect(try await client.submit(Self.answers(which: which, publication: "public_anonymous")).status == .created)
            }
            // Keyset pages cover the results exactly once.
            var seen: [Double] = []
            var after: String?
            repeat {
                let page = try await client.send(.get, "\(Self.base)/texts?q=number&limit=5" + (after.map { "&after=\($0)" } ?? ""), token: analyst)
                #expect(page.body["total"] == .number(12))
                guard case .array(let texts)? = page.body["texts"] else { Issue.record("no texts"); return }
                seen += texts.compactMap { if case .number(let id)? = $0["id"] { id } else { nil } }
                if case .number(let next)? = page.body["next_after"] { after = String(Int(next)) } else { after = nil }
            } while after != nil
            #expect(seen.count == 12 && Set(seen).count == 12)

            let bulk = "\(Self.base)/bulk-codings"
            let preview = try await client.send(.post, bulk, json: .object(["q": .string("eeg"), "theme": .number(1), "preview": .bool(true)]), token: analyst)
            #expect(preview.status == .ok)
            #expect(preview.body["matches"] == .number(4) && preview.body["to_code"] == .number(4))
            #expect(try await client.send(.get, "\(Self.base)/texts?theme=1", token: analyst).body["total"] == .number(0))
            let applied = try await client.send(.post, bulk, json: .object(["q": .string("eeg"), "theme": .number(1)]), token: analyst)
            #expect(applied.status == .created)
            #expect(applied.body["answers"] == .number(4) && applied.body["theme_name"]?.string == "Devices")
            #expect(applied.body["coder"]?.string == "analyst:tester")
            #expect(try await client.send(.get, "\(Self.base)/texts?theme=1", token: analyst).body["total"] == .number(4))
            #expect(try await client.send(.get, "\(Self.base)/texts?q=number&coded=no", token: analyst).body["total"] == .number(8))
            guard case .number(let id)? = applied.body["id"] else { Issue.record("no id"); return }
            let undone = try await client.send(.post, "\(bulk)/\(Int(id))/undo", token: analyst)
            #expect(undone.status == .ok && undone.body["undone_at"]?.string != nil)
            #expect(try await client.send(.post, "\(bulk)/\(Int(id))/undo", token: analyst).status == .conflict)
            #expect(try await client.send(.get, "\(Self.base)/texts?theme=1", token: analyst).body["total"] == .number(0))
        }
    }

    @Test func theSearchPageShowsMarkedSnippetsAndBulkCodesWithTheFormToken() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let analyst = try await Self.prepare(server)
        try await server.run { client in
            #expect(try await client.submit(Self.answers(which: "EEG <b>bold</b> \u{202E}evil", publication: "confidential")).status == .created)
            #expect(try await client.submit(Self.answers(which: "fMRI only", publication: "public_anonymous")).status == .created)
            let browser = FormBrowser(client)
            #expect(try await browser.get("/analyst/s/consult-test/texts").status == .unauthorized)
            _ = try await browser.get("/sign-in")
            _ = try await browser.post("/sign-in", [("token", analyst)])
            let dashboard = try await browser.get("/analyst/s/consult-test")
            #expect(dashboard.html.contains("href=\"/analyst/s/consult-test/texts\""))
            let page = try await browser.get("/analyst/s/consult-test/texts?q=eeg&sector=academia")
            #expect(page.status == .ok)
            #expect(page.html.contains("<mark><bdi>EEG</bdi></mark>"))
            #expect(page.html.contains("&lt;b&gt;bold&lt;/b&gt;"))
            #expect(!page.html.contains("<b>bold</b>"))
            #expect(page.html.contains("⟨U+202E⟩"))
            #expect(page.html.contains("Confidential"))
            #expect(page.html.contains("1 answer found."))
            #expect(page.html.contains("/analyst/s/consult-test/respondents/r-"))
            let malformed = try await browser.get("/analyst/s/consult-test/texts?q=eeg%20OR")
            #expect(malformed.status == .badRequest)
            #expect(malformed.html.contains("OR needs a word"))

            let fields = [("q", "eeg"), ("sector", "academia"), ("code_theme", "1")]
            #expect(try await browser.post("/analyst/s/consult-test/texts/bulk", fields, token: .some(nil)).status == .forbidden)
            let preview = try await browser.post("/analyst/s/consult-test/texts/bulk", fields + [("action", "preview")])
            #expect(preview.status == .ok)
            #expect(preview.html.contains("id=\"bulk-to-code\">1<"))
            let confirmed = try await browser.post("/analyst/s/consult-test/texts/bulk", fields + [("action", "confirm")])
            #expect(confirmed.status == .seeOther)
            let location = try #require(confirmed.location)
            #expect(location.hasPrefix("/analyst/s/consult-test/texts?q=eeg&sector=academia&bulk="))
            let after = try await browser.get(location)
            #expect(after.html.contains("Coded 1 answers with the theme"))
            let bulkID = try #require(FormBrowser.firstMatch(#"id="undo-(\d+)""#, in: after.html))
            #expect(try await browser.post("/analyst/s/consult-test/texts/bulk/\(bulkID)/undo", [], token: .some(nil)).status == .forbidden)
            let undone = try await browser.post("/analyst/s/consult-test/texts/bulk/\(bulkID)/undo", [])
            #expect(undone.status == .seeOther)
            let final = try await browser.get(try #require(undone.location))
            #expect(final.html.contains("was undone"))
            #expect(try await client.send(.get, "\(Self.base)/texts?theme=1", token: analyst).body["total"] == .number(0))
        }
    }
}
