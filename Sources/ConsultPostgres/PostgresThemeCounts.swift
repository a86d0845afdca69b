import ConsultCore
import ConsultStore
import Foundation
import PostgresNIO

// issue 18: the codebook's counts and imports on PostgreSQL.

/// The codebook and its counts for the analysis, as ``SQLiteThemeCounts``: over codings in force,
/// merged themes left out, confidential respondents counted (numbers, not quotes).
struct PostgresThemeCounts: ThemeCounts {
    let store: PostgresStore

    func themes(survey: SurveyID) async throws -> [ThemeSummary] {
        try await store.reading { connection in try await Self.themes(survey: survey, on: connection, store: store) }
    }

    static func themes(survey: SurveyID, on connection: PostgresConnection, store: PostgresStore) async throws -> [ThemeSummary] {
        summaries(try await connection.all(themesQuery(survey), as: SummaryRow.self, logger: store.logger))
    }

    /// The themes not merged away with their counts (``SummaryRow``), in any order.
    static func themesQuery(_ survey: SurveyID) -> PostgresQuery {
        """
        SELECT t.id, t.guid, p.guid, t.depth, t.name, t.description, t.colour, t.retired_at_ms IS NOT NULL,
            (SELECT count(*) FROM coding c WHERE c.theme_id = t.id AND c.removed_at_ms IS NULL),
            (SELECT count(DISTINCT c.submission_seq) FROM coding c WHERE c.theme_id = t.id AND c.removed_at_ms IS NULL)
        FROM theme t LEFT JOIN theme p ON p.id = t.parent_id AND p.merged_into IS NULL
        WHERE t.survey_id = \(survey.rawValue) AND t.merged_into IS NULL
        """
    }

    typealias SummaryRow = (Int64, String, String?, Int, String, String, String, Bool, Int, Int)

    /// The rows of ``themesQuery(_:)`` in the analysis's order.
    static func summaries(_ rows: [SummaryRow]) -> [ThemeSummary] {
        SQLiteThemeCounts.treeOrder(rows.map {
            ThemeSummary(
                id: $0.0, guid: $0.1, parentGUID: $0.2, depth: $0.3, name: $0.4, description: $0.5, colour: $0.6, retired: $0.7,
                codings: $0.8, respondents: $0.9)
        })
    }

    func bySector(survey: SurveyID) async throws -> [ThemeSectorCount] {
        try await store.reading { connection in
            try await connection.all(
                """
                SELECT c.question, c.theme_id, s.final_sector, count(DISTINCT c.submission_seq)
                FROM coding c JOIN submission s ON s.seq = c.submission_seq
                WHERE c.survey_id = \(survey.rawValue) AND c.removed_at_ms IS NULL AND c.kind IN ('answer', 'other')
                GROUP BY c.question, c.theme_id, s.final_sector
                """, as: (String, Int64, String, Int).self, logger: store.logger
            ).map { ThemeSectorCount(question: $0.0, themeID: $0.1, sector: $0.2, respondents: $0.3) }
        }
    }
}

/// Adds a codebook file's themes to a survey, as ``SQLiteCodebookImporter``: in one transaction with
/// its audit entry. A theme created on another node meanwhile under a top-level name of the file
/// fails the unique index: the import runs again and is refused as a conflict.
struct PostgresCodebookImporter: CodebookImporter {
    let store: PostgresStore

    func importThemes(
        _ themes: [CodebookTheme], into survey: SurveyID, by actor: String, at instant: Date
    ) async throws -> CodebookImportResult {
        try SQLiteCodebookImporter.check(themes)
        return try await store.transaction { connection in
            var renamed: [String: String] = [:]
            var created = 0
            func insert(_ theme: CodebookTheme, parent: Int64?, depth: Int) async throws {
                let name = try SQLiteThemeBook.checkedName(theme.name)
                if parent == nil, !theme.retired, try await connection.first(
                    """
                    SELECT 1 FROM theme WHERE survey_id = \(survey.rawValue) AND parent_id IS NULL AND name = \(name)
                        AND retired_at_ms IS NULL AND merged_into IS NULL
                    """, as: Int.self, logger: store.logger) != nil
                {
                    throw CodebookImportRefusal(
                        reason: .conflict,
                        message: "Code \"\(theme.name)\" (line \(theme.line)): the survey already has a top-level theme with that name.")
                }
                var guid = theme.guid
                if try await connection.first("SELECT 1 FROM theme WHERE guid = \(guid)", as: Int.self, logger: store.logger) != nil {
                    guid = UUID().uuidString
                    renamed[theme.guid] = guid
                }
                guard let id = try await connection.first(
                    """
                    INSERT INTO theme (survey_id, guid, parent_id, depth, name, description, colour, created_at_ms, retired_at_ms)
                    VALUES (\(survey.rawValue), \(guid), \(parent), \(depth), \(name), \(theme.description),
                        \(try SQLiteThemeBook.checkedColour(theme.colour)), \(instant.milliseconds),
                        \(theme.retired ? instant.milliseconds : nil))
                    RETURNING id
                    """, as: Int64.self, logger: store.logger)
                else { throw ReturnedRowMissing(description: "the new theme's row was not returned") }
                created += 1
                for child in theme.children { try await insert(child, parent: id, depth: depth + 1) }
            }
            for theme in themes { try await insert(theme, parent: nil, depth: 1) }
            try await store.appendAudit(AuditRecord(
                at: instant, actor: actor, action: SQLiteCodebookImporter.importedAction, surveyID: survey.rawValue,
                subject: "codebook.qdc", oldValue: nil, newValue: "\(created) themes", reason: nil), on: connection)
            return CodebookImportResult(created: created, renamedGUIDs: renamed)
        }
    }
}
