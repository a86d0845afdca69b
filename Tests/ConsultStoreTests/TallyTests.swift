import ConsultCore
import Foundation
import GRDB
import SurveyFiles
import SyntheticResponses
import Testing

@testable import ConsultStore

/// The tallies the analysis reads are kept up to date in the transactions that store, edit and
/// reassign submissions; they must always equal a count made afresh from the stored answers.
@Suite struct TallyTests {
    let folder: URL
    let path: String
    let survey: Survey
    let now = Date(timeIntervalSince1970: 1_760_000_000)  // 2025-10-09, while the survey is open

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("tally-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        path = folder.appendingPathComponent("consult.sqlite").path
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        survey = try SurveyFile.load(path: root.appendingPathComponent("Surveys/neurotech-2025.yaml").path)
    }

    /// Each tally as "survey|question|…|sector=count" lines, beside the same counts made from the answer rows.
    static let recounts: [(tally: String, recount: String)] = [
        ("SELECT survey_id || '|' || question || '|' || sector || '=' || respondents FROM question_tally WHERE respondents > 0",
         """
         SELECT s.survey_id || '|' || q.code || '|' || s.final_sector || '=' || count(DISTINCT a.submission_seq)
         FROM answer_value a JOIN submission s ON s.seq = a.submission_seq JOIN answer_code q ON q.id = a.question
         GROUP BY s.survey_id, q.code, s.final_sector
         """),
        ("SELECT survey_id || '|' || question || '|' || option || '|' || sector || '=' || respondents FROM option_tally WHERE respondents > 0",
         """
         SELECT s.survey_id || '|' || q.code || '|' || o.code || '|' || s.final_sector || '=' || count(*)
         FROM answer_value a JOIN submission s ON s.seq = a.submission_seq
         JOIN answer_code q ON q.id = a.question JOIN answer_code o ON o.id = a.option
         GROUP BY s.survey_id, q.code, o.code, s.final_sector
         """),
        ("SELECT survey_id || '|' || question || '|' || item || '|' || number || '|' || sector || '=' || answers FROM number_tally WHERE answers > 0",
         """
         SELECT s.survey_id || '|' || q.code || '|' || coalesce(i.code, '') || '|' || a.number || '|' || s.final_sector || '=' || count(*)
         FROM answer_value a JOIN submission s ON s.seq = a.submission_seq JOIN answer_code q ON q.id = a.question
         LEFT JOIN answer_code i ON i.id = a.item WHERE a.number IS NOT NULL
         GROUP BY s.survey_id, q.code, i.code, a.number, s.final_sector
         """),
    ]

    func expectTalliesMatchARecount(_ path: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.read { db in
            for (tally, recount) in Self.recounts {
                let kept = Set(try String.fetchAll(db, sql: tally))
                #expect(!kept.isEmpty, sourceLocation: sourceLocation)
                #expect(kept == Set(try String.fetchAll(db, sql: recount)), sourceLocation: sourceLocation)
            }
            // And independently of the answer rows: a scale question counted from the versions' JSON.
            let fromJSON = try String.fetchAll(db, sql: """
                SELECT s.final_sector || '|' || json_extract(v.answers_json, '$.familiarity') || '=' || count(*)
                FROM submission s JOIN submission_version v ON v.submission_seq = s.seq AND v.version = s.version
                WHERE json_extract(v.answers_json, '$.familiarity') IS NOT NULL
                GROUP BY s.final_sector, json_extract(v.answers_json, '$.familiarity')
                """)
            let tallied = try String.fetchAll(db, sql: """
                SELECT sector || '|' || CAST(number AS INTEGER) || '=' || answers FROM number_tally
                WHERE question = 'familiarity' AND answers > 0
                """)
            #expect(Set(fromJSON) == Set(tallied), sourceLocation: sourceLocation)
        }
    }

