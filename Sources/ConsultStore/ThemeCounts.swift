// refiqda: the theme tables of the analysis exports.
import ConsultCore
import GRDB

/// One theme of a survey's codebook with how often it is used (codings in force only).
public struct ThemeSummary: Sendable, Hashable {
    package init(
        id: Int64, guid: String, parentGUID: String?, depth: Int, name: String, description: String, colour: String,
        retired: Bool, codings: Int, respondents: Int
    ) {
        self.id = id
        self.guid = guid
        self.parentGUID = parentGUID
        self.depth = depth
        self.name = name
        self.description = description
        self.colour = colour
        self.retired = retired
        self.codings = codings
        self.respondents = respondents
    }

    public let id: Int64
    public let guid: String
    /// The parent's guid; nil at the top level.
    public let parentGUID: String?
    public let depth: Int
    public let name: String
    public let description: String
    public let colour: String
    public let retired: Bool
    /// Codings in force (not removed), by any coder, on any text.
    public let codings: Int
    /// Respondents with at least one coding in force.
    public let respondents: Int
}

/// Respondents of one final sector whose free text of one question carries one theme.
public struct ThemeSectorCount: Sendable, Hashable {
    package init(question: String, themeID: Int64, sector: String, respondents: Int) {
        self.question = question
        self.themeID = themeID
        self.sector = sector
        self.respondents = respondents
    }

    public let question: String
    public let themeID: Int64
    public let sector: String
    public let respondents: Int
}

/// Reads the codebook and its counts for the analysis: aggregated in SQL over codings in force
/// (`removed_at_ms IS NULL`; a merge already moved its codings, so merged themes are left out).
/// Confidential respondents count: these are numbers, not quotes (DESIGN §7).
public struct SQLiteThemeCounts: ThemeCounts {
    let pool: DatabasePool

    /// The survey's themes that were not merged away, parents before children, siblings by name.
    public func themes(survey: SurveyID) async throws -> [ThemeSummary] {
        try await pool.read { db in try Self.themes(survey: survey, in: db) }
    }

    static func themes(survey: SurveyID, in db: Database) throws -> [ThemeSummary] {
        let rows = try Row.fetchAll(db, sql: """
                SELECT t.id, t.guid, p.guid, t.depth, t.name, t.description, t.colour, t.retired_at_ms IS NOT NULL,
                    (SELECT count(*) FROM coding c WHERE c.theme_id = t.id AND c.removed_at_ms IS NULL),
                    (SELECT count(DISTINCT c.submission_seq) FROM coding c WHERE c.theme_id = t.id AND c.removed_at_ms IS NULL),
                    t.parent_id
                FROM theme t LEFT JOIN theme p ON p.id = t.parent_id AND p.merged_into IS NULL
                WHERE t.survey_id = ? AND t.merged_into IS NULL
                """, arguments: [survey.rawValue])
        let summaries = rows.map { row in
            ThemeSummary(
                id: row[0], guid: row[1], parentGUID: row[2], depth: row[3], name: row[4], description: row[5], colour: row[6],
                retired: row[7], codings: row[8], respondents: row[9])
        }
        return Self.treeOrder(summaries)
    }

    /// Parents before their children, depth first, siblings by name then guid.
    package static func treeOrder(_ themes: [ThemeSummary]) -> [ThemeSummary] {
        let guids = Set(themes.map(\.guid))
        var children: [String?: [ThemeSummary]] = [:]
        for theme in themes {
            // A theme whose parent was merged away is shown at the top level.
            children[theme.parentGUID.flatMap { guids.contains($0) ? $0 : nil }, default: []].append(theme)
        }
        var ordered: [ThemeSummary] = []
        func visit(_ parent: String?) {
            for theme in (children[parent] ?? []).sorted(by: { ($0.name, $0.guid) < ($1.name, $1.guid) }) {
                ordered.append(theme)
                visit(theme.guid)
            }
        }
        visit(nil)
        return ordered
    }

    /// Per question, theme and final sector: the respondents whose free text of that question
    /// (its answer or its "other" text) carries a coding in force of the theme. Codings of the
    /// other-sector text answer no question and are not counted here.
    public func bySector(survey: SurveyID) async throws -> [ThemeSectorCount] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT c.question, c.theme_id, s.final_sector, count(DISTINCT c.submission_seq)
                FROM coding c JOIN submission s ON s.seq = c.submission_seq
                WHERE c.survey_id = ? AND c.removed_at_ms IS NULL AND c.kind IN ('answer', 'other')
                GROUP BY c.question, c.theme_id, s.final_sector
                """, arguments: [survey.rawValue]).map {
                ThemeSectorCount(question: $0[0], themeID: $0[1], sector: $0[2], respondents: $0[3])
            }
        }
    }
}

extension ConsultDatabase {
    /// The codebook and its counts, for the analysis tables.
    public var themeCounts: any ThemeCounts { SQLiteThemeCounts(pool: pool) }
}
