import Foundation
import GRDB
import SurveyFiles
import Testing

@testable import ConsultCore
@testable import ConsultStore

/// lang (issue 15): every `open_text` row carries the language the rule assigns and CLD2's guess,
/// written when the submission is stored or edited, backfilled by the migration for older rows,
/// and the reading room's search filters on it.
@Suite struct TextLanguageStoreTests {
    let folder: URL
    let path: String
    let survey: Survey
    let now = Date(timeIntervalSince1970: 1_760_000_000)  // 2025-10-09, while the survey is open

    static let french = "La défense doit avoir accès aux données brutes et à l'algorithme, au même titre que l'accusation, sinon le procès n'est pas équitable."
    static let english = "The defence must have the same access to the raw data and the algorithm as the prosecution, otherwise the trial is not fair."
    static let german = "Die Verteidigung muss denselben Zugang zu den Rohdaten und zum Algorithmus haben wie die Anklage, sonst ist das Verfahren nicht fair."

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("language-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        path = folder.appendingPathComponent("consult.sqlite").path
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        survey = try SurveyFile.load(path: root.appendingPathComponent("Surveys/neurotech-2025.yaml").path)
    }

    /// Answers with `uses` for uses_comments, `further` for further_comments and `other` as the other sector.
    func answers(uses: String?, further: String? = nil, other: String = "a museum") throws -> AnswerSet {
        var raw: [String: JSONValue] = [
            "sector": .object(["choice": .string("other"), "other": .string(other)]), "country": .string("BR"),
            "organisation_size": .string("size_1_9"),
            "familiarity": .number(4), "technologies_known": .array([.string("eeg_erp")]),
            "rights_concern": .object(Dictionary(uniqueKeysWithValues: rightsItems().map { ($0, JSONValue.number(3)) })),
            "publication": .string("public_anonymous"),
        ]
        if let uses { raw["uses_comments"] = .string(uses) }
        if let further { raw["further_comments"] = .string(further) }
        return try survey.check(raw, as: .submission)
    }

    func rightsItems() -> [String] {
        guard case .matrix(let items, _)? = survey.question("rights_concern")?.kind else { return [] }
        return items.map(\.id.rawValue)
    }

    func languages(_ database: ConsultDatabase) async throws -> [String: [String]] {
        try await database.pool.read { db in
            var found: [String: [String]] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT question, language, language_guess, language_percent, language_reliable FROM open_text
                WHERE kind = 'answer' ORDER BY id
                """)
            {
                found[row["question"], default: []].append(
                    "\(row["language"] as String)/\(row["language_guess"] as String)/\(row["language_reliable"] as Int)")
            }
            return found
        }
    }

    @Test func storingAndEditingKeepTheLanguageOfEveryText() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try ConsultDatabase(path: path)
        guard case .accepted(let stored) = try await database.submit(
            try answers(uses: Self.french, further: "Yes"), to: survey, receivedAt: now)
        else { Issue.record("refused"); return }
        var found = try await languages(database)
        #expect(found["uses_comments"] == ["fr/fr/1"])
        // "Yes" is too short to judge: undetermined whatever CLD2 guessed.
        #expect(found["further_comments"]?.first?.hasPrefix("und/") == true)
        // The other-sector text "a museum" is short too.
        let sector = try await database.pool.read { db in
            try String.fetchOne(db, sql: "SELECT language FROM open_text WHERE kind = 'sector'")
        }
        #expect(sector == "und")

        _ = try await database.replaceAnswers(
            of: stored.id, token: stored.editToken ?? "", with: try answers(uses: Self.english, further: Self.german),
            survey: survey, receivedAt: now.addingTimeInterval(60))
        found = try await languages(database)
        #expect(found["uses_comments"] == ["en/en/1"])
        #expect(found["further_comments"] == ["de/de/1"])
        try database.close()
    }

    @Test func theSearchFiltersOnTheLanguageAndItsVerdict() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try ConsultDatabase(path: path)
        for (uses, further) in [(Self.french, "Yes"), (Self.english, Self.german), (Self.english, "No opinion."), (Self.german, nil)] {
            _ = try await database.submit(try answers(uses: uses, further: further), to: survey, receivedAt: now)
        }
        let search = SQLiteTextSearch(database)
        func count(_ filter: LanguageFilter, question: String? = nil) async throws -> Int {
            try await search.count(
                of: survey, query: nil, filters: TextSearchFilters(question: question.map { QuestionID($0) }, language: filter))
        }
        #expect(try await count(.verdict(.foreign), question: "uses_comments") == 2)
        #expect(try await count(.verdict(.foreign)) == 3)
        #expect(try await count(.verdict(.surveyLanguage)) == 2)
        #expect(try await count(.language(.language("de"))) == 2)
        #expect(try await count(.language(.language("fr"))) == 1)
        // Two short answers and four "other" sector texts (the sector's "other" text and the other-sector text).
        #expect(try await count(.verdict(.undetermined)) == 2 + 4 * 2)
        #expect(try await count(.language(.undetermined)) == 2 + 4 * 2)
        let page = try await search.page(of: survey, query: try TextQuery("algorithme"), filters: TextSearchFilters(language: .verdict(.foreign)))
        #expect(page.hits.map(\.language) == [.language("fr")])
        // The rule's SQL function is the rule.
        let verdicts = try await database.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT language, consult_language_verdict(language, 'en-GB') AS verdict FROM open_text")
        }
        for row in verdicts {
            #expect(row["verdict"] as String == LanguageRule.verdict(of: TextLanguage(code: row["language"]), surveyLanguage: "en-GB").rawValue)
        }
        try database.close()
    }

    @Test func theBenchmarkStoreWithoutTheGuessKeepsEveryTextUndetermined() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try ConsultDatabase(path: path, textLanguages: false)
        _ = try await database.submit(try answers(uses: Self.french, further: Self.english), to: survey, receivedAt: now)
        let rows = try await database.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT language, language_guess, language_reliable FROM open_text")
        }
        #expect(rows.count == 4)
        #expect(rows.allSatisfy { $0["language"] as String == "und" && $0["language_guess"] as String == "und" && $0["language_reliable"] as Int == 0 })
        try database.close()
    }

    @Test func theMigrationJudgesTheTextsStoredBeforeIt() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        var configuration = Configuration()
        configuration.foreignKeysEnabled = false
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        try Schema.migrator.migrate(queue, upTo: "v10-attachments")
        try queue.write { db in
            for (seq, text) in [Self.french, Self.english, "Yes", Self.german + "\u{0}" + Self.german].enumerated() {
                try db.execute(
                    sql: "INSERT INTO open_text (submission_seq, question, kind, text) VALUES (?, 'uses_comments', 'answer', CAST(? AS TEXT))",
                    arguments: [seq + 1, ExactText.bindable(text)])
            }
        }
        try Schema.migrator.migrate(queue)
        let rows = try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT language, language_guess, language_percent, language_reliable FROM open_text ORDER BY id")
        }
        #expect(rows.map { $0["language"] as String } == ["fr", "en", "und", "de"])
        #expect(rows[0]["language_reliable"] as Int == 1 && (rows[0]["language_percent"] as Int) > 90)
        // The text is unchanged, and its search index too.
        let found = try queue.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM open_text_search WHERE open_text_search MATCH 'algorithme'")
        }
        #expect(found == 1)
        try queue.close()
    }
}
