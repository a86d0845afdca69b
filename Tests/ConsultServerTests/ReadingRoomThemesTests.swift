import ConsultCore
import ConsultStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// The reading room's themes part over the real server: the codebook, codings, the whole
/// submission by pseudonym, the rule for codings on edited texts, and agreement.
@Suite struct ReadingRoomThemesTests {
    let base = "/api/v1/surveys/consult-test"

    /// Two analyst tokens and the pseudonymizer of a fresh database.
    private func prepare(_ server: TestServer) async throws -> (ana: String, bo: String, pseudonyms: Pseudonymizer) {
        let database = try server.openDatabase()
        defer { try? database.close() }
        let ana = try await database.createToken(role: .analyst, name: "Ana", at: server.clock.now())
        let bo = try await database.createToken(role: .analyst, name: "Bo", at: server.clock.now())
        return (ana, bo, database.pseudonyms)
    }

    private func auditActions(_ server: TestServer) async throws -> [String] {
        let database = try server.openDatabase()
        defer { try? database.close() }
        return try await database.auditLog(survey: "consult-test").map(\.action)
    }

    @Test func codebookCreatesNestsRenamesMergesAndRetiresWithAudit() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let (ana, _, pseudonyms) = try await prepare(server)
        try await server.run { client in
            let submitted = try await client.submit(validAnswers)
            let respondent = pseudonyms.pseudonym(for: try #require(submitted.body["id"]?.string))
            func create(_ body: JSONValue) async throws -> (status: HTTPResponse.Status, body: JSONValue, headers: HTTPFields) {
                try await client.send(.post, "\(base)/themes", json: body, token: ana)
            }
            let risks = try await create(["name": "Risks", "colour": "#d62728", "description": "What could go wrong"])
            #expect(risks.status == .created)
            #expect(risks.body["colour"] == "#D62728")
            #expect(risks.body["depth"] == .number(1))
            let riskID = try #require(risks.body["id"])
            let privacy = try await create(["name": "Privacy", "colour": "#1f77b4", "parent_id": riskID])
            #expect(privacy.body["depth"] == .number(2))
            let leaks = try await create(["name": "Leaks", "colour": "#2CA02C", "parent_id": try #require(privacy.body["id"])])
            #expect(leaks.body["depth"] == .number(3))
            let uses = try await create(["name": "Uses", "colour": "#9467BD"])
            let usesID = try #require(uses.body["id"])

            // Refusals: each a 4xx, and nothing stored changes.
            let before = try databaseState(server.databasePath)
            #expect(try await create(["name": "Too deep", "colour": "#000000", "parent_id": try #require(leaks.body["id"])]).status
                == .unprocessableContent)
            #expect(try await create(["name": "Risks", "colour": "#000000"]).status == .conflict)
            #expect(try await create(["name": "Bad colour", "colour": "red"]).status == .unprocessableContent)
            #expect(try await create(["name": "   ", "colour": "#000000"]).status == .unprocessableContent)
            #expect(try await create(["name": "No colour"]).status == .badRequest)
            #expect(try await create(["name": "X", "colour": "#000000", "parent_id": 9999]).status == .notFound)
            #expect(try await client.send(.patch, "\(base)/themes/9999", json: ["name": "Y"], token: ana).status == .notFound)
            #expect(try await client.send(.patch, "\(base)/themes/\(riskID.intValue)", json: ["parent_id": try #require(leaks.body["id"])],
                token: ana).status == .unprocessableContent)
            #expect(try await client.send(.post, "\(base)/themes/\(usesID.intValue)/merge", json: ["into": usesID], token: ana).status
                == .unprocessableContent)
            #expect(try await client.send(.post, "\(base)/themes", json: ["name": "Z", "colour": "#000000"]).status == .unauthorized)
            #expect(try await client.send(.post, "\(base)/themes", json: ["name": "Z", "colour": "#000000"], token: "not-a-token").status
                == .unauthorized)
            #expect(try await client.send(.post, "\(base)/codings", json: [
                "respondent": .string(respondent), "question": "which", "kind": "answer", "theme_id": 9999,
            ], token: ana).status == .notFound)
            #expect(try await client.send(.post, "\(base)/codings", json: [
                "respondent": .string(respondent), "question": "which", "kind": "answer", "theme_id": usesID, "start": 5, "end": 99,
            ], token: ana).status == .unprocessableContent)
            #expect(try await client.send(.post, "\(base)/codings", json: [
                "respondent": "r-0000000000000000", "question": "which", "kind": "answer", "theme_id": usesID,
            ], token: ana).status == .notFound)
            #expect(try await client.send(.delete, "\(base)/codings/9999", token: ana).status == .notFound)
            #expect(try databaseState(server.databasePath) == before)

            // Rename and recolour; move Uses under Risks and back.
            let renamed = try await client.send(.patch, "\(base)/themes/\(usesID.intValue)", json: ["name": "Uses today", "colour": "#ff7f0e"], token: ana)
            #expect(renamed.status == .ok)
            #expect(renamed.body["name"] == "Uses today" && renamed.body["colour"] == "#FF7F0E")
            let moved = try await client.send(.patch, "\(base)/themes/\(usesID.intValue)", json: ["parent_id": riskID], token: ana)
            #expect(moved.body["depth"] == .number(2))
            #expect(try await client.send(.patch, "\(base)/themes/\(usesID.intValue)", json: ["parent_id": .null], token: ana).body["depth"]
                == .number(1))

            // Merge: Uses today's codings move to Risks, a duplicate is removed rather than repeated.
            let spanOfEEG: [String: JSONValue] = ["respondent": .string(respondent), "question": "which", "kind": "answer", "start": 0, "end": 3]
            var onUses = spanOfEEG
            onUses["theme_id"] = usesID
            var onRisks = spanOfEEG
            onRisks["theme_id"] = riskID
            #expect(try await client.send(.post, "\(base)/codings", json: .object(onUses), token: ana).status == .created)
            #expect(try await client.send(.post, "\(base)/codings", json: .object(onRisks), token: ana).status == .created)
            var whole = onUses
            whole["start"] = nil
            whole["end"] = nil
            #expect(try await client.send(.post, "\(base)/codings", json: .object(whole), token: ana).status == .created)
            let merged = try await client.send(.post, "\(base)/themes/\(usesID.intValue)/merge", json: ["into": riskID], token: ana)
            #expect(merged.status == .ok)
            #expect(merged.body["moved"] == .number(1))
            #expect(merged.body["duplicates_removed"] == .number(1))
            #expect(merged.body["target"]?["codings"] == .number(2))
            let list = try await client.send(.get, "\(base)/themes", token: ana)
            let mergedTheme = list.body["themes"]?.arrayValue.first { $0["id"] == usesID }
            #expect(mergedTheme?["merged_into"] == riskID)
            #expect(mergedTheme?["codings"] == .number(0))
            // A merged theme takes nothing more.
            #expect(try await client.send(.post, "\(base)/codings", json: .object(onUses), token: ana).status == .conflict)

            // Retire: codings kept, no new ones.
            let retired = try await client.send(.post, "\(base)/themes/\(riskID.intValue)/retire", token: ana)
            #expect(retired.status == .ok)
            #expect(retired.body["retired_at"] != .null && retired.body["codings"] == .number(2))
            #expect(try await client.send(.post, "\(base)/codings", json: .object(onRisks), token: ana).status == .conflict)
            #expect(try await client.send(.post, "\(base)/themes/\(riskID.intValue)/retire", token: ana).status == .conflict)
        }
        let actions = try await auditActions(server)
        #expect(actions.filter { $0 == "theme.created" }.count == 4)
        #expect(actions.contains("theme.changed") && actions.contains("theme.merged") && actions.contains("theme.retired"))
        #expect(actions.filter { $0 == "coding.added" }.count == 3)
    }

    /// A coding keeps the words of the version it was made on: after an edit that changes the
    /// text, it is shown as made on an earlier text with the old words, never over the new ones.
    @Test func codingsSurviveAnEditByTheDocumentedRule() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let (ana, _, pseudonyms) = try await prepare(server)
        try await server.run { client in
            let submitted = try await client.submit(validAnswers)
            let id = try #require(submitted.body["id"]?.string)
            let editToken = try #require(submitted.body["edit_token"]?.string)
            let respondent = pseudonyms.pseudonym(for: id)
            let theme = try await client.send(.post, "\(base)/themes", json: ["name": "Devices", "colour": "#123456"], token: ana)
            let coded = try await client.send(.post, "\(base)/codings", json: [
                "respondent": .string(respondent), "question": "which", "kind": "answer", "theme_id": try #require(theme.body["id"]),
                "start": 4, "end": 12,
            ], token: ana)
            #expect(coded.status == .created)
            #expect(coded.body["words"] == "headsets")
            #expect(coded.body["on_earlier_text"] == .bool(false))
            #expect(coded.body["coder"] == "analyst:Ana")

            var edited = validAnswers
            edited["which"] = .string("Consumer EEG bands")
            let put = try await client.send(.put, "/api/v1/submissions/\(id)", json: .object(["answers": .object(edited)]), token: editToken)
            #expect(put.status == .ok)

            let reading = try await client.send(.get, "\(base)/respondents/\(respondent)", token: ana)
            #expect(reading.status == .ok)
            #expect(reading.body["version"] == .number(2))
            let text = reading.body["texts"]?.arrayValue.first { $0["question"] == "which" }
            #expect(text?["text"] == "Consumer EEG bands")
            let coding = try #require(text?["codings"]?.arrayValue.first)
            #expect(coding["on_earlier_text"] == .bool(true))
            #expect(coding["version"] == .number(1))
            #expect(coding["words"] == "headsets")
            // New codings go on the current version.
            #expect(try await client.send(.post, "\(base)/codings", json: [
                "respondent": .string(respondent), "question": "which", "kind": "answer", "theme_id": try #require(theme.body["id"]),
                "start": 9, "end": 12,
            ], token: ana).body["version"] == .number(2))

            let all = try await client.send(.get, "\(base)/respondents/\(respondent)?versions=all", token: ana)
            #expect(all.body["versions"]?.arrayValue.count == 2)
            #expect(try await client.send(.get, "\(base)/respondents/\(respondent)?versions=some", token: ana).status == .badRequest)

            // Removal is recorded, not deleted.
            let codingID = try #require(coding["id"]?.intValue)
            #expect(try await client.send(.delete, "\(base)/codings/\(codingID)", token: ana).status == .ok)
            #expect(try await client.send(.delete, "\(base)/codings/\(codingID)", token: ana).status == .conflict)
            let after = try await client.send(.get, "\(base)/respondents/\(respondent)", token: ana)
            #expect(after.body["texts"]?.arrayValue.first { $0["question"] == "which" }?["codings"]?.arrayValue.count == 1)
        }
        #expect(try await auditActions(server).contains("coding.removed"))
    }

    /// Personal answers only for respondents published with their name; confidential ones marked.
    @Test func theWholeSubmissionFollowsThePublicationRule() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let (ana, _, pseudonyms) = try await prepare(server)
        try await server.run { client in
            var hidden = validAnswers
            hidden["publication"] = .string("confidential")
            let named = pseudonyms.pseudonym(for: try #require(try await client.submit(validAnswers).body["id"]?.string))
            let secret = pseudonyms.pseudonym(for: try #require(try await client.submit(hidden).body["id"]?.string))

            let open = try await client.send(.get, "\(base)/respondents/\(named)", token: ana)
            #expect(open.body["confidential"] == .bool(false))
            #expect(open.body.canonicalText.contains("ada@example.org"))
            #expect(open.body["profile"]?["final_sector"] == "academia")
            #expect(open.body["profile"]?["country_name"] == "Austria")

            let closed = try await client.send(.get, "\(base)/respondents/\(secret)", token: ana)
            #expect(closed.body["confidential"] == .bool(true))
            #expect(!closed.body.canonicalText.contains("ada@example.org"))
            #expect(!closed.body.canonicalText.contains("\"Ada\""))
            let name = closed.body["answers"]?.arrayValue.first { $0["question"] == "name" }
            #expect(name?["withheld"] == "personal")
            // Analysts read confidential free text in the room.
            #expect(closed.body.canonicalText.contains("EEG headsets"))
            #expect(try await client.send(.get, "\(base)/respondents/\(secret)").status == .unauthorized)
            #expect(try await client.send(.get, "\(base)/respondents/r-ffffffffffffffff", token: ana).status == .notFound)
        }
    }

    @Test func agreementOfTwoCodersPerTheme() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let (ana, bo, pseudonyms) = try await prepare(server)
        try await server.run { client in
            var respondents: [String] = []
            for which in ["EEG caps", "Implants", "Apps"] {
                var answers = validAnswers
                answers["which"] = .string(which)
                respondents.append(pseudonyms.pseudonym(for: try #require(try await client.submit(answers).body["id"]?.string)))
            }
            let risk = try #require(try await client.send(.post, "\(base)/themes", json: ["name": "Risk", "colour": "#111111"], token: ana).body["id"])
            let use = try #require(try await client.send(.post, "\(base)/themes", json: ["name": "Use", "colour": "#222222"], token: ana).body["id"])
            func code(_ token: String, _ respondent: String, _ theme: JSONValue) async throws {
                let response = try await client.send(.post, "\(base)/codings", json: [
                    "respondent": .string(respondent), "question": "which", "kind": "answer", "theme_id": theme,
                ], token: token)
                #expect(response.status == .created)
            }
            // Risk: both on text 0, neither on 1 (both coded it Use), Ana only on 2.
            try await code(ana, respondents[0], risk)
            try await code(bo, respondents[0], risk)
            try await code(ana, respondents[1], use)
            try await code(bo, respondents[1], use)
            try await code(ana, respondents[2], risk)
            try await code(bo, respondents[2], use)
            let table = try await client.send(.get, "\(base)/agreement", token: ana)
            #expect(table.status == .ok)
            #expect(table.body["coders"] == .number(2))
            let riskRow = table.body["themes"]?.arrayValue.first { $0["theme_id"] == risk }
            #expect(riskRow?["overlap"] == .number(3))
            #expect(riskRow?["kappa"] == .number(0.4))
            let csv = try await client.executeRequest(
                uri: "\(base)/agreement.csv", method: .get, headers: [.authorization: "Bearer \(ana)"], body: nil)
            #expect(String(buffer: csv.body).contains("Risk,false,3,2,0.4000,"))
        }
    }
}

extension JSONValue {
    var arrayValue: [JSONValue] {
        if case .array(let items) = self { return items }
        return []
    }

    var intValue: Int {
        if case .number(let value) = self { return Int(value) }
        return -1
    }
}

// Literals for request bodies and expectations in the reading-room tests.
extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}
