import Foundation
import GRDB
import SurveyFiles
import SyntheticResponses
import Testing

@testable import ConsultCore
@testable import ConsultStore

/// The reading room's search: `open_text` kept in the storing transactions, counts equal to a recount
/// from the stored versions' JSON, keyset pages, malformed queries refused, codings marked when their
/// text changes, bulk coding and its undo. Themes are inserted with SQL here (the codebook's store
/// type is another part's).
@Suite struct TextSearchTests {
    let folder: URL
    let path: String
    let survey: Survey
    let now = Date(timeIntervalSince1970: 1_760_000_000)  // 2025-10-09, while the survey is open

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("search-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        path = folder.appendingPathComponent("consult.sqlite").path
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        survey = try SurveyFile.load(path: root.appendingPathComponent("Surveys/neurotech-2025.yaml").path)
    }

    /// One free text as the recount finds it in a version's JSON.
    struct FoundText: Hashable {
        let seq: Int64
        let question: String
        let kind: String
        let text: String
        let sector: String
        let publication: String
    }

    /// Every free text of every latest version, read from `submission_version.answers_json` with
    /// Foundation's JSON reader: not through `OpenTexts`, the answer rows or the search.
    func recount(_ db: Database) throws -> [FoundText] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT s.seq, s.final_sector, s.publication, CAST(v.answers_json AS BLOB) AS json FROM submission s
            JOIN submission_version v ON v.submission_seq = s.seq AND v.version = s.version
            """)
        var found: [FoundText] = []
        for row in rows {
            let answers = try #require(try JSONSerialization.jsonObject(with: row["json"] as Data) as? [String: Any])
            let seq: Int64 = row["seq"]
            func add(_ question: String, _ kind: String, _ text: String) {
                found.append(FoundText(
                    seq: seq, question: question, kind: kind, text: text, sector: row["final_sector"],
                    publication: row["publication"]))
            }
            for (question, value) in answers {
                if let text = value as? String, let kind = survey.question(QuestionID(question))?.kind {
                    switch kind {
                    case .text, .email: add(question, "answer", text)
                    default: break
                    }
                }
                let objects = (value as? [String: Any]).map { [$0] } ?? (value as? [Any])?.compactMap { $0 as? [String: Any] } ?? []
                for object in objects where object["choice"] as? String == "other" {
                    if let other = object["other"] as? String {
                        add(question, "other", other)
                        if question == survey.respondent.sectorQuestion.rawValue { add("", "sector", other) }
                    }
                }
            }
        }
        return found
    }

    /// Whether the analysts see the text: personal questions' texts only where the choice discloses them.
    func visible(_ text: FoundText) -> Bool {
        guard let question = survey.question(QuestionID(text.question)) else { return true }
        return PublicationChoice(rawValue: text.publication)?.withholding(question) != .personal
    }

    /// Lower-case words as unicode61 splits plain texts (letters and digits).
    static func words(_ text: String) -> [String] {
        text.lowercased().split { !($0.isLetter || $0.isNumber) }.map(String.init)
    }

    /// Queries with the rule a recount applies to a text's words.
    static let queries: [(query: String, matches: @Sendable ([String]) -> Bool)] = [
        ("privacy", { $0.contains("privacy") }),
        ("Consent", { $0.contains("consent") }),
        ("\"mental privacy\"", { words in zip(words, words.dropFirst()).contains { $0 == "mental" && $1 == "privacy" } }),
        ("cour*", { $0.contains { $0.hasPrefix("cour") } }),
        ("privacy OR court", { $0.contains("privacy") || $0.contains("court") }),
        ("privacy NOT consent", { $0.contains("privacy") && !$0.contains("consent") }),
        ("(law OR court) AND data", { ($0.contains("law") || $0.contains("court")) && $0.contains("data") }),
        ("emoji", { $0.contains("emoji") }),
    ]

    func storeConcurrently(_ database: ConsultDatabase, count: Int, generator: inout ResponseGenerator) async throws
        -> [AcceptedSubmission]
    {
        let answerSets = try (0..<count).map { _ in try generator.nextAnswerSet() }
        return try await withThrowingTaskGroup(of: AcceptedSubmission?.self) { group in
            for answers in answerSets {
                group.addTask {
                    if case .accepted(let accepted) = try await database.submit(answers, to: survey, receivedAt: now) { return accepted }
                    return nil
                }
            }
            return try await group.reduce(into: [AcceptedSubmission]()) { if let accepted = $1 { $0.append(accepted) } }
        }
    }

    @Test func everySearchCountEqualsARecountAfterConcurrentSubmissionsEditsAndReassignments() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try ConsultDatabase(path: path)
        var generator = ResponseGenerator(survey: survey, seed: 14)
        let accepted = try await storeConcurrently(database, count: 80, generator: &generator)
        #expect(accepted.count == 80)
        // Concurrent edits (texts change, appear, disappear) and re-assignments, some of the same submissions.
        let editSets = try (0..<30).map { _ in try generator.nextAnswerSet() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, submission) in accepted.prefix(30).enumerated() {
                group.addTask {
                    _ = try await database.replaceAnswers(
                        of: submission.id, token: submission.editToken ?? "", with: editSets[index], survey: survey,
                        receivedAt: now.addingTimeInterval(Double(index)))
                }
            }
            for submission in accepted[20..<45] {
                group.addTask {
                    _ = try await database.reassignSector(
                        of: submission.id, to: "civil_society", actor: "test", reason: "checked by hand", at: now)
                }
            }
            try await group.waitForAll()
        }
        try await database.importSynthetic(try (0..<30).map { _ in (try generator.nextAnswerSet(), now) }, to: survey)

        let texts = try await database.pool.read { db in try recount(db) }
        // open_text holds exactly the recounted texts, byte for byte, and the FTS index agrees with it.
        try await database.pool.read { db in
            let stored = try Row.fetchAll(db, sql: """
                SELECT o.submission_seq, o.question, o.kind, CAST(o.text AS BLOB) AS text FROM open_text o
                """).map { "\($0["submission_seq"] as Int64)|\($0["question"] as String)|\($0["kind"] as String)|\(Data($0["text"] as Data).base64EncodedString())" }
            let expected = texts.map { "\($0.seq)|\($0.question)|\($0.kind)|\(Data($0.text.utf8).base64EncodedString())" }
            #expect(stored.count == expected.count)
            #expect(Set(stored) == Set(expected))
        }
        try await database.pool.write { db in
            try db.execute(sql: "INSERT INTO open_text_search (open_text_search, rank) VALUES ('integrity-check', 1)")
        }
        let search = SQLiteTextSearch(database)
        for (query, matches) in Self.queries {
            for sector in [nil, "academia", "civil_society"] as [String?] {
                let expected = texts.filter { visible($0) && (sector == nil || $0.sector == sector) && matches(Self.words($0.text)) }
                let filters = TextSearchFilters(sector: sector)
                let count = try await search.count(of: survey, query: try TextQuery(query), filters: filters)
                #expect(count == expected.count, "\(query) in \(sector ?? "all sectors")")
                if query == "privacy" { #expect(expected.count > 10, "the recount finds texts to compare") }
                let page = try await search.page(of: survey, query: try TextQuery(query), filters: filters, limit: 200)
                #expect(page.total == expected.count && page.totalIsExact, "\(query)")
            }
        }
        #expect(texts.contains { !visible($0) } || texts.allSatisfy { survey.question(QuestionID($0.question))?.isPersonal != true })
        // Without a query: every visible text, and per question.
        let all = try await search.count(of: survey, query: nil, filters: TextSearchFilters())
        #expect(all == texts.filter(visible).count)
        try database.close()
    }

    @Test func keysetPagesCoverEveryResultExactlyOnce() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try ConsultDatabase(path: path)
        var generator = ResponseGenerator(survey: survey, seed: 15)
        try await database.importSynthetic(try (0..<60).map { _ in (try generator.nextAnswerSet(), now) }, to: survey)
        let search = SQLiteTextSearch(database)
        for query in [nil, try TextQuery("privacy")] as [TextQuery?] {
            let total = try await search.count(of: survey, query: query, filters: TextSearchFilters())
            var seen: [Int64] = []
            var after: Int64?
            repeat {
                let page = try await search.page(of: survey, query: query, filters: TextSearchFilters(), after: after, limit: 7)
                #expect(page.hits.count <= 7)
                #expect(page.total == total)
                seen += page.hits.map(\.id)
                after = page.next
            } while after != nil
            #expect(total > 7)
            #expect(seen.count == total)
            #expect(Set(seen).count == seen.count)
            #expect(seen == seen.sorted())
        }
        // Snippets mark the matches and keep the words.
        let page = try await search.page(of: survey, query: try TextQuery("privacy"), filters: TextSearchFilters(), limit: 5)
        for hit in page.hits {
            #expect(hit.snippet.pieces.contains { $0.highlighted && $0.text.lowercased() == "privacy" })
            #expect(hit.respondent.hasPrefix("r-"))
        }
        try database.close()
    }

    @Test func malformedQueriesAreRefusedWithWhatIsWrong() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let cases: [(String, String)] = [
            ("\"data protection", "not closed"), ("privacy AND", "AND needs a word"), ("OR consent", "OR needs a word"),
            ("NOT police", "NOT needs a word before"), ("*safe", "must follow a word"), ("sa*fe", "can only end"),
            ("text:privacy", "column filter"), ("{text}: privacy", "Column filters"), ("(privacy", "not closed"),
            ("privacy)", "has no"), ("()", "empty"), ("well-being", "quotation marks"), ("NEAR(a b)", "NEAR"),
            ("   ", "empty"), ("a AND OR b", "followed by OR"), (String(repeating: "a ", count: 300), "at most 500"),
        ]
        for (query, expected) in cases {
            #expect(throws: TextQueryError.self, "\(query)") { try TextQuery(query) }
            do {
                _ = try TextQuery(query)
            } catch {
                #expect(error.message.contains(expected), "\(query): \(error.message)")
            }
        }
        for good in ["privacy", "\"data \"\"protection\"\"\"", "safe*", "\"neural dat\"*", "a OR (b NOT c)", "café", "and or not", "x_1 2025"] {
            #expect(throws: Never.self, "\(good)") { try TextQuery(good) }
        }
        // A query SQLite refuses all the same is a refusal, not a database failure.
        let database = try ConsultDatabase(path: path)
        await #expect(throws: ReadingRoomRefusal.self) {
            try await SQLiteTextSearch(database).page(of: survey, query: TextQuery(unchecked: "privacy AND"), filters: TextSearchFilters())
        }
        await #expect(throws: ReadingRoomRefusal.self) {
            try await SQLiteTextSearch(database).count(of: survey, query: TextQuery(unchecked: "\"open"), filters: TextSearchFilters())
        }
        try database.close()
    }

    /// Answers with a free text for `which_text` (the survey's first optional text question) set to `text`.
    func answers(text: String?, other: String) throws -> AnswerSet {
        let question = try #require(survey.questions.first { question in
            if case .text = question.kind, !question.isPersonal, question.showIf == nil, !question.isRequired { return true }
            return false
        })
        var raw: [String: JSONValue] = [
            "sector": .object(["choice": .string("other"), "other": .string(other)]), "country": .string("BR"),
            "organisation_size": .string("size_1_9"),
            "familiarity": .number(4), "technologies_known": .array([.string("eeg_erp")]),
            "rights_concern": .object(Dictionary(uniqueKeysWithValues: rightsItems().map { ($0, JSONValue.number(3)) })),
            "publication": .string("public_anonymous"),
        ]
        if let text { raw[question.id.rawValue] = .string(text) }
        return try survey.check(raw, as: .submission)
    }

    func rightsItems() -> [String] {
        guard case .matrix(let items, _)? = survey.question("rights_concern")?.kind else { return [] }
        return items.map(\.id.rawValue)
    }

    @Test func anEditMarksTheCodingsOfChangedTextsAndKeepsUnchangedRows() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try ConsultDatabase(path: path)
        let token = try await database.issueToken(role: .analyst, name: "Bo", by: "test", at: now).record
        guard case .accepted(let stored) = try await database.submit(
            try answers(text: "the courts need oversight", other: "a museum"), to: survey, receivedAt: now)
        else { Issue.record("refused"); return }
        let before = try await database.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, question, kind FROM open_text ORDER BY id")
                .map { ("\($0["question"] as String)|\($0["kind"] as String)", $0["id"] as Int64) }
        }
        #expect(before.count == 3)  // the text answer, the sector's "other" text and the other-sector text
        try await database.pool.write { db in
            try db.execute(sql: """
                INSERT INTO theme (id, survey_id, guid, depth, name, colour, created_at_ms)
                VALUES (1, 'neurotech-2025', '00000000-0000-4000-8000-000000000001', 1, 'Courts', '#112233', 0)
                """)
            for (index, (field, _)) in before.enumerated() {
                let parts = field.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
                try db.execute(sql: """
                    INSERT INTO coding (guid, survey_id, theme_id, submission_seq, question, kind, version, coder_id, coded_at_ms)
                    SELECT ?, 'neurotech-2025', 1, seq, ?, ?, 1, ?, 0 FROM submission
                    """, arguments: ["00000000-0000-4000-8000-00000000001\(index)", parts[0], parts[1], token.rowID])
            }
        }
        // The text answer changes; the sector's texts stay the same.
        _ = try await database.replaceAnswers(
            of: stored.id, token: stored.editToken ?? "", with: try answers(text: "the courts need more oversight", other: "a museum"),
            survey: survey, receivedAt: now.addingTimeInterval(60))
        try await database.pool.read { db in
            let after = Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT id, question, kind FROM open_text")
                .map { ("\($0["question"] as String)|\($0["kind"] as String)", $0["id"] as Int64) })
            for (field, id) in before {
                let marked = try Int.fetchOne(db, sql: """
                    SELECT on_earlier_text FROM coding WHERE question || '|' || kind = ?
                    """, arguments: [field])
                if field.hasSuffix("|answer") {
                    #expect(marked == 1, "\(field)")
                } else {
                    #expect(marked == 0, "\(field)")
                    #expect(after[field] == id, "an unchanged text keeps its row: \(field)")
                }
            }
        }
        #expect(try await SQLiteTextSearch(database).count(of: survey, query: try TextQuery("\"more oversight\""), filters: TextSearchFilters()) == 1)
        // The text removed: its row goes, the coding stays marked.
        _ = try await database.replaceAnswers(
            of: stored.id, token: stored.editToken ?? "", with: try answers(text: nil, other: "a museum"),
            survey: survey, receivedAt: now.addingTimeInterval(120))
        try await database.pool.read { db in
            let answers = try Int.fetchOne(db, sql: "SELECT count(*) FROM open_text WHERE kind = 'answer'")
            #expect(answers == 0)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM coding WHERE on_earlier_text = 1") == 1)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM coding") == 3)
        }
        #expect(try await SQLiteTextSearch(database).count(of: survey, query: try TextQuery("oversight"), filters: TextSearchFilters()) == 0)
        try database.close()
    }

    @Test func bulkCodingCodesWhatThePreviewCountedAndUndoRemovesIt() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try ConsultDatabase(path: path)
        var generator = ResponseGenerator(survey: survey, seed: 16)
        try await database.importSynthetic(try (0..<50).map { _ in (try generator.nextAnswerSet(), now) }, to: survey)
        let issued = try await database.issueToken(role: .analyst, name: "Bo", by: "test", at: now)
        let record = issued.record
        let coder = try #require(Coder(record.holder))
        #expect(coder == Coder(tokenID: record.rowID, actor: "analyst:Bo"))
        #expect(Coder(Principal(role: .analyst, name: "no token")) == nil)
        try await database.pool.write { db in
            try db.execute(sql: """
                INSERT INTO theme (id, survey_id, guid, depth, name, colour, created_at_ms, retired_at_ms) VALUES
                (7, 'neurotech-2025', '00000000-0000-4000-8000-000000000007', 1, 'Privacy', '#AA0000', 0, NULL),
                (8, 'neurotech-2025', '00000000-0000-4000-8000-000000000008', 1, 'Old', '#00AA00', 0, 5)
                """)
        }
        let bulk = SQLiteBulkCodings(database)
        let query = try TextQuery("privacy")
        let filters = TextSearchFilters(sector: "academia")
        let matches = try await SQLiteTextSearch(database).count(of: survey, query: query, filters: filters)
        let preview = try await bulk.preview(of: survey, query: query, filters: filters, theme: 7, by: coder)
        #expect(preview.matches == matches && preview.toCode == matches && matches > 0)
        await #expect(throws: ReadingRoomRefusal.themeClosed(8, name: "Old")) {
            try await bulk.apply(to: survey, query: query, filters: filters, theme: 8, by: coder, at: now)
        }
        await #expect(throws: ReadingRoomRefusal.unknownTheme(99)) {
            try await bulk.preview(of: survey, query: query, filters: filters, theme: 99, by: coder)
        }
        let applied = try await bulk.apply(to: survey, query: query, filters: filters, theme: 7, by: coder, at: now)
        #expect(applied.answers == matches && applied.undoneAt == nil && applied.themeName == "Privacy")
        #expect(try await SQLiteTextSearch(database).count(of: survey, query: query, filters: TextSearchFilters(sector: "academia", theme: 7)) == matches)
        #expect(try await SQLiteTextSearch(database).count(of: survey, query: query, filters: TextSearchFilters(sector: "academia", coded: false)) == 0)
        // Again: nothing new to code.
        #expect(try await bulk.preview(of: survey, query: query, filters: filters, theme: 7, by: coder).toCode == 0)
        try await database.pool.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT c.*, s.version AS current FROM coding c JOIN submission s ON s.seq = c.submission_seq")
            #expect(rows.count == matches)
            for row in rows {
                #expect(row["coder_id"] as Int64 == record.rowID)
                #expect(row["version"] as Int == row["current"] as Int)
                #expect((row["start_offset"] as Int?) == nil)
                #expect((row["guid"] as String).range(of: #"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"#, options: .regularExpression) != nil)
            }
            #expect(Set(rows.map { $0["guid"] as String }).count == rows.count)
        }
        let undone = try await bulk.undo(applied.id, of: survey, by: coder, at: now.addingTimeInterval(5))
        #expect(undone.undoneAt == now.addingTimeInterval(5))
        await #expect(throws: ReadingRoomRefusal.bulkCodingAlreadyUndone(applied.id, at: now.addingTimeInterval(5))) {
            try await bulk.undo(applied.id, of: survey, by: coder, at: now.addingTimeInterval(6))
        }
        await #expect(throws: ReadingRoomRefusal.unknownBulkCoding(12345)) {
            try await bulk.undo(12345, of: survey, by: coder, at: now)
        }
        #expect(try await SQLiteTextSearch(database).count(of: survey, query: query, filters: TextSearchFilters(theme: 7)) == 0)
        let removed = try await database.pool.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM coding WHERE removed_at_ms IS NOT NULL AND removed_by = ?", arguments: [record.rowID])
        }
        #expect(removed == matches)
        let audit = try await database.auditLog(survey: survey.id.rawValue).map(\.action)
        #expect(audit == ["coding.bulk-applied", "coding.bulk-undone"])
        try database.close()
    }

    @Test func theMigrationBuildsTheIndexFromExistingSubmissions() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        // A file of schema v6, with submissions stored before the reading room existed.
        let seeded = try ConsultDatabase(path: path, openTextIndex: false)
        var generator = ResponseGenerator(survey: survey, seed: 17)
        try await seeded.importSynthetic(try (0..<40).map { _ in (try generator.nextAnswerSet(), now) }, to: survey)
        try seeded.close()
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM open_text") == 0)
            try db.execute(sql: """
                DROP TABLE coding; DROP TABLE coding_bulk; DROP TABLE theme; DROP TABLE open_text_search; DROP TABLE open_text;
                DELETE FROM grdb_migrations WHERE identifier LIKE 'v7%';
                """)
        }
        let applied = try await queue.read { db in try Schema.migrator.appliedIdentifiers(db) }
        #expect(applied.contains { $0.hasPrefix("v6") })
        try queue.close()

        let database = try ConsultDatabase(path: path)
        let texts = try await database.pool.read { db in try recount(db) }
        try await database.pool.read { db in
            let stored = try Row.fetchAll(db, sql: "SELECT submission_seq, question, kind, CAST(text AS BLOB) AS t FROM open_text")
                .map { "\($0["submission_seq"] as Int64)|\($0["question"] as String)|\($0["kind"] as String)|\(($0["t"] as Data).base64EncodedString())" }
            #expect(!stored.isEmpty)
            #expect(Set(stored) == Set(texts.map { "\($0.seq)|\($0.question)|\($0.kind)|\(Data($0.text.utf8).base64EncodedString())" }))
            #expect(stored.count == texts.count)
        }
        #expect(try await SQLiteTextSearch(database).count(of: survey, query: try TextQuery("privacy"), filters: TextSearchFilters())
            == texts.filter { visible($0) && Self.words($0.text).contains("privacy") }.count)
        try database.close()
    }
}
