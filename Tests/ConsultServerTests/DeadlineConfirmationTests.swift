import ConsultCore
import ConsultStore
import Foundation
import HummingbirdTesting
import Testing

/// The organizer's deadline form: a confirmation step in plain words before anything moves.
@Suite struct DeadlineConfirmationTests {
    /// The value of the hidden field `name` on a page, as a browser would post it back.
    static func hidden(_ name: String, in html: String) -> String? {
        guard let match = html.firstMatch(of: try! Regex(#"<input type="hidden" name="\#(name)" value="([^"]*)">"#)),
            let value = match.output[1].substring
        else { return nil }
        return String(value).replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    @Test func theReasonRoundTripsThroughTheConfirmationAndAStaleConfirmationIsAskedAgain() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let token = try await server.token(.organizer)
        let reason = "Member states asked \"again\" <urgent> & soon\r\nsecond line"
        try await server.run { client in
            let browser = FormBrowser(client)
            _ = try await browser.get("/sign-in")
            _ = try await browser.post("/sign-in", [("token", token)])
            #expect(try await browser.get("/organizer/s/consult-test").status == .ok)
            let path = "/organizer/s/consult-test/deadline"
            let checked = try await browser.post(path, [("closes_at", "2025-11-12T18:00"), ("reason", reason)])
            #expect(checked.status == .ok)
            #expect(checked.html.contains("respondents will have 2 days more."))
            let carried = try #require(Self.hidden("reason", in: checked.html))
            #expect(carried == reason)
            let closesAt = try #require(Self.hidden("closes_at", in: checked.html))
            let from = try #require(Self.hidden("from", in: checked.html))
            #expect(closesAt == "2025-11-12T17:00:00.000Z" && from == "2025-11-10T17:00:00.000Z")

            // Back: the form with the values as typed, in the control's format; nothing moved.
            let back = try await browser.post(path, [("closes_at", closesAt), ("reason", carried), ("from", from), ("action", "back")])
            #expect(back.status == .ok)
            #expect(back.html.contains(#"value="2025-11-12T18:00""#))
            #expect(back.html.contains("Member states asked &quot;again&quot; &lt;urgent&gt; &amp; soon"))

            // The deadline moved meanwhile: the confirmation is shown again, from the new deadline, with 409.
            let other = try await client.send(
                .put, "/api/v1/surveys/consult-test/deadline",
                json: .object(["closes_at": .string("2025-11-11T17:00:00Z"), "reason": .string("Another organizer")]), token: token)
            #expect(other.status == .ok)
            let stale = try await browser.post(path, [("closes_at", closesAt), ("reason", carried), ("from", from), ("action", "confirm")])
            #expect(stale.status == .conflict)
            #expect(stale.html.contains("moved by someone else meanwhile"))
            #expect(stale.html.contains("respondents will have 1 day more."))
            let fresh = try #require(Self.hidden("from", in: stale.html))
            let confirmed = try await browser.post(path, [("closes_at", closesAt), ("reason", carried), ("from", fresh), ("action", "confirm")])
            #expect(confirmed.location == "/organizer/s/consult-test?moved=1")
        }
        let database = try server.openDatabase()
        defer { try? database.close() }
        let moves = try await database.auditLog(survey: "consult-test").filter { $0.action == "deadline.changed" }
        #expect(moves.map(\.reason) == ["Another organizer", reason])
        #expect(try await database.window(of: server.survey).closesAt == Date(timeIntervalSince1970: 1_762_966_800))
    }
}
