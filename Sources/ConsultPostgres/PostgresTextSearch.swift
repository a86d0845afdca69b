import ConsultCore
import ConsultStore
import Foundation
import PostgresNIO

// issue 18: the reading room's search on PostgreSQL.

/// Full-text search over the free texts of a survey's latest versions, as ``SQLiteTextSearch``:
/// the same texts (FTS5's words, see ``SearchWords``), filters, order (`open_text` id), keyset pages
/// and snippets (FTS5's `snippet()` on each hit's text).
struct PostgresTextSearch: TextSearch {
    let store: PostgresStore

    func page(
        of survey: Survey, query: TextQuery?, filters: TextSearchFilters, after: Int64?, limit: Int
    ) async throws -> TextSearchPage {
        let limit = max(1, min(limit, TextSearchPage.maximumSize))
        // The total and the hits from one snapshot, as SQLite reads them in one transaction.
        return try await store.snapshot { connection in
            guard var selection = try await PostgresTextSelection(survey: survey, query: query, filters: filters, store: store, on: connection)
            else { return TextSearchPage(hits: [], limit: limit, counted: 0) }
            let counted = try await connection.first(
                selection.query("SELECT count(*) FROM (SELECT 1 FROM \(selection.from) WHERE \(selection.condition) LIMIT ",
                    Int64(TextSearchPage.exactTotalLimit + 1), ") AS counted"),
                as: Int.self, logger: store.logger) ?? 0
            if let after { selection.add("o.id > ", after) }
            let rows = try await connection.all(
                selection.query(
                    """
                    SELECT o.id, o.question, o.kind, o.language, o.text, s.id, s.final_sector, s.publication, s.version,
                        (SELECT count(*) FROM coding c WHERE c.submission_seq = o.submission_seq AND c.question = o.question
                            AND c.kind = o.kind AND c.removed_at_ms IS NULL)
                    FROM \(selection.from) WHERE \(selection.condition) ORDER BY o.id LIMIT
                    """, Int64(limit + 1), ""),
                as: (Int64, String, String, String, Data, String, String, String, Int, Int).self, logger: store.logger)
            let scratch = FTS5Scratch.shared
            let hits = try rows.compactMap { row -> TextHit? in
                guard let field = OpenTextField(storedQuestion: row.1, kind: row.2) else { return nil }
                let text = String(decoding: row.4, as: UTF8.self)
                let snippet = try query.flatMap { try scratch.snippet(of: text, query: $0.text) } ?? .opening(of: text)
                return TextHit(
                    id: row.0, respondent: store.pseudonyms.pseudonym(for: row.5), field: field, finalSector: row.6,
                    publication: PublicationChoice(stored: row.7), version: row.8, snippet: snippet, codings: row.9,
                    language: TextLanguage(code: row.3))
            }
            return TextSearchPage(hits: hits, limit: limit, counted: counted)
        }
    }

    func count(of survey: Survey, query: TextQuery?, filters: TextSearchFilters) async throws -> Int {
        try await store.reading { connection in
            guard let selection = try await PostgresTextSelection(survey: survey, query: query, filters: filters, store: store, on: connection)
            else { return 0 }
            return try await connection.first(
                selection.query("SELECT count(*) FROM \(selection.from) WHERE \(selection.condition)", nil as Int64?, ""),
                as: Int.self, logger: store.logger) ?? 0
        }
    }
}

/// The SQL that selects a search's texts (`o` is `open_text`, `s` its `submission`), as the SQLite
/// store's `TextSelection`, with its values bound.
struct PostgresTextSelection {
    let from = "open_text o JOIN submission s ON s.seq = o.submission_seq"
    private(set) var conditions: [String] = []
    private(set) var binds = PostgresBindings()

    var condition: String { conditions.joined(separator: " AND ") }

    /// Nil when the query can find no text (a term without words).
    init?(
        survey: Survey, query: TextQuery?, filters: TextSearchFilters, store: PostgresStore, on connection: PostgresConnection
    ) async throws {
        if let query {
            guard let tsquery = try SearchWords.query(query) else { return nil }
            add("o.words @@ ", tsquery, "::tsquery")
        }
        add("s.survey_id = ", survey.id.rawValue)
        // Personal questions' texts only where the publication choice discloses them.
        for (question, withheld) in TextSelection.withheldPersonalTexts(of: survey) {
            let questionBind = bind(question.id.rawValue)
            conditions.append("NOT (o.question = \(questionBind) AND s.publication = ANY(\(bind(withheld.map(\.rawValue)))))")
        }
        if let question = filters.question { add("o.question = ", question.rawValue) }
        if let sector = filters.sector { add("s.final_sector = ", sector) }
        if let region = filters.region {
            if region == CountryTable.unknownRegion { conditions.append("s.region IS NULL") } else { add("s.region = ", region) }
        }
        if let country = filters.country { add("s.country = ", country) }
        if let publication = filters.publication { add("s.publication = ", publication.rawValue) }
        if let level = filters.level { add("s.level = ", level) }
        let coding = """
            SELECT 1 FROM coding c WHERE c.submission_seq = o.submission_seq AND c.question = o.question
                AND c.kind = o.kind AND c.removed_at_ms IS NULL
            """
        if let theme = filters.theme {
            let known = try await connection.first(
                "SELECT EXISTS (SELECT 1 FROM theme WHERE id = \(theme) AND survey_id = \(survey.id.rawValue))",
                as: Bool.self, logger: store.logger)
            guard known ?? false else { throw ReadingRoomRefusal.unknownTheme(theme) }
            add("EXISTS (\(coding) AND c.theme_id = ", theme, ")")
        }
        if let coded = filters.coded { conditions.append("\(coded ? "" : "NOT ")EXISTS (\(coding))") }
        if let language = filters.language {
            switch language {
            case .verdict(let verdict):
                // The one rule (LanguageRule) decides, in Swift, which of the survey's stored languages have the verdict.
                let stored = try await connection.all(
                    """
                    SELECT DISTINCT o.language FROM open_text o JOIN submission s ON s.seq = o.submission_seq
                    WHERE s.survey_id = \(survey.id.rawValue)
                    """, as: String.self, logger: store.logger)
                let chosen = stored.filter {
                    LanguageRule.verdict(of: TextLanguage(code: $0), surveyLanguage: survey.language) == verdict
                }
                add("o.language = ANY(", chosen, ")")
            case .language(let language):
                add("o.language = ", language.code)
            }
        }
    }

    /// Adds `before` + the bound `value` + `after` as a condition.
    mutating func add(_ before: String, _ value: some PostgresNonThrowingEncodable, _ after: String = "") {
        conditions.append(before + bind(value) + after)
    }

    private mutating func bind(_ value: some PostgresNonThrowingEncodable) -> String {
        binds.append(value)
        return "$\(binds.count)"
    }

    /// `sql` + the bound `value` (when there is one) + `after`, with the selection's values.
    func query(_ sql: String, _ value: Int64?, _ after: String) -> PostgresQuery {
        var binds = binds
        var text = sql
        if let value {
            binds.append(value)
            text += " $\(binds.count)"
        }
        return PostgresQuery(unsafeSQL: text + after, binds: binds)
    }
}

extension PostgresStore {
    /// Runs `body` in one `REPEATABLE READ, READ ONLY` transaction: every statement sees the same snapshot.
    func snapshot<Result: Sendable>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        try await reading { connection in
            try await connection.run("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
            do {
                let result = try await body(connection)
                try await connection.run("COMMIT", logger: logger)
                return result
            } catch {
                _ = try? await connection.run("ROLLBACK", logger: logger)
                throw error
            }
        }
    }
}
