import ConsultCore
import ConsultStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import SurveyFiles
import Testing

@testable import ConsultServer

/// lang (issue 15): the respondent's polite note on a long answer not in the survey's language (on
/// the review page without JavaScript, and through the language-check API the page's script calls),
/// never a refusal; and the reading room's search filtered by language.
@Suite struct LanguageNoteTests {
    static let yaml = """
        id: lang-test
        title: Language test
        description: |
          We ask about neurotechnology.

          The consultation is in English only. Submissions must be received by
          10 November 2025.
        language: en
        time_zone: Europe/Vienna
        opens_at: 2025-09-01T00:00:00Z
        closes_at: 2025-11-10T18:00:00+01:00
        respondent:
          sector_question: sector
          country_question: country
          publication_question: publication
        sectors:
          - {id: academia, label: Academia}
        sections:
          - id: all
            title: Everything
            questions:
              - {id: sector, type: single_choice, text: Sector, required: true, other: true}
              - {id: country, type: country, text: Country, required: true}
              - {id: views, type: text, text: Your views, multiline: true, max_length: 5000}
              - {id: publication, type: single_choice, text: Publication, required: true}
        """
    static let french = "Je suis psychologue en milieu carcéral et je crains que ces appareils soient proposés aux détenus sans information claire."
    static let english = "I am a prison psychologist and I fear that these devices will be offered to detainees without clear information."
    static let quote = "The consultation is in English only."

    static func server() throws -> TestServer {
        try TestServer(yaml: yaml)
    }

    /// Fills the one page with `views` and returns the review page.
    static func review(_ client: any TestClientProtocol, views: String) async throws -> (FormBrowser, FormBrowser.Page) {
        let browser = FormBrowser(client)
        _ = try await browser.get("/s/lang-test")
        _ = try await browser.post("/s/lang-test/start", [])
        let page = try await browser.get("/s/lang-test/page/1")
        #expect(page.html.contains("data-language-check=\"/api/v1/surveys/lang-test/language-check\""))
        #expect(page.html.contains("<script src=\"/assets/language.js\" defer></script>"))
        let posted = try await browser.post("/s/lang-test/page/1", [
            ("q.sector", "academia"), ("q.country", "AT"), ("q.views", views), ("q.publication", "public_named"),
            ("action", "review"),
        ])
        #expect(posted.location == "/s/lang-test/review")
        return (browser, try await browser.get("/s/lang-test/review"))
    }

    @Test func theReviewPageNotesALongForeignAnswerPolitelyAndStillTakesIt() async throws {
        let server = try Self.server()
        defer { server.remove() }
        try await server.run { client in
            let (browser, review) = try await Self.review(client, views: Self.french)
            #expect(review.status == .ok)
            #expect(review.html.contains("class=\"language-note\""))
            #expect(review.html.contains("does not seem to be written in English (it looks like French)"))
            #expect(review.html.contains("“\(Self.quote)”"))
            #expect(review.html.contains("it will not be refused"))
            let submitted = try await browser.post("/s/lang-test/submit", [])
            #expect(submitted.location == "/s/lang-test/done")
        }
        let database = try server.openDatabase()
        defer { try? database.close() }
        let stored = try await TextSearchCount.count(database, survey: server.survey, filter: .verdict(.foreign))
        #expect(stored == 1)
    }

    @Test func anEnglishOrShortAnswerGetsNoNote() async throws {
        let server = try Self.server()
        defer { server.remove() }
        try await server.run { client in
            for views in [Self.english, "Oui, d'accord."] {
                let (_, review) = try await Self.review(client, views: views)
                #expect(review.status == .ok)
                #expect(!review.html.contains("language-note"), "\(views)")
            }
        }
    }

