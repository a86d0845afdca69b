import ConsultCore
import ConsultStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import ConsultServer

/// The copy of a submitted response and the public receipt check, with plain forms.
@Suite struct RespondentCopyTests {
    @Test func theCopyOpensOnlyWithThisBrowsersSubmissionAndShowsResultAndReceipt() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.run { client in
            let browser = try await WebPagesTests.fillForm(client)
            let review = try await browser.get("/s/consult-test/review")
            #expect(review.html.contains(#"id="result-level">High<"#))
            _ = try await browser.post("/s/consult-test/submit", [])
            let done = try await browser.get("/s/consult-test/done")
            #expect(done.html.contains(#"id="result-level">High<"#))
            #expect(done.html.contains(#"href="/s/consult-test/copy""#))
            let copy = try await browser.get("/s/consult-test/copy")
            #expect(copy.status == .ok)
            #expect(copy.headers[.cacheControl] == "no-store")
            #expect(copy.html.contains("Other: University research group"))
            let receipt = try JSONDecoder().decode(Receipt.self, from: Data(try await browser.get("/s/consult-test/receipt").html.utf8))
            #expect(copy.html.contains(#"id="receipt-hash">\#(receipt.answersSHA256)<"#))

            // Another browser, even holding the edit link, gets no copy by a GET.
            let stranger = FormBrowser(client)
            let editLink = try #require(FormBrowser.firstMatch(#"id="edit-link"[^>]*value="([^"]+)""#, in: done.html))
            let path = try #require(URLComponents(string: editLink)).path
            let token = try #require(editLink.components(separatedBy: "token=").last)
            _ = try await stranger.get("\(path)?token=\(token)")
            #expect(try await stranger.get("/s/consult-test/copy").location == "/s/consult-test")
            // Its own confirmation (a form posted from this site) opens it.
            let confirmed = try await stranger.post(path, [("token", token), ("action", "copy")])
            #expect(confirmed.location == "/s/consult-test/copy")
            #expect(try await stranger.get("/s/consult-test/copy").html.contains("Other: University research group"))
        }
    }

    @Test func theReceiptCheckTellsAGenuineReceiptFromATamperedOne() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.run { client in
            let created = try await client.submit(validAnswers)
            guard case .object(var receipt)? = created.body["receipt"] else {
                Issue.record("no receipt in \(created.body)")
                return
            }
            let text = String(decoding: try JSONEncoder().encode(JSONValue.object(receipt)), as: UTF8.self)
            let browser = FormBrowser(client)
            #expect(try await browser.get("/receipts/check").status == .ok)
            let genuine = try await browser.post("/receipts/check", [("receipt", text)])
            #expect(genuine.status == .ok)
            #expect(genuine.html.contains("This receipt is genuine"))
            #expect(genuine.html.contains("9 November 2025, 18:00 (Europe/Vienna, UTC+01:00)"))
            #expect(genuine.html.contains(#"id="receipt-on-time">Yes"#))

            receipt["version"] = .number(2)
            let forged = String(decoding: try JSONEncoder().encode(JSONValue.object(receipt)), as: UTF8.self)
            let tampered = try await browser.post("/receipts/check", [("receipt", forged)])
            #expect(tampered.html.contains("This receipt is not valid"))
            #expect(!tampered.html.contains("This receipt is genuine"))

            let garbage = try await browser.post("/receipts/check", [("receipt", "{\"x\": 1}")])
            #expect(garbage.status == .unprocessableContent)
            let foreign = try await browser.post("/receipts/check", [("receipt", text)], token: "forged")
            #expect(foreign.status == .forbidden)
        }
    }
}
