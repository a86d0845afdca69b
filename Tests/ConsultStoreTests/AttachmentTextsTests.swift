import ConsultCore
import Foundation
import GRDB
import SurveyFiles
import SyntheticResponses
import Testing

@testable import ConsultStore

/// Attachment rows as the files part stores them, written straight into the tables (the upload
/// code is another part's): staged or bound to a submission, current or replaced.
enum AttachmentRows {
    @discardableResult
    static func insert(
        _ database: ConsultDatabase, survey: String, question: String, submission: Int64?, kind: String = "text",
        name: String = "paper.txt", content: Data, replaced: Bool = false, at instant: Date
    ) async throws -> Int64 {
        try await database.pool.write { db in
            try db.execute(sql: """
                INSERT INTO attachment (public_id, survey_id, question, submission_seq, owner_hash, file_name, kind, size,
                    sha256, uploaded_at_ms, replaced_at_ms, content)
                VALUES (?, ?, ?, ?, NULL, ?, ?, ?, zeroblob(32), ?, ?, ?)
                """, arguments: [
                    "f-\(UUID().uuidString.lowercased())", survey, question, submission, name, kind, content.count,
                    instant.milliseconds, replaced ? instant.milliseconds : nil, content,
                ])
            return db.lastInsertedRowID
        }
    }
}

/// The extraction worker's store: which files wait, the one text row each gets, and the search over it.
@Suite struct AttachmentTextsTests {
    let folder: URL
    let survey: Survey
    let now = Date(timeIntervalSince1970: 1_760_000_000)

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("attachment-texts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        survey = try SurveyFile.load(path: root.appendingPathComponent("Surveys/neurotech-2025.yaml").path)
    }

    /// A database with `count` submissions; returns it and their seqs.
    func database(submissions count: Int) async throws -> (ConsultDatabase, [Int64]) {
        let database = try ConsultDatabase(path: folder.appendingPathComponent("consult.sqlite").path)
        var generator = ResponseGenerator(survey: survey, seed: 5)
        for _ in 0..<count {
            guard case .accepted = try await database.submit(try generator.nextAnswerSet(), to: survey, receivedAt: now)
            else { throw CocoaError(.featureUnsupported) }
        }
        let seqs = try await database.pool.read { db in try Int64.fetchAll(db, sql: "SELECT seq FROM submission ORDER BY seq") }
        return (database, seqs)
    }

    @Test func pendingFilesAreTheBoundOnesWithoutTextAndEachGetsOneRow() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let (database, seqs) = try await database(submissions: 2)
        defer { try? database.close() }
        let question = try #require(survey.questions.first { !$0.isPersonal }).id.rawValue
        let staged = try await AttachmentRows.insert(
            database, survey: survey.id.rawValue, question: question, submission: nil, content: Data("staged".utf8), at: now)
        let first = try await AttachmentRows.insert(
            database, survey: survey.id.rawValue, question: question, submission: seqs[0], content: Data("first".utf8), at: now)
        let second = try await AttachmentRows.insert(
            database, survey: survey.id.rawValue, question: question, submission: seqs[1], kind: "pdf", content: Data("x".utf8), at: now)
        let texts = database.attachmentTexts
        #expect(try await texts.pending(limit: 10).map(\.id) == [first, second])
        #expect(try await texts.content(of: first) == Data("first".utf8))

        #expect(try await texts.record(.extracted(text: "Gehirn–Computer Schnittstelle", pages: nil), for: first, at: now))
        #expect(try await texts.record(.failed(reason: "pdftotext could not read the PDF (exit status 1)."), for: second, at: now))
        // A second outcome for the same file changes nothing.
        #expect(try await texts.record(.extracted(text: "other", pages: 1), for: first, at: now) == false)
        #expect(try await texts.pending(limit: 10).isEmpty)
        #expect(staged > 0)

        let rows = try await database.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM attachment_text ORDER BY attachment_id")
        }
        #expect(rows.count == 2)
        #expect(rows[0]["status"] as String == "extracted" && rows[0]["characters"] as Int == 29)
        #expect(rows[0]["text"] as String == "Gehirn–Computer Schnittstelle")
        #expect(rows[1]["status"] as String == "failed" && rows[1]["text"] as String? == nil)
        // The files themselves are untouched.
        #expect(try await texts.content(of: second) == Data("x".utf8))
    }

    @Test func searchFindsExtractedTextOfCurrentFilesOnly() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let (database, seqs) = try await database(submissions: 2)
        defer { try? database.close() }
        // The search's rule on personal questions depends on the respondents' choices: use one that is not personal.
        let question = try #require(survey.questions.first { !$0.isPersonal }).id.rawValue
        let current = try await AttachmentRows.insert(
            database, survey: survey.id.rawValue, question: question, submission: seqs[0], name: "Stellungnahme.txt",
            content: Data("a".utf8), at: now)
        let replaced = try await AttachmentRows.insert(
            database, survey: survey.id.rawValue, question: question, submission: seqs[1], content: Data("b".utf8),
            replaced: true, at: now)
        let texts = database.attachmentTexts
        try await texts.record(.extracted(text: "Neuronale Schnittstellen im Klassenzimmer", pages: 2), for: current, at: now)
        try await texts.record(.extracted(text: "Schnittstellen, ersetzt", pages: 1), for: replaced, at: now)

        let search = SQLiteAttachmentTextSearch(database)
        let page = try await search.page(of: survey, query: try TextQuery("schnittstellen"), filters: TextSearchFilters())
        #expect(page.hits.count == 1 && page.total == 1)
        let hit = try #require(page.hits.first)
        #expect(hit.file.fileName == "Stellungnahme.txt" && hit.file.pages == 2 && hit.file.extraction == .extracted)
        #expect(hit.snippet.pieces.contains { $0.highlighted && $0.text == "Schnittstellen" })
        #expect(try await search.page(of: survey, query: try TextQuery("ersetzt"), filters: TextSearchFilters()).hits.isEmpty)
        // Files carry no codings: a theme or "coded" filter finds none, "not coded" finds them.
        #expect(try await search.page(of: survey, query: nil, filters: TextSearchFilters(coded: true)).hits.isEmpty)
        #expect(try await search.page(of: survey, query: nil, filters: TextSearchFilters(coded: false)).hits.count == 1)
        // The ordinary search over free texts is not changed by files.
        let texts2 = try await SQLiteTextSearch(database).page(of: survey, query: try TextQuery("klassenzimmer"), filters: TextSearchFilters())
        #expect(texts2.hits.isEmpty)
    }
}
