import ConsultCore
import ConsultStore
import Foundation
import GRDB
import SurveyFiles
import Testing

@Suite struct DraftStoreTests {
    let folder: URL
    let path: String
    let survey: Survey
    let now = Date(timeIntervalSince1970: 1_760_000_000)  // 2025-10-09, while neurotech-2025 is open
    let limits = DraftLimits(perSurvey: 10, perClient: 2, untouchedLifetime: 30 * 86_400, afterDeadline: 7 * 86_400)

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("drafts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        path = folder.appendingPathComponent("consult.sqlite").path
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        survey = try SurveyFile.load(path: root.appendingPathComponent("Surveys/neurotech-2025.yaml").path)
    }

    /// Only drafts that are open (not submitted) and not expired count against a client's cap;
    /// the address itself is not stored, only a hash of it.
    @Test func theCapCountsOpenUnexpiredDraftsOfTheClientAndKeepsNoAddress() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try ConsultDatabase(path: path)
        let empty = AnswerSet([:])
        _ = try await database.createDraft(for: survey.id, answers: empty, at: now.addingTimeInterval(-31 * 86_400),
            client: "203.0.113.7", limits: limits)
        _ = try await database.createDraft(for: survey.id, answers: empty, at: now, client: "203.0.113.7", limits: limits)
        _ = try await database.createDraft(for: survey.id, answers: empty, at: now, client: "203.0.113.7", limits: limits)
        await #expect(throws: DraftFailure.self) {
            try await database.createDraft(for: survey.id, answers: empty, at: now, client: "203.0.113.7", limits: limits)
        }
        _ = try await database.createDraft(for: survey.id, answers: empty, at: now, client: "198.51.100.1", limits: limits)
        try database.close()
        let queue = try DatabaseQueue(path: path)
        let (stored, naming) = try await queue.read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM draft"),
                try Int.fetchOne(db, sql: "SELECT count(*) FROM draft WHERE CAST(client_hash AS TEXT) LIKE '%203.0.113%'"))
        }
        #expect(stored == 4)
        #expect(naming == 0)
    }

    /// Rotating the resume token shuts out the old one; a submitted draft keeps no answers.
    @Test func aRotatedTokenOpensNothingAndASubmittedDraftKeepsNoAnswers() async throws {
        let database = try ConsultDatabase(path: path)
        defer { try? database.close(); try? FileManager.default.removeItem(at: folder) }
        let answers = try survey.check([
            "sector": .string("academia"), "country": .string("BR"), "organisation_size": .string("size_1_9"),
            "familiarity": .number(4), "technologies_known": .array([.string("eeg_erp")]),
            "rights_concern": .object(Dictionary(uniqueKeysWithValues: rightsItems().map { ($0, JSONValue.number(3)) })),
            "publication": .string("confidential"),
        ], as: .submission)
        let (id, old) = try await database.createDraft(
            for: survey.id, answers: answers, at: now, client: "203.0.113.7", limits: limits)
        let fresh = try await database.rotateResumeToken(id: id, token: old, at: now)
        #expect(fresh != old)
        await #expect(throws: DraftFailure.self) { try await database.draft(id: id, token: old) }
        #expect(try await database.draft(id: id, token: fresh).answersJSON == answers.canonicalText)

        let outcome = try await database.submitDraft(id: id, token: fresh, answers: answers, survey: survey, receivedAt: now)
        guard case .accepted = outcome else {
            Issue.record("refused: \(outcome)")
            return
        }
        let submitted = try await database.draft(id: id, token: fresh)
        #expect(submitted.answersJSON == "{}")
        #expect(submitted.submittedAs != nil)
        await #expect(throws: DraftFailure.self) { try await database.rotateResumeToken(id: id, token: fresh, at: now) }
    }

    func rightsItems() -> [String] {
        guard case .matrix(let items, _)? = survey.question("rights_concern")?.kind else { return [] }
        return items.map(\.id.rawValue)
    }
}
