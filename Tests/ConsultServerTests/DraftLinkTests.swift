import ConsultCore
import ConsultStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import ConsultServer

/// A resume or edit link someone else made binds a browser only through a confirmation
/// posted from this site, and then under a fresh secret: its maker reads nothing the
/// browser's user enters. A browser keeps these secrets no longer than they are of use.
@Suite struct DraftLinkTests {
    static let survey = "/s/consult-test"

    @Test func aPlantedResumeLinkDoesNotLetItsMakerReadWhatTheBrowsersUserEnters() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.run { client in
            // The attacker starts an empty draft and sends its resume link.
            let planted = try await client.send(.post, "/api/v1/surveys/consult-test/drafts")
            let id = try #require(planted.body["id"]?.string), token = try #require(planted.body["resume_token"]?.string)
            let link = "\(Self.survey)/resume/\(id)?token=\(token)"

            // Following the link (as a cross-site navigation would) only shows a confirmation.
            let victim = FormBrowser(client)
            let opened = try await victim.get(link)
            #expect(opened.status == .ok)
            #expect(opened.html.contains("Continue your response?"))
            #expect(opened.html.contains("9 November 2025"))
            #expect(victim.cookies["consult_draft"] == nil)
            #expect(try await victim.get("\(Self.survey)/page/1").location == Self.survey)
            // A form on another site cannot carry this browser's form token.
            let forged = try await victim.post("\(Self.survey)/resume/\(id)", [("token", token)], token: .some(nil))
            #expect(forged.status == .forbidden)
            #expect(victim.cookies["consult_draft"] == nil)

            // The user confirms: the browser holds a fresh secret, and the link's opens nothing.
            let confirmed = try await victim.post("\(Self.survey)/resume/\(id)", [("token", token)])
            #expect(confirmed.location == "\(Self.survey)/page/1")
            let cookie = try #require(victim.cookies["consult_draft"].flatMap { ResponseCookies.Draft($0) })
            #expect(cookie.id == id && cookie.token != token)
            _ = try await victim.get("\(Self.survey)/page/1")
            let saved = try await victim.post("\(Self.survey)/page/1", WebPagesTests.firstPage)
            #expect(saved.location == "\(Self.survey)/page/2")
            #expect(try await client.send(.get, "/api/v1/drafts/\(id)", token: token).status == .unauthorized)
            #expect(try await FormBrowser(client).get(link).status == .notFound)
            // The page shows the browser's own resume link, which opens the draft for its holder.
            let page = try await victim.get("\(Self.survey)/page/2")
            #expect(page.html.contains("/resume/\(id)?token=\(cookie.token)"))
            let read = try await client.send(.get, "/api/v1/drafts/\(id)", token: cookie.token)
            #expect(read.body["answers"]?["name"] == .string("Ada"))
        }
    }

    @Test func aPlantedEditLinkDoesNotLetItsMakerReadWhatTheBrowsersUserSubmits() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.run { client in
            let planted = try await client.submit(validAnswers)
            let id = try #require(planted.body["id"]?.string), token = try #require(planted.body["edit_token"]?.string)

            let victim = FormBrowser(client)
            let opened = try await victim.get("\(Self.survey)/edit/\(id)?token=\(token)")
            #expect(opened.status == .ok)
            #expect(opened.html.contains("Change your submitted response?"))
            #expect(opened.html.contains("Continue only if you submitted this response yourself"))
            #expect(victim.cookies["consult_draft"] == nil)
            #expect(try await victim.post("\(Self.survey)/edit/\(id)", [("token", token)], token: .some(nil)).status == .forbidden)

            let confirmed = try await victim.post("\(Self.survey)/edit/\(id)", [("token", token)])
            #expect(confirmed.location == "\(Self.survey)/page/1")
            let draft = try #require(victim.cookies["consult_draft"].flatMap { ResponseCookies.Draft($0) })
            // The editing draft's secret is new: the edit token does not open it.
            #expect(try await client.send(.get, "/api/v1/drafts/\(draft.id)", token: token).status == .unauthorized)
            _ = try await victim.get("\(Self.survey)/page/1")
            _ = try await victim.post(
                "\(Self.survey)/page/1", WebPagesTests.firstPage.map { $0.0 == "q.name" ? ($0.0, "Victim") : $0 })
            _ = try await victim.get("\(Self.survey)/review")
            #expect(try await victim.post("\(Self.survey)/submit", []).location == "\(Self.survey)/done")

            // The answers just given are under a new edit token that only this browser was shown.
            #expect(try await client.send(.get, "/api/v1/submissions/\(id)", token: token).status == .unauthorized)
            let done = try await victim.get("\(Self.survey)/done")
            let newLink = try #require(FormBrowser.firstMatch(#"id="edit-link"[^>]*value="([^"]+)""#, in: done.html))
            let newToken = try #require(newLink.components(separatedBy: "token=").last)
            #expect(newToken != token)
            let read = try await client.send(.get, "/api/v1/submissions/\(id)", token: newToken)
            #expect(read.body["answers"]?["name"] == .string("Victim"))
            #expect(read.body["version"] == .number(2))
        }
    }

    @Test func afterADraftIsSubmittedItsResumeTokenReadsNothing() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.run { client in
            let created = try await client.send(
                .post, "/api/v1/surveys/consult-test/drafts", json: .object(["answers": .object(validAnswers)]))
            let id = try #require(created.body["id"]?.string), token = try #require(created.body["resume_token"]?.string)
            #expect(try await client.send(.get, "/api/v1/drafts/\(id)", token: token).status == .ok)
            #expect(try await client.send(.post, "/api/v1/drafts/\(id)/submit", token: token).status == .created)

            let read = try await client.send(.get, "/api/v1/drafts/\(id)", token: token)
            #expect(read.status == .gone)
            #expect(read.body["type"] == .string("/problems/draft-submitted"))
            #expect(read.body["answers"] == nil)
            #expect(try await client.send(.post, "/api/v1/drafts/\(id)/submit", token: token).status == .conflict)
            let page = try await FormBrowser(client).get("\(Self.survey)/resume/\(id)?token=\(token)")
            #expect(page.status == .gone)
            #expect(!page.html.contains("Ada"))
        }
    }

    /// One day before the deadline, neither cookie outlives it (they used to last 90 days).
    @Test func theBrowserKeepsTheEditAndResumeSecretsAtMostUntilTheDeadline() async throws {
        let server = try TestServer(now: testDeadline.addingTimeInterval(-86_400))
        defer { server.remove() }
        try await server.run { client in
            let browser = FormBrowser(client)
            _ = try await browser.get(Self.survey)
            let started = try await browser.post("\(Self.survey)/start", [])
            #expect(Self.maxAge(of: "consult_draft", in: started) == 86_400)
            _ = try await browser.get("\(Self.survey)/page/1")
            _ = try await browser.post("\(Self.survey)/page/1", WebPagesTests.firstPage)
            _ = try await browser.get("\(Self.survey)/page/2")
            server.clock.set(testDeadline.addingTimeInterval(-3_600))
            let saved = try await browser.post("\(Self.survey)/page/2", WebPagesTests.secondPage)
            #expect(Self.maxAge(of: "consult_draft", in: saved) == 3_600)
            _ = try await browser.get("\(Self.survey)/review")
            let submitted = try await browser.post("\(Self.survey)/submit", [])
            #expect(Self.maxAge(of: "consult_submitted", in: submitted) == 3_600)
        }
    }

    /// Two months before the deadline, a draft's cookie lasts as long as the draft: 30 days untouched.
    @Test func aDraftsCookieEndsWhenTheDraftExpires() async throws {
        let server = try TestServer(now: testDeadline.addingTimeInterval(-60 * 86_400))
        defer { server.remove() }
        try await server.run { client in
            let browser = FormBrowser(client)
            _ = try await browser.get(Self.survey)
            let started = try await browser.post("\(Self.survey)/start", [])
            #expect(Self.maxAge(of: "consult_draft", in: started) == 30 * 86_400)
        }
    }

    /// The confirmations write, so they count against the rate limit; their GETs do not.
    @Test func theConfirmationsAreRateLimitedAndTheLinksAreNot() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.run(rateLimit: 2) { client in
            let created = try await client.submit(validAnswers)
            let id = try #require(created.body["id"]?.string), token = try #require(created.body["edit_token"]?.string)
            let browser = FormBrowser(client)
            for _ in 0..<5 { #expect(try await browser.get("\(Self.survey)/edit/\(id)?token=\(token)").status == .ok) }
            #expect(try await browser.post("\(Self.survey)/edit/\(id)", [("token", token)]).status == .seeOther)
            let limited = try await browser.post("\(Self.survey)/edit/\(id)", [("token", token)])
            #expect(limited.status == .tooManyRequests)
        }
        let database = try server.openDatabase()
        defer { try? database.close() }
        #expect(try await database.storedDraftCount() == 1)
    }

    static func maxAge(of name: String, in page: FormBrowser.Page) -> Int? {
        for line in page.headers[values: .setCookie] where line.hasPrefix("\(name)=") {
            for attribute in line.split(separator: ";") {
                let pair = attribute.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                if pair.count == 2, pair[0].lowercased() == "max-age" { return Int(pair[1]) }
            }
        }
        return nil
    }
}