    @Test func theLanguageCheckAPIJudgesWithTheSameRule() async throws {
        let server = try Self.server()
        defer { server.remove() }
        try await server.run { client in
            let path = "/api/v1/surveys/lang-test/language-check"
            let french = try await client.send(.post, path, json: .object(["text": .string(Self.french)]))
            #expect(french.status == .ok)
            #expect(french.body["language"] == .string("fr") && french.body["verdict"] == .string("foreign"))
            #expect(french.body["note"]?.string?.contains("“\(Self.quote)”") == true)
            let english = try await client.send(.post, path, json: .object(["text": .string(Self.english)]))
            #expect(english.body["verdict"] == .string("survey-language") && english.body["note"] == .null)
            let short = try await client.send(.post, path, json: .object(["text": .string("Oui")]))
            #expect(short.body["verdict"] == .string("undetermined") && short.body["language"] == .string("und"))
            #expect(short.body["note"] == .null)

            #expect(try await client.send(.post, path, json: .object(["text": .number(1)])).status == .badRequest)
            #expect(try await client.send(.post, path, json: .object(["text": .string("a"), "x": .null])).status == .badRequest)
            #expect(try await client.send(.post, path, json: .object([:])).status == .badRequest)
            #expect(try await client.send(.post, "/api/v1/surveys/nope/language-check", json: .object(["text": .string("a")])).status == .notFound)
            let plain = try await client.executeRequest(
                uri: path, method: .post, headers: [.contentType: "text/plain"], body: ByteBuffer(string: "bonjour"))
            #expect(plain.status == .unsupportedMediaType)
        }
    }

    @Test func theSearchAPIFiltersByLanguage() async throws {
        let server = try Self.server()
        defer { server.remove() }
        let analyst = try await server.token(.analyst)
        try await server.run { client in
            for views in [Self.french, Self.english, Self.english] {
                let answers: [String: JSONValue] = [
                    "sector": .string("academia"), "country": .string("AT"), "views": .string(views),
                    "publication": .string("public_named"),
                ]
                let sent = try await client.send(
                    .post, "/api/v1/surveys/lang-test/submissions", json: .object(["answers": .object(answers)]))
                #expect(sent.status == .created)
            }
            let base = "/api/v1/surveys/lang-test/texts"
            let foreign = try await client.send(.get, "\(base)?language=foreign", token: analyst)
            #expect(foreign.status == .ok && foreign.body["total"] == .number(1))
            guard case .array(let texts)? = foreign.body["texts"] else { Issue.record("no texts"); return }
            #expect(texts.first?["language"] == .string("fr") && texts.first?["language_verdict"] == .string("foreign"))
            #expect(try await client.send(.get, "\(base)?language=survey-language", token: analyst).body["total"] == .number(2))
            #expect(try await client.send(.get, "\(base)?language=en", token: analyst).body["total"] == .number(2))
            #expect(try await client.send(.get, "\(base)?language=de", token: analyst).body["total"] == .number(0))
            let bad = try await client.send(.get, "\(base)?language=klingon!", token: analyst)
            #expect(bad.status == .badRequest)
            #expect(bad.body["detail"]?.string?.hasPrefix("language:") == true)

            // The page: a language filter, kept in the form, and the foreign text marked.
            let browser = FormBrowser(client)
            _ = try await browser.get("/sign-in")
            _ = try await browser.post("/sign-in", [("token", analyst)])
            let page = try await browser.get("/analyst/s/lang-test/texts?language=foreign")
            #expect(page.status == .ok)
            #expect(page.html.contains("<select id=\"f-language\" name=\"language\">"))
            #expect(page.html.contains("<option value=\"foreign\" selected>Not in English (flagged)</option>"))
            #expect(page.html.contains("1 answer found."))
            #expect(page.html.contains("Not in the survey&#39;s language: looks like French")
                || page.html.contains("Not in the survey's language: looks like French"))
            #expect(try await browser.get("/analyst/s/lang-test/texts?language=xx-").status == .badRequest)
        }
    }
}

extension TestServer {
    /// A server for the survey `yaml` defines.
    init(yaml: String, now: Date = testDeadline.addingTimeInterval(-86_400)) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("consult-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        clock = ManualClock(now)
        survey = try SurveyFile.parse(yaml, file: "survey.yaml")
    }
}

/// The stored texts the search finds with a language filter.
enum TextSearchCount {
    static func count(_ database: ConsultDatabase, survey: Survey, filter: LanguageFilter) async throws -> Int {
        try await SQLiteTextSearch(database).count(of: survey, query: nil, filters: TextSearchFilters(language: filter))
    }
}
