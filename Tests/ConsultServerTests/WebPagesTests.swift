import ConsultCore
import ConsultStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import ConsultServer

/// A browser without JavaScript, as far as these tests need one: it keeps cookies, follows
/// nothing by itself, and posts forms with the anti-forgery token of its last page.
final class FormBrowser: @unchecked Sendable {
    // Used by one test at a time, sequentially: the tests await each request before the next.
    let client: any TestClientProtocol
    var cookies: [String: String] = [:]
    var formToken = ""

    init(_ client: any TestClientProtocol) {
        self.client = client
    }

    struct Page {
        let status: HTTPResponse.Status
        let html: String
        let headers: HTTPFields
        var location: String? { headers[.location] }
    }

    func get(_ path: String) async throws -> Page {
        try await send(.get, path, body: nil)
    }

    /// Posts `fields` (and the form token, unless `token` says otherwise) as a URL-encoded form.
    func post(_ path: String, _ fields: [(String, String)], token: String?? = .none) async throws -> Page {
        var all = fields
        switch token {
        case .none: all.append(("csrf", formToken))
        case .some(let value?): all.append(("csrf", value))
        case .some(nil): break
        }
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        let body = all.map { name, value in
            "\(name.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")="
                + (value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")
        }.joined(separator: "&")
        return try await send(.post, path, body: body)
    }

