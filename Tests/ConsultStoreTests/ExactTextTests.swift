import ConsultCore
import ConsultStore
import Foundation
import GRDB
import SurveyFiles
import Testing

/// Free text with U+0000 in it is kept whole in the answer rows and the "other" sector text,
/// on submission and on edit, and texts an earlier version cut at the NUL are restored on opening.
@Suite struct ExactTextTests {
    let folder: URL
    let path: String
    let survey: Survey
    let now = Date(timeIntervalSince1970: 1_760_000_000)  // 2025-10-09, while the survey is open
    /// Answer texts as the store keeps them (not trimmed further): NUL in the middle, twice, and next to other controls.
    let texts = ["before \u{0} after", "x\u{1}\u{0}\u{0}y\u{1F}z\u{85}end", "é e\u{301} \u{200F}\u{0}🧠"]

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("exact-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        path = folder.appendingPathComponent("consult.sqlite").path
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        survey = try SurveyFile.load(path: root.appendingPathComponent("Surveys/neurotech-2025.yaml").path)
    }

    /// `role` (text), the sector's and `technologies_known`'s "other" texts.
    func answers(_ text: String) throws -> AnswerSet {
        try survey.check([
            "sector": .object(["choice": .string("other"), "other": .string(text)]), "country": .string("AT"),
            "organisation_size": .string("size_1_9"), "familiarity": .number(4), "role": .string(text),
            "technologies_known": .array([.string("eeg_erp"), .object(["choice": .string("other"), "other": .string(text)])]),
            "rights_concern": .object(Dictionary(uniqueKeysWithValues: rightsItems().map { ($0, JSONValue.number(3)) })),
            "publication": .string("public_anonymous"),
        ], as: .submission)
    }

    func rightsItems() -> [String] {
        guard case .matrix(let items, _)? = survey.question("rights_concern")?.kind else { return [] }
        return items.map(\.id.rawValue)
    }

    /// The stored texts of submission `id` in hexadecimal: its answer rows', then its "other" sector text.
    func storedHex(_ id: String) throws -> [String] {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try queue.read { db in
            try String.fetchAll(db, sql: """
                SELECT hex(a.text) FROM answer_value a JOIN submission s ON s.seq = a.submission_seq
                WHERE s.id = ?1 AND a.text IS NOT NULL
                UNION ALL SELECT hex(other_sector_text) FROM submission WHERE id = ?1
                """, arguments: [id])
        }
    }

    static func hex(_ text: String) -> String { text.utf8.map { String(format: "%02X", $0) }.joined() }

    @Test func aSubmissionAndAnEditKeepEveryByteAfterANUL() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try ConsultDatabase(path: path)
        guard case .accepted(let first) = try await database.submit(try answers(texts[0]), to: survey, receivedAt: now),
            let token = first.editToken
        else {
            Issue.record("refused")
            return
        }
        #expect(try storedHex(first.id) == Array(repeating: Self.hex(texts[0]), count: 4))
        let read = try await database.submission(id: first.id, token: token)
        #expect(read.otherSectorText?.unicodeScalars.map(\.value) == texts[0].unicodeScalars.map(\.value))

        let edited = try await database.replaceAnswers(
            of: first.id, token: token, with: try answers(texts[1]), survey: survey, receivedAt: now.addingTimeInterval(60))
        guard case .accepted = edited else {
            Issue.record("edit refused: \(edited)")
            return
        }
        #expect(try storedHex(first.id) == Array(repeating: Self.hex(texts[1]), count: 4))
        let reread = try await database.submission(id: first.id, token: token)
        #expect(reread.otherSectorText?.unicodeScalars.map(\.value) == texts[1].unicodeScalars.map(\.value))
        try database.close()
    }

    @Test func opensAFileWhoseTextsWereCutAtANULAndRestoresThemFromTheAnswers() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        var database = try ConsultDatabase(path: path)
        var ids: [String] = []
        for text in texts + ["no NUL here"] {
            guard case .accepted(let accepted) = try await database.submit(try answers(text), to: survey, receivedAt: now) else {
                Issue.record("refused")
                return
            }
            ids.append(accepted.id)
        }
        try database.close()

        // What earlier versions wrote: each text up to its first NUL, and no v4 migration yet.
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            let cut = "CAST(substr(CAST(%@ AS BLOB), 1, instr(CAST(%@ AS BLOB), x'00') - 1) AS TEXT)"
            let text = String(format: cut, "text", "text"), other = String(format: cut, "other_sector_text", "other_sector_text")
            try db.execute(sql: "UPDATE answer_value SET text = \(text) WHERE instr(CAST(text AS BLOB), x'00') > 0")
            try db.execute(sql: "UPDATE submission SET other_sector_text = \(other) WHERE instr(CAST(other_sector_text AS BLOB), x'00') > 0")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier LIKE 'v4-exact-answer-text%'")
        }
        try queue.close()
        for (id, text) in zip(ids, texts) {
            #expect(try storedHex(id) == Array(repeating: Self.hex(String(text.prefix { $0 != "\u{0}" })), count: 4), "cut")
        }

        database = try ConsultDatabase(path: path)
        for (id, text) in zip(ids, texts + ["no NUL here"]) {
            #expect(try storedHex(id) == Array(repeating: Self.hex(text), count: 4), "restored")
        }
        try database.close()
    }
}
