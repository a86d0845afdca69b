import ConsultCore
import ConsultStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import ConsultServer

/// campaigns over the real server: the keyed client address kept at submit, the clusters listed by
/// size with the signals, a member compared word by word, the audited review, refusals, and the pages.
@Suite struct CampaignAPITests {
    let base = "/api/v1/surveys/consult-test"

    /// Six look-alike submissions from one address, clustered as the detector would (rows written
    /// here, so the review can be tested on a cluster of known shape); returns the respondents in
    /// submission order.
    private func prepare(_ server: TestServer) async throws -> (token: String, respondents: [String], key: Data) {
        let token = try await server.token(.analyst)
        let places = ["Vienna", "Graz", "Linz", "Salzburg", "Innsbruck", "Bregenz"]
        let ids: [String] = try await server.run { client in
            var ids: [String] = []
            for place in places {
                var answers = validAnswers
                answers["which"] = .string("EEG headsets in \(place)")
                answers["publication"] = .string(place == "Vienna" ? "confidential" : "public_anonymous")
                let created = try await client.submit(answers)
                #expect(created.status == .created)
                ids.append(try #require(created.body["id"]?.string))
            }
            return ids
        }
        // The clusters as the detector leaves them once it has placed the letters: its queue empty.
        try sqlite(server.databasePath, """
            DELETE FROM near_duplicate_queue;
            INSERT INTO campaign_cluster (id, survey_id, scope, representative_seq, created_at_ms) VALUES (7, 'consult-test', '', 1, 1);
            INSERT INTO campaign_member (submission_seq, scope, cluster_id, similarity, joined_at_ms)
                SELECT seq, '', 7, 1.0 - seq / 100.0, 2 FROM submission;
            """)
        let database = try server.openDatabase()
        defer { try? database.close() }
        return (token, ids.map(database.pseudonyms.pseudonym(for:)), database.clientKeys.key("127.0.0.1", survey: "consult-test"))
    }

    @Test func theClientAddressIsKeptOnlyAsAKeyedHash() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let (_, _, key) = try await prepare(server)
        let stored = try sqlite(server.databasePath, "SELECT DISTINCT hex(client_key), count(*) FROM submission_client GROUP BY 1")
        #expect(stored.trimmingCharacters(in: .whitespacesAndNewlines) == key.map { String(format: "%02X", $0) }.joined() + "|6")
        #expect(!(try sqlite(server.databasePath, "SELECT * FROM submission_client")).contains("127.0.0.1"))
        // Another survey's key for the same address differs: keys cannot be matched across surveys.
        let database = try server.openDatabase()
        defer { try? database.close() }
        #expect(database.clientKeys.key("127.0.0.1", survey: "other") != key)
    }

