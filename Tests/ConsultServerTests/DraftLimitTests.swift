import ConsultCore
import ConsultStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@testable import ConsultServer

extension TestServer {
    /// Starts the real server with these draft limits; otherwise as `run`.
    func run<Value: Sendable>(
        draftLimits: DraftLimits, rateLimit: Int = 0, _ test: @Sendable (any TestClientProtocol) async throws -> Value
    ) async throws -> Value {
        let consultation = Consultation(surveys: [survey], database: try openDatabase(), clock: clock, draftLimits: draftLimits)
        var logger = Logger(label: "consult-test")
        logger.logLevel = .warning
        let app = try buildApplication(
            consultation, address: ServerAddress(host: "127.0.0.1", port: 0), rateLimit: rateLimit, logger: logger)
        return try await app.test(.live) { client in try await test(client) }
    }
}

extension DraftLimits {
    static func capped(perSurvey: Int = 1_000, perClient: Int = 1_000) -> DraftLimits {
        DraftLimits(perSurvey: perSurvey, perClient: perClient, untouchedLifetime: 30 * 86_400, afterDeadline: 7 * 86_400)
    }
}

/// Drafts have bounds: a GET writes nothing, open drafts are capped per client address and
/// per survey, they expire and are purged, and `max_length` bounds the bytes of a text.
@Suite struct DraftLimitTests {
    @Test func openingAnEditLinkWritesNothing() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.run { client in
            let created = try await client.submit(validAnswers)
            let id = try #require(created.body["id"]?.string), token = try #require(created.body["edit_token"]?.string)
            for _ in 0..<5 {
                let page = try await FormBrowser(client).get("/s/consult-test/edit/\(id)?token=\(token)")
                #expect(page.status == .ok)
                #expect(page.headers[values: .setCookie].allSatisfy { !$0.hasPrefix("consult_draft=") })
            }
        }
        let database = try server.openDatabase()
        defer { try? database.close() }
        #expect(try await database.storedDraftCount() == 0)
    }

    /// Every GET route, with every credential a visitor may hold, leaves every table as it was
    /// (a GET of an edit link used to start a draft each time); only the audit log of export
    /// downloads and a token's last use may grow.
    @Test func noGetRouteWritesToTheDatabase() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let organizer = try await server.token(.organizer), analyst = try await server.token(.analyst)
        let consultation = Consultation(surveys: [server.survey], database: try server.openDatabase(), clock: server.clock)
        let routes = try buildRouter(consultation).routes.filter { $0.method == .get }.map { "\($0.path)" }
        let pseudonyms = consultation.database.pseudonyms
        try consultation.database.close()
        #expect(routes.count >= 25)
        let (before, after) = try await server.run { client in
            let created = try await client.submit(validAnswers)
            let id = try #require(created.body["id"]?.string), edit = try #require(created.body["edit_token"]?.string)
            let draft = try await client.send(.post, "/api/v1/surveys/consult-test/drafts")
            let draftID = try #require(draft.body["id"]?.string), resume = try #require(draft.body["resume_token"]?.string)
            let submitted = try await WebPagesTests.fillForm(client)
            _ = try await submitted.post("/s/consult-test/submit", [])
            let filling = FormBrowser(client)
            _ = try await filling.get("/s/consult-test")
            _ = try await filling.post("/s/consult-test/start", [])
            var staff: [FormBrowser] = []
            for token in [organizer, analyst] {
                let browser = FormBrowser(client)
                _ = try await browser.get("/sign-in")
                _ = try await browser.post("/sign-in", [("token", token)])
                staff.append(browser)
            }
            let values = [
                "survey_id": "consult-test", "submission_id": id, "draft_id": draftID, "number": "1",
                "file": "responses.csv", "table_file": "choices.csv",
                // Reading room (themes): the whole submission by its pseudonym.
                "respondent": pseudonyms.pseudonym(for: id),
                // Position papers (extract): a respondent's file (none exists: the route answers 404).
                "file_id": "f-00000000-0000-4000-8000-000000000000",
                // campaigns: a cluster (none exists: the routes answer 404).
                "cluster_id": "1",
            ]
            let before = try await settledDatabaseState(server.databasePath)
            for route in routes {
                var path = route
                for (name, value) in values {
                    path = path.replacingOccurrences(of: "{\(name)}", with: value).replacingOccurrences(of: ":\(name)", with: value)
                }
                let token = path.contains("/resume/") || path.contains("/drafts/") ? resume : edit
                path += "?token=\(token)"
                for bearer in [nil, edit, resume, organizer, analyst] {
                    for browser in [submitted, filling] + staff {
                        var headers: HTTPFields = [.accept: "text/html"]
                        headers[.cookie] = browser.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
                        if let bearer { headers[.authorization] = "Bearer \(bearer)" }
                        let response = try await client.executeRequest(uri: path, method: .get, headers: headers, body: nil)
                        #expect(response.status.code < 500, "\(path)")
                    }
                }
            }
            let after = try await settledDatabaseState(server.databasePath)
            return (before, after)
        }
        #expect(before.contains("submission_version"))
        #expect(before == after)
    }

    @Test func aClientAddressHoldsAtMostItsCapOfOpenDraftsWhateverRouteStartsThem() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.run(draftLimits: .capped(perClient: 3)) { client in
            let created = try await client.submit(validAnswers)
            let id = try #require(created.body["id"]?.string), token = try #require(created.body["edit_token"]?.string)
            var drafts: [(id: String, token: String)] = []
            for _ in 0..<2 {
                let draft = try await client.send(.post, "/api/v1/surveys/consult-test/drafts")
                #expect(draft.status == .created)
                drafts.append((try #require(draft.body["id"]?.string), try #require(draft.body["resume_token"]?.string)))
            }
            let browser = FormBrowser(client)
            _ = try await browser.get("/s/consult-test")
            #expect(try await browser.post("/s/consult-test/start", []).status == .seeOther)

            let refused = try await client.send(.post, "/api/v1/surveys/consult-test/drafts")
            #expect(refused.status == .tooManyRequests)
            #expect(refused.body["type"] == .string("/problems/too-many-drafts"))
            let page = try await browser.post("/s/consult-test/start", [])
            #expect(page.status == .tooManyRequests)
            #expect(page.html.contains("Too many unfinished responses"))
            _ = try await browser.get("/s/consult-test/edit/\(id)?token=\(token)")
            #expect(try await browser.post("/s/consult-test/edit/\(id)", [("token", token)]).status == .tooManyRequests)

            // A submitted draft is no longer open: it makes room for a new one.
            let saved = try await client.send(
                .put, "/api/v1/drafts/\(drafts[0].id)", json: .object(["answers": .object(validAnswers)]), token: drafts[0].token)
            #expect(saved.status == .ok)
            #expect(try await client.send(.post, "/api/v1/drafts/\(drafts[0].id)/submit", token: drafts[0].token).status == .created)
            #expect(try await client.send(.post, "/api/v1/surveys/consult-test/drafts").status == .created)
            #expect(try await client.send(.post, "/api/v1/surveys/consult-test/drafts").status == .tooManyRequests)
        }
        let database = try server.openDatabase()
        defer { try? database.close() }
        #expect(try await database.openDraftCount(survey: server.survey.id) == 3)
    }

    @Test func aSurveyHoldsAtMostItsCapOfOpenDrafts() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.run(draftLimits: .capped(perSurvey: 2)) { client in
            for _ in 0..<2 { #expect(try await client.send(.post, "/api/v1/surveys/consult-test/drafts").status == .created) }
            let refused = try await client.send(.post, "/api/v1/surveys/consult-test/drafts")
            #expect(refused.status == .tooManyRequests)
            #expect(refused.body["detail"]?.string?.contains("This consultation already holds 2") == true)
        }
    }

    /// Expired drafts go: untouched for 30 days, or 7 days after the deadline for all of a survey's.
    @Test func thePurgerDeletesDraftsUntouchedTooLongAndAllDraftsSoonAfterTheDeadline() async throws {
        let start = Date(timeIntervalSince1970: 1_756_800_000)  // 2025-09-02, the survey is open
        let server = try TestServer(now: start)
        defer { server.remove() }
        let limits = DraftLimits.capped()
        let consultation = Consultation(
            surveys: [server.survey], database: try server.openDatabase(), clock: server.clock, draftLimits: limits)
        defer { try? consultation.database.close() }
        for instant in [start, start.addingTimeInterval(20 * 86_400), testDeadline.addingTimeInterval(-86_400)] {
            _ = try await consultation.database.createDraft(
                for: server.survey.id, answers: AnswerSet([:]), at: instant, client: "192.0.2.1", limits: limits)
        }
        let purger = DraftPurger(consultation: consultation, logger: Logger(label: "test"))
        func remaining(at instant: Date) async throws -> Int {
            server.clock.set(instant)
            await purger.purgeOnce()
            return try await consultation.database.storedDraftCount()
        }
        #expect(try await remaining(at: start.addingTimeInterval(30 * 86_400 - 1)) == 3)
        #expect(try await remaining(at: start.addingTimeInterval(30 * 86_400 + 1)) == 2)
        #expect(try await remaining(at: testDeadline.addingTimeInterval(7 * 86_400 - 1)) == 1)
        #expect(try await remaining(at: testDeadline.addingTimeInterval(7 * 86_400)) == 0)
    }

    /// A 20-character answer may take at most 80 bytes: one letter with 100 combining accents is refused.
    @Test func maxLengthAlsoBoundsTheBytesOfAnAnswer() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.run { client in
            let zalgo = "a" + String(repeating: "\u{0301}", count: 100)
            #expect(zalgo.count == 1)
            var answers = validAnswers
            answers["name"] = .string(zalgo)
            let refused = try await client.submit(answers)
            #expect(refused.status == .unprocessableContent)
            #expect("\(refused.body)".contains("bytes"))
            let draft = try await client.send(
                .post, "/api/v1/surveys/consult-test/drafts", json: .object(["answers": .object(["name": .string(zalgo)])]))
            #expect(draft.status == .unprocessableContent)
            answers["name"] = .string(String(repeating: "😀", count: 20))
            #expect(try await client.submit(answers).status == .created)
        }
    }
}