    @Test func talliesMatchARecountAfterConcurrentSubmissionsEditsAndReassignments() async throws {
        let database = try ConsultDatabase(path: path)
        var generator = ResponseGenerator(survey: survey, seed: 7)
        let answerSets = try (0..<60).map { _ in try generator.nextAnswerSet() }
        // Concurrent submissions share group-commit transactions.
        let accepted = try await withThrowingTaskGroup(of: AcceptedSubmission?.self) { group in
            for answers in answerSets {
                group.addTask {
                    if case .accepted(let accepted) = try await database.submit(answers, to: survey, receivedAt: now) {
                        return accepted
                    }
                    return nil
                }
            }
            return try await group.reduce(into: [AcceptedSubmission]()) { if let accepted = $1 { $0.append(accepted) } }
        }
        #expect(accepted.count == 60)
        // Edits with other answers (and so, often, another sector), and sector reassignments, some on edited ones.
        for (index, submission) in accepted.prefix(20).enumerated() {
            let outcome = try await database.replaceAnswers(
                of: submission.id, token: submission.editToken ?? "", with: try generator.nextAnswerSet(), survey: survey,
                receivedAt: now.addingTimeInterval(Double(index)))
            guard case .accepted = outcome else {
                Issue.record("edit refused: \(outcome)")
                return
            }
        }
        for submission in accepted[10..<30] {
            _ = try await database.reassignSector(
                of: submission.id, to: "civil_society", actor: "test", reason: "checked by hand", at: now)
        }
        // Edits of reassigned submissions keep counting them in the sector the organizers chose.
        for submission in accepted[25..<30] {
            _ = try await database.replaceAnswers(
                of: submission.id, token: submission.editToken ?? "", with: try generator.nextAnswerSet(), survey: survey,
                receivedAt: now)
        }
        try await database.importSynthetic(try (0..<40).map { _ in (try generator.nextAnswerSet(), now) }, to: survey)
        try database.close()
        try expectTalliesMatchARecount(path)
    }

    @Test func theMigrationToCompactValuesKeepsEveryAnswerAndCountsTheTallies() async throws {
        // A file as version 2 of the schema wrote it: text ids in one `answer` row per value.
        let queue = try DatabaseQueue(path: path)
        try Schema.migrator.migrate(queue, upTo: "v2: browser sign-in sessions of organizers and analysts")
        try await queue.write { db in
            for (seq, sector, familiarity) in [(1, "academia", 4.0), (2, "industry", 2.0), (3, "academia", 4.0)] {
                try db.execute(sql: """
                    INSERT INTO submission (seq, id, survey_id, received_at_ms, updated_at_ms, version, edit_token_hash,
                        declared_sector, classified_sector, country, publication)
                    VALUES (?, ?, 'neurotech-2025', 0, 0, 1, ?, ?, ?, 'BR', 'confidential')
                    """, arguments: [seq, "s\(seq)", Data([UInt8(seq)]), sector, sector])
                let json = #"{"country":"BR","familiarity":\#(Int(familiarity)),"sector":"\#(sector)","technologies_known":["eeg_erp"]}"#
                try db.execute(sql: """
                    INSERT INTO submission_version (submission_seq, version, received_at_ms, answers_json, answers_sha256)
                    VALUES (?, 1, 0, ?, ?)
                    """, arguments: [seq, json, String(repeating: "0", count: 64)])
                for (question, option, number, text) in [
                    ("country", "BR", nil, nil), ("familiarity", nil, familiarity, nil), ("sector", sector, nil, nil),
                    ("technologies_known", "eeg_erp", nil, nil), ("technologies_known", "other", nil, "eye tracking"),
                ] as [(String, String?, Double?, String?)] {
                    try db.execute(
                        sql: "INSERT INTO answer (submission_seq, question, option, number, text) VALUES (?, ?, ?, ?, ?)",
                        arguments: [seq, question, option, number, text])
                }
            }
        }
        try queue.close()

        let database = try ConsultDatabase(path: path)
        #expect(try database.integrityCheck() == "ok")
        try await database.pool.read { db in
            let rows = try database.answerRows(of: 2, in: db)
            #expect(rows == [
                AnswerRows.Row(question: "country", option: "BR"), AnswerRows.Row(question: "familiarity", number: 2),
                AnswerRows.Row(question: "sector", option: "industry"),
                AnswerRows.Row(question: "technologies_known", option: "eeg_erp"),
                AnswerRows.Row(question: "technologies_known", option: "other", text: "eye tracking"),
            ])
            #expect(try String.fetchAll(db, sql: "SELECT answers_json FROM submission_version ORDER BY submission_seq").count == 3)
        }
        let options = try await database.optionCounts(survey: survey.id)
        #expect(options.first { $0.question == "technologies_known" && $0.option == "other" && $0.sector == "academia" }?.respondents == 2)
        let summaries = try await database.numberSummaries(survey: survey.id, question: "familiarity", allSectors: "all")
        #expect(summaries.first { $0.sector == "all" }?.median == 4)
        // The migrated file takes new submissions and keeps its tallies right.
        var generator = ResponseGenerator(survey: survey, seed: 8)
        _ = try await database.submit(try generator.nextAnswerSet(), to: survey, receivedAt: now)
        try database.close()
        try expectTalliesMatchARecount(path)
    }
}