    @Test func clustersSignalsComparisonAndAuditedReview() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let (token, respondents, _) = try await prepare(server)
        try await server.run { client in
            #expect(try await client.send(.get, "\(base)/campaigns").status == .unauthorized)
            let listing = try await client.send(.get, "\(base)/campaigns", token: token)
            #expect(listing.status == .ok)
            guard case .array(let clusters)? = listing.body["clusters"] else { Issue.record("no clusters"); return }
            #expect(clusters.count == 1 && clusters[0]["size"] == .number(6) && clusters[0]["is_campaign"] == .bool(true))
            #expect(listing.body["signals"]?["same_address"]?["submissions"] == .number(6))
            #expect(try await client.send(.get, "\(base)/campaigns?scope=nope", token: token).status == .unprocessableContent)

            // The confidential detector's representative (Vienna) is replaced by a member whose text may appear.
            let detail = try await client.send(.get, "\(base)/campaigns/7?compare=\(respondents[2])", token: token)
            #expect(detail.status == .ok)
            #expect(detail.body["representative"]?["respondent"]?.string == respondents[1])
            #expect(detail.body["representative"]?["text"]?.string?.contains("Graz") == true)
            #expect(detail.body["signals"]?["identical_closed_answers"]?["largest"] == .number(5))
            guard case .array(let member)? = detail.body["comparison"]?["member"] else { Issue.record("no comparison"); return }
            let marked = member.filter { $0["differs"] == .bool(true) }.compactMap { $0["text"]?.string }
            #expect(marked == ["Linz"])
            #expect(try await client.send(.get, "\(base)/campaigns/7?compare=r-0000000000000000", token: token).status == .notFound)
            #expect(try await client.send(.get, "\(base)/campaigns/99", token: token).status == .notFound)
            #expect(try await client.send(.get, "\(base)/campaigns/x", token: token).status == .notFound)

            // Refusals: nothing stored changes.
            let before = try databaseState(server.databasePath)
            #expect(try await client.send(.post, "\(base)/campaigns/7/confirm", json: [:], token: token).status == .unprocessableContent)
            #expect(try await client.send(.post, "\(base)/campaigns/7/confirm", json: ["reason": "x", "extra": 1], token: token).status == .badRequest)
            #expect(try await client.send(.post, "\(base)/campaigns/99/confirm", json: ["reason": "x"], token: token).status == .notFound)
            #expect(try await client.send(.post, "\(base)/campaigns/7/split", json: ["reason": "x", "members": .array([.string(respondents[0])])], token: token).status == .conflict)
            #expect(try await client.send(.post, "\(base)/campaigns/7/split", json: ["reason": "x", "members": "r-1"], token: token).status == .unprocessableContent)
            #expect(try await client.send(.post, "\(base)/campaigns/7/move", json: ["reason": "x", "member": "r-nobody"], token: token).status == .notFound)
            #expect(try await client.send(.post, "\(base)/campaigns/7/move", json: ["reason": "x", "member": .string(respondents[0]), "to": 7], token: token).status == .unprocessableContent)
            #expect(try await client.send(.post, "\(base)/campaigns/7/move", json: ["reason": "x", "member": .string(respondents[0]), "to": "7"], token: token).status == .unprocessableContent)
            #expect(try databaseState(server.databasePath) == before)

            let confirmed = try await client.send(.post, "\(base)/campaigns/7/confirm", json: ["reason": "one letter, six senders"], token: token)
            #expect(confirmed.status == .ok && confirmed.body["review"]?.string == "confirmed")
            let split = try await client.send(
                .post, "\(base)/campaigns/7/split", json: ["reason": "second template", "members": .array([.string(respondents[4]), .string(respondents[5])])],
                token: token)
            #expect(split.status == .created && split.body["size"] == .number(2) && split.body["review"]?.string == "unreviewed")
            let moved = try await client.send(.post, "\(base)/campaigns/7/move", json: ["reason": "own words", "member": .string(respondents[3]), "to": .null], token: token)
            #expect(moved.status == .ok)
        }
        let database = try server.openDatabase()
        defer { try? database.close() }
        let audit = try await database.auditLog(survey: "consult-test").filter { $0.action.hasPrefix("campaign.") }
        #expect(audit.map(\.action) == ["campaign.confirmed", "campaign.split", "campaign.member-moved"])
        #expect(audit.allSatisfy { $0.actor == "analyst:tester" })
        #expect(audit[0].reason == "one letter, six senders")
    }

    @Test func theCampaignsPagesMarkTheDifferingWordsAndTakeReviewsWithoutJavaScript() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let (token, respondents, _) = try await prepare(server)
        let organizer = try await server.token(.organizer)
        try await server.run { client in
            let browser = FormBrowser(client)
            _ = try await browser.get("/sign-in")
            _ = try await browser.post("/sign-in", [("token", token)])
            let list = try await browser.get("/analyst/s/consult-test/campaigns")
            #expect(list.status == .ok)
            #expect(list.html.contains("id=\"cluster-7\"") && list.html.contains("1 campaigns among 1 clusters"))
            #expect(list.html.contains("6 submissions came from 1 client address(es)"))
            let page = try await browser.get("/analyst/s/consult-test/campaigns/7?compare=\(respondents[2])")
            #expect(page.status == .ok)
            #expect(page.html.contains("<mark class=\"differs\">Linz</mark>"))
            #expect(page.html.contains("<mark class=\"differs\">Graz</mark>"))
            // The confidential member's text is not the representative's.
            #expect(!page.html.contains("id=\"representative-text\"><bdi>EEG headsets in Vienna"))
            #expect(try await browser.post("/analyst/s/consult-test/campaigns/7", [("action", "confirm"), ("reason", "")]).status == .unprocessableContent)
            #expect(try await browser.post("/analyst/s/consult-test/campaigns/7", [("action", "confirm"), ("reason", "x")], token: .some(nil)).status == .forbidden)
            let done = try await browser.post("/analyst/s/consult-test/campaigns/7", [("action", "confirm"), ("reason", "same letter")])
            #expect(done.status == .seeOther && done.location == "/analyst/s/consult-test/campaigns/7?done=confirmed")
            let after = try await browser.get(done.location ?? "")
            #expect(after.html.contains("id=\"cluster-review\">confirmed"))
            let staff = FormBrowser(client)
            _ = try await staff.get("/sign-in")
            _ = try await staff.post("/sign-in", [("token", organizer)])
            let organizerPage = try await staff.get("/organizer/s/consult-test")
            #expect(organizerPage.html.contains("id=\"organizer-campaigns\">1 campaigns (clusters of at least 5 look-alike submissions), 1 confirmed."))
            #expect(organizerPage.html.contains("6 submissions came from 1 client address(es)"))
            #expect(organizerPage.html.contains("confirmed cluster"))
            #expect(try await staff.get("/analyst/s/consult-test/campaigns").status == .ok)

            // A split leaves 4 members: no longer a campaign.
            let split = try await browser.post(
                "/analyst/s/consult-test/campaigns/7",
                [("action", "split"), ("member", respondents[4]), ("member", respondents[5]), ("reason", "another template")])
            #expect(split.status == .seeOther)
            let listed = try await browser.get("/analyst/s/consult-test/campaigns")
            #expect(listed.html.contains("0 campaigns among 2 clusters"))
        }
    }
}
