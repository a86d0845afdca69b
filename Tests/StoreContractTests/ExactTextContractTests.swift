import ConsultCore
import ConsultStore
import Foundation
import Testing

/// Free text is kept byte for byte on every engine, U+0000 and all (PostgreSQL's `text` refuses
/// U+0000, SQLite's C-string binding cut at it once).
@Suite struct ExactTextContractTests {
    let survey = ContractSurvey.survey

    func rightsItems() throws -> [String] {
        guard case .matrix(let items, _)? = survey.question("rights_concern")?.kind else {
            throw ContractFailure("the survey has no matrix question rights_concern")
        }
        return items.map(\.id.rawValue)
    }

    static let texts = ["before\u{0}after", "\u{0}", "ends with\u{0}", "ß ĳ 😀 \u{200F}rtl\u{200E}", "line\r\nbreaks\ttab"]

    @Test(arguments: Engine.all)
    func theOtherSectorTextComesBackWhole(engine: Engine) async throws {
        try await engine.withTwoNodes { a, b in
            for text in Self.texts {
                let answers = try survey.check([
                    "sector": .object(["choice": .string("other"), "other": .string(text)]), "country": .string("AT"),
                    "organisation_size": .string("size_1_9"), "familiarity": .number(4), "role": .string(text),
                    "technologies_known": .array([.string("eeg_erp")]),
                    "rights_concern": .object(Dictionary(uniqueKeysWithValues: try rightsItems().map { ($0, JSONValue.number(3)) })),
                    "publication": .string("public_anonymous"),
                ], as: .submission)
                let accepted = try await a.submit(
                    answers, to: survey, receivedAt: ContractSurvey.whileOpen, idempotency: nil, fileOwner: nil, client: nil
                ).accepted()
                let stored = try await b.submission(id: accepted.id, token: try #require(accepted.editToken))
                #expect(stored.otherSectorText == text)
                #expect(Array(stored.otherSectorText?.utf8 ?? "".utf8) == Array(text.utf8))
                #expect(stored.answersJSON == answers.canonicalText)
                let assignment = try await b.reassignSector(
                    of: accepted.id, to: "academia", actor: "organizer:contract", reason: "exact text", at: ContractSurvey.whileOpen)
                #expect(assignment?.otherText == text)
            }
        }
    }

    @Test(arguments: Engine.all)
    func nodesStartingTogetherShareOneSetOfKeys(engine: Engine) async throws {
        // The nodes are opened on the empty database at once: each may make keys, one set wins for all.
        try await engine.withNodes(3) { nodes in
            #expect(Set(nodes.map(\.receipts.keyID)).count == 1)
            #expect(Set(nodes.map { $0.pseudonyms.pseudonym(for: "submission-1") }).count == 1)
        }
    }
}