    private func send(_ method: HTTPRequest.Method, _ path: String, body: String?) async throws -> Page {
        var headers: HTTPFields = [.accept: "text/html"]
        if !cookies.isEmpty { headers[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
        if body != nil { headers[.contentType] = "application/x-www-form-urlencoded" }
        let response = try await client.executeRequest(
            uri: path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
        for line in response.headers[values: .setCookie] {
            let pair = line.split(separator: ";")[0].split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else { continue }
            if line.contains("Max-Age=0") { cookies[pair[0]] = nil } else { cookies[pair[0]] = pair[1] }
        }
        let html = String(buffer: response.body)
        if let token = Self.firstMatch(#"name="csrf" value="([^"]+)""#, in: html) { formToken = token }
        return Page(status: response.status, html: html, headers: response.headers)
    }

    static func firstMatch(_ pattern: String, in text: String) -> String? {
        guard let regex = try? NSRegularExpression(pattern: pattern),
            let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
            let range = Range(match.range(at: 1), in: text)
        else { return nil }
        return String(text[range])
    }
}

@Suite struct WebPagesTests {
    static let firstPage: [(String, String)] = [
        ("q.sector", "other"), ("q.sector.other", "University research group"), ("q.country", "AT"),
        ("q.name", "Ada"), ("q.email", "ada@example.org"), ("q.years", "12"), ("action", "next"),
    ]
    static let secondPage: [(String, String)] = [
        ("q.uses", "yes"), ("q.which", "EEG headsets"), ("q.tools", "eeg"), ("q.tools", "other"),
        ("q.tools.other", "eye tracking"), ("q.likelihood", "3"), ("q.concerns.privacy", "2"),
        ("q.concerns.consent", "1"), ("q.publication", "public_named"), ("action", "review"),
    ]

    /// Starts a response and fills both pages; returns the browser on the review page.
    static func fillForm(_ client: any TestClientProtocol) async throws -> FormBrowser {
        let browser = FormBrowser(client)
        let introduction = try await browser.get("/s/consult-test")
        #expect(introduction.status == .ok)
        let started = try await browser.post("/s/consult-test/start", [])
        #expect(started.status == .seeOther)
        #expect(started.location == "/s/consult-test/page/1")
        _ = try await browser.get("/s/consult-test/page/1")
        let first = try await browser.post("/s/consult-test/page/1", firstPage)
        #expect(first.location == "/s/consult-test/page/2")
        _ = try await browser.get("/s/consult-test/page/2")
        let second = try await browser.post("/s/consult-test/page/2", secondPage)
        #expect(second.location == "/s/consult-test/review")
        return browser
    }

    @Test func aRespondentFillsReviewsAndSubmitsWithPlainFormsAndGetsAReceipt() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let (submissionID, editToken) = try await server.run { client in
            let browser = try await Self.fillForm(client)
            let review = try await browser.get("/s/consult-test/review")
            #expect(review.status == .ok)
            #expect(review.html.contains("Other: University research group"))
            #expect(review.html.contains("EEG; Other: eye tracking"))
            let submitted = try await browser.post("/s/consult-test/submit", [])
            #expect(submitted.location == "/s/consult-test/done")
            let done = try await browser.get("/s/consult-test/done")
            #expect(done.status == .ok)
            let id = try #require(FormBrowser.firstMatch(#"id="submission-id">([0-9a-f]+)<"#, in: done.html))
            let editLink = try #require(FormBrowser.firstMatch(#"id="edit-link"[^>]*value="([^"]+)""#, in: done.html))
            #expect(done.html.contains("9 November 2025, 18:00 (Europe/Vienna, UTC+01:00)"))
            let receipt = try await browser.get("/s/consult-test/receipt")
            #expect(receipt.headers[.contentDisposition]?.hasPrefix("attachment") == true)
            let decoded = try JSONDecoder().decode(Receipt.self, from: Data(receipt.html.utf8))
            #expect(decoded.submissionID == id)
            let verified = try await client.send(.post, "/api/v1/receipts/verify", json: try JSONDecoder().decode(JSONValue.self, from: Data(receipt.html.utf8)))
            #expect(verified.body["valid"] == .bool(true))
            return (id, try #require(editLink.components(separatedBy: "token=").last))
        }
        let database = try server.openDatabase()
        defer { try? database.close() }
        let stored = try await database.submission(id: submissionID, token: editToken)
        #expect(stored.finalSector == "academia")
        #expect(stored.otherSectorText == "University research group")
        #expect(stored.publication == .publicNamed)
        #expect(try await database.submissionCount(survey: server.survey.id) == 1)
        #expect(try await database.openDraftCount(survey: server.survey.id) == 0)
    }

    @Test func theEditLinkChangesTheSubmissionUntilTheDeadline() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.run { client in
            let browser = try await Self.fillForm(client)
            _ = try await browser.get("/s/consult-test/review")
            _ = try await browser.post("/s/consult-test/submit", [])
            let done = try await browser.get("/s/consult-test/done")
            let editLink = try #require(FormBrowser.firstMatch(#"id="edit-link"[^>]*value="http://[^/]+([^"]+)""#, in: done.html))

            let editor = FormBrowser(client)
            let opened = try await editor.get(editLink.replacingOccurrences(of: "&amp;", with: "&"))
            #expect(opened.status == .ok)
            let token = try #require(editLink.components(separatedBy: "token=").last)
            let confirmed = try await editor.post(
                String(editLink.prefix { $0 != "?" }), [("token", token)])
            #expect(confirmed.location == "/s/consult-test/page/1")
            let page = try await editor.get("/s/consult-test/page/1")
            #expect(page.html.contains(#"value="Ada""#))
            _ = try await editor.post("/s/consult-test/page/1", Self.firstPage.map { $0.0 == "q.name" ? ($0.0, "Ada L.") : $0 })
            _ = try await editor.get("/s/consult-test/review")
            let changed = try await editor.post("/s/consult-test/submit", [])
            #expect(changed.location == "/s/consult-test/done")
            let changedDone = try await editor.get("/s/consult-test/done")
            #expect(changedDone.html.contains("Your changes are received"))
            let newLink = try #require(
                FormBrowser.firstMatch(#"id="edit-link"[^>]*value="http://[^/]+([^"]+)""#, in: changedDone.html))
            #expect(try await FormBrowser(client).get(editLink.replacingOccurrences(of: "&amp;", with: "&")).status == .notFound)

            server.clock.set(testDeadline.addingTimeInterval(1))
            let late = try await FormBrowser(client).get(newLink.replacingOccurrences(of: "&amp;", with: "&"))
            #expect(late.status == .forbidden)
            #expect(late.html.contains("The deadline has passed"))
        }
        let database = try server.openDatabase()
        defer { try? database.close() }
        #expect(try await database.submissionCount(survey: server.survey.id) == 1)
    }

    @Test func aPageWithProblemsKeepsWhatWasTypedAndLinksEachProblem() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.run { client in
            let browser = FormBrowser(client)
            _ = try await browser.get("/s/consult-test")
            _ = try await browser.post("/s/consult-test/start", [])
            _ = try await browser.get("/s/consult-test/page/1")
            let page = try await browser.post("/s/consult-test/page/1", [
                ("q.sector", "other"), ("q.sector.other", ""), ("q.name", "Grace <Hopper>"), ("q.years", "twelve"),
                ("action", "next"),
            ])
            #expect(page.status == .unprocessableContent)
            #expect(page.html.contains(#"class="error-summary""#))
            #expect(page.html.contains(##"<a href="#q-sector">"##))
            #expect(page.html.contains(##"<a href="#q-years">"##))
            #expect(page.html.contains(##"<a href="#q-country">"##))
            #expect(page.html.contains(#"value="twelve""#))
            #expect(page.html.contains(#"value="Grace &lt;Hopper&gt;""#))
            #expect(!page.html.contains("<Hopper>"))
            // The valid answer was saved: it is there when the page is opened again.
            #expect(try await browser.get("/s/consult-test/page/1").html.contains(#"value="Grace &lt;Hopper&gt;""#))
        }
    }

    @Test func aFormWithoutItsSessionsTokenIsRefusedAndChangesNothing() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.run { client in
            let other = FormBrowser(client)
            _ = try await other.get("/s/consult-test")
            let browser = FormBrowser(client)
            _ = try await browser.get("/s/consult-test")
            let missing = try await browser.post("/s/consult-test/start", [], token: .some(nil))
            #expect(missing.status == .forbidden)
            #expect(missing.html.contains("This form cannot be accepted"))
            let foreign = try await browser.post("/s/consult-test/start", [], token: other.formToken)
            #expect(foreign.status == .forbidden)
            #expect(try await browser.post("/s/consult-test/start", []).status == .seeOther)
        }
        let database = try server.openDatabase()
        defer { try? database.close() }
        #expect(try await database.openDraftCount(survey: server.survey.id) == 1)
    }

    @Test func aSubmissionAfterTheDeadlineGetsTheClosedPageAndNothingIsStored() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.run { client in
            let browser = try await Self.fillForm(client)
            _ = try await browser.get("/s/consult-test/review")
            server.clock.set(testDeadline.addingTimeInterval(0.001))
            let late = try await browser.post("/s/consult-test/submit", [])
            #expect(late.status == .forbidden)
            #expect(late.html.contains("The deadline has passed"))
            #expect(late.html.contains("2025-11-10T17:00:00.000Z (2025-11-10T18:00:00.000+01:00 Europe/Vienna)"))
            let page = try await browser.get("/s/consult-test/page/1")
            #expect(page.status == .forbidden)
            let introduction = try await browser.get("/s/consult-test")
            #expect(introduction.html.contains("This consultation is closed"))
        }
        let database = try server.openDatabase()
        defer { try? database.close() }
        #expect(try await database.submissionCount(survey: server.survey.id) == 0)
        #expect(try await database.refusedAttempts(survey: server.survey.id) == ["deadline-passed": 1])
    }

    @Test func pagesAndTheAPISendTheSecurityHeaders() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.run { client in
            for path in ["/", "/s/consult-test", "/api/v1/surveys", "/no-such-page"] {
                let response = try await client.executeRequest(uri: path, method: .get, headers: [:], body: nil)
                let policy = response.headers[HTTPField.Name("Content-Security-Policy")!] ?? ""
                #expect(policy.contains("script-src 'self'") && !policy.contains("unsafe-inline"), "\(path)")
                #expect(response.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff", "\(path)")
                #expect(response.headers[HTTPField.Name("X-Frame-Options")!] == "DENY", "\(path)")
                #expect(response.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer", "\(path)")
            }
            let missing = try await client.executeRequest(uri: "/no-such-page", method: .get, headers: [:], body: nil)
            #expect(missing.status == .notFound)
            #expect(missing.headers[.contentType]?.hasPrefix("text/html") == true)
            let api = try await client.executeRequest(uri: "/api/v1/surveys/nope", method: .get, headers: [:], body: nil)
            #expect(api.headers[.contentType] == "application/problem+json")
        }
    }

