import ConsultCore
import GRDB

/// How many free texts (and respondents) of one final sector are in one language.
public struct LanguageSectorCount: Sendable, Hashable {
    package init(sector: String, language: String, texts: Int, respondents: Int) {
        self.sector = sector
        self.language = language
        self.texts = texts
        self.respondents = respondents
    }

    public let sector: String
    /// The language ``LanguageRule`` assigned, as its code (`und`: undetermined).
    public let language: String
    public let texts: Int
    /// Respondents with at least one text in the language.
    public let respondents: Int
}

/// Counts a survey's free texts by language and final sector, for the analysis exports (lang, issue 15).
public struct SQLiteTextLanguageCounts: TextLanguageCounts {
    let database: ConsultDatabase

    public init(_ database: ConsultDatabase) {
        self.database = database
    }

    /// The counts of the latest versions' free texts of `survey`, leaving out personal questions
    /// (names and e-mail addresses are no opinion, and have no language). Blocks the calling thread:
    /// call it off Swift's cooperative threads, as the analysis's other streaming reads.
    public func bySector(of survey: Survey) throws -> [LanguageSectorCount] {
        let personal = survey.questions.filter(\.isPersonal).map(\.id.rawValue)
        let excluded = personal.isEmpty ? "" : "AND o.question NOT IN (\(personal.map { _ in "?" }.joined(separator: ", ")))"
        return try database.pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT s.final_sector, o.language, count(*) AS texts, count(DISTINCT o.submission_seq) AS respondents
                FROM submission s JOIN open_text o ON o.submission_seq = s.seq
                WHERE s.survey_id = ? \(excluded)
                GROUP BY s.final_sector, o.language
                """, arguments: StatementArguments([survey.id.rawValue] + personal)
            ).map {
                LanguageSectorCount(sector: $0["final_sector"], language: $0["language"], texts: $0["texts"], respondents: $0["respondents"])
            }
        }
    }
}
