import ConsultCore
import ConsultStore
import Foundation
import SurveyFiles
import Testing

@Suite struct BackupTests {
    let folder: URL
    let survey: Survey
    let now = Date(timeIntervalSince1970: 1_760_000_000)  // 2025-10-09, while neurotech-2025 is open

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("backup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        survey = try SurveyFile.load(path: root.appendingPathComponent("Surveys/neurotech-2025.yaml").path)
    }

    func answers(_ index: Int) throws -> AnswerSet {
        try survey.check([
            "sector": .string("civil_society"), "country": .string("KE"), "organisation_size": .string("size_1_9"),
            "familiarity": .number(Double(1 + index % 5)), "further_comments": .string("comment \(index)"),
            "technologies_known": .array([.string("fmri")]),
            "rights_concern": .object(Dictionary(uniqueKeysWithValues: rightsItems().map { ($0, JSONValue.number(2)) })),
            "publication": .string("public_anonymous"),
        ], as: .submission)
    }

    func rightsItems() -> [String] {
        guard case .matrix(let items, _)? = survey.question("rights_concern")?.kind else { return [] }
        return items.map(\.id.rawValue)
    }

    /// A backup taken while submissions keep arriving is a consistent snapshot: it opens as a
    /// database, passes its integrity check, and every submission it counts is whole and readable
    /// with its edit token; those acknowledged before the backup began are all in it.
    @Test func aBackupTakenDuringWritesRestoresEverySubmissionAcknowledgedBeforeIt() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try ConsultDatabase(path: folder.appendingPathComponent("live.sqlite").path)
        var acknowledged: [(id: String, token: String, answers: String)] = []
        for index in 0..<200 {
            let set = try answers(index)
            guard case .accepted(let accepted) = try await database.submit(set, to: survey, receivedAt: now) else {
                Issue.record("refused")
                return
            }
            acknowledged.append((accepted.id, accepted.editToken ?? "", set.canonicalText))
        }
        let writer = Task {
            for index in 200..<400 { _ = try await database.submit(try answers(index), to: survey, receivedAt: now) }
        }
        let copyPath = folder.appendingPathComponent("copy.sqlite").path
        let copied = try database.backup(to: copyPath)
        try await writer.value
        try database.close()
        #expect((200...400).contains(copied))
        #expect(!FileManager.default.fileExists(atPath: copyPath + "-wal"))
        #expect(throws: BackupFailure.self) { try ConsultDatabase(path: copyPath).backup(to: copyPath) }

        let restored = try ConsultDatabase(path: copyPath)
        defer { try? restored.close() }
        #expect(try restored.integrityCheck() == "ok")
        #expect(try await restored.submissionCount(survey: survey.id) == copied)
        for entry in acknowledged {
            let stored = try await restored.submission(id: entry.id, token: entry.token)
            #expect(stored.answersJSON == entry.answers)
        }
    }
}