    @Test func anOrganizerSignsInMovesTheDeadlineWithAReasonAndSeesItAudited() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let token = try await server.token(.organizer)
        try await server.run { client in
            #expect(try await client.submit(validAnswers).status == .created)  // something for the charts to show
            let browser = FormBrowser(client)
            #expect(try await browser.get("/organizer").status == .unauthorized)
            _ = try await browser.get("/sign-in")
            #expect(try await browser.post("/sign-in", [("token", "wrong")]).status == .unauthorized)
            let signedIn = try await browser.post("/sign-in", [("token", token)])
            #expect(signedIn.location == "/organizer")
            let dashboard = try await browser.get("/organizer/s/consult-test")
            #expect(dashboard.status == .ok)
            #expect(dashboard.html.contains(#"<svg class="chart" id="chart-by-sector""#))

            let refused = try await browser.post(
                "/organizer/s/consult-test/deadline", [("closes_at", "2025-11-17T18:00"), ("reason", "")])
            #expect(refused.status == .unprocessableContent)
            #expect(refused.html.contains("a reason is required"))
            let forged = try await browser.post(
                "/organizer/s/consult-test/deadline", [("closes_at", "2025-11-17T18:00:00+01:00"), ("reason", "x")],
                token: .some(nil))
            #expect(forged.status == .forbidden)

            // Posting the form only states the change; its Confirm button moves the deadline.
            let checked = try await browser.post(
                "/organizer/s/consult-test/deadline",
                [("closes_at", "2025-11-17T18:00 Europe/Vienna"), ("reason", "Extended for member states")])
            #expect(checked.status == .ok)
            #expect(checked.html.contains("This extends the open survey from 10 November 2025, 18:00 (Europe/Vienna, "
                + "UTC+01:00) = 17:00:00 UTC to 17 November 2025, 18:00 (Europe/Vienna, UTC+01:00) = 17:00:00 UTC; "
                + "respondents will have 7 days more."))
            let unmoved = try await client.send(.get, "/api/v1/surveys/consult-test")
            #expect(unmoved.body["closes_at"] == .string("2025-11-10T17:00:00.000Z"), "nothing moves before the confirmation")
            let ambiguous = try await browser.post(
                "/organizer/s/consult-test/deadline", [("closes_at", "2025-10-26T02:30"), ("reason", "Clocks go back")])
            #expect(ambiguous.status == .unprocessableContent)
            #expect(ambiguous.html.contains("happens twice in Europe/Vienna"))
            let moved = try await browser.post(
                "/organizer/s/consult-test/deadline",
                [("closes_at", "2025-11-17T17:00:00.000Z"), ("reason", "Extended for member states"),
                 ("from", "2025-11-10T17:00:00.000Z"), ("action", "confirm")])
            #expect(moved.location == "/organizer/s/consult-test?moved=1")
            let audited = try await browser.get("/organizer/s/consult-test?moved=1")
            #expect(audited.html.contains("because “<bdi>Extended for member states</bdi>”."))
            #expect(audited.html.contains("to 17 November 2025, 18:00 (Europe/Vienna, UTC+01:00) = 17:00:00 UTC because"))

            _ = try await browser.post("/sign-out", [])
            #expect(try await browser.get("/organizer/s/consult-test").status == .unauthorized)
        }
        let database = try server.openDatabase()
        defer { try? database.close() }
        #expect(try await database.window(of: server.survey).closesAt == Date(timeIntervalSince1970: 1_763_398_800))
        #expect(try await database.auditLog(survey: "consult-test").filter { $0.action == "deadline.changed" }.count == 1)
    }

    @Test func anAnalystSeesTheTablesAndDownloadsEveryExport() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let token = try await server.token(.analyst)
        try await server.run { client in
            #expect(try await client.submit(validAnswers).status == .created)
            let browser = FormBrowser(client)
            _ = try await browser.get("/sign-in")
            #expect(try await browser.post("/sign-in", [("token", token)]).location == "/analyst")
            #expect(try await browser.get("/organizer").status == .forbidden)
            let page = try await browser.get("/analyst/s/consult-test")
            #expect(page.status == .ok)
            #expect(page.html.contains(#"<table class="data heat" id="heat-tools">"#))
            #expect(page.html.contains(#"id="bars-tools""#))
            #expect(page.html.contains("<th scope=\"row\">Academia</th><td class=\"number\">1</td><td class=\"number\">100.0 %</td>"))
            for file in ["analysis.zip", "analysis.xml", "responses.csv", "responses.xml", "analysis/choices.csv"] {
                let download = try await browser.get("/analyst/s/consult-test/download/\(file)")
                #expect(download.status == .ok, "\(file)")
                #expect(download.headers[.contentDisposition]?.hasPrefix("attachment") == true, "\(file)")
            }
            let csv = try await browser.get("/analyst/s/consult-test/download/responses.csv")
            #expect(csv.html.split(whereSeparator: \.isNewline).count == 2)
            #expect(try await FormBrowser(client).get("/analyst/s/consult-test/download/responses.csv").status == .unauthorized)
        }
    }
}

@Suite struct KeptAnswersTests {
    /// A draft saved under an earlier survey file may hold answers the survey no longer takes:
    /// the pages keep the rest and name what was dropped, instead of failing.
    @Test func answersTheSurveyNoLongerTakesAreDroppedAndNamed() throws {
        let server = try TestServer()
        defer { server.remove() }
        let survey = server.survey
        let kept = RespondentPages.keptAnswers(
            ["sector": .string("academia"), "tools": .array([.string("retired-option")]), "gone": .string("x")],
            of: survey)
        #expect(kept.raw == ["sector": .string("academia")])
        #expect(kept.answers[QuestionID("sector")] == .choice(OptionID("academia"), other: nil))
        #expect(Set(kept.problems.keys) == ["tools", "gone"])
    }
}
