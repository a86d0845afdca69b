import ConsultCore
import Foundation

// The reading room's roles: themes, codings, search, the texts the analysis reads. One implementation per engine
// (SQLite: the `SQLite…` types).

/// The themes of the reading room's codebook: created, changed, merged and retired (audited).
public protocol ThemeBook: Sendable {
    /// Every theme of `survey` (retired and merged ones too), parents before children, then by name.
    func themes(of survey: String) async throws -> [Theme]

    /// One theme of `survey`.
    func theme(_ id: Int64, of survey: String) async throws -> Theme

    /// Adds a theme; `fields.name` and `fields.colour` are required.
    func create(
        _ fields: ThemeFields, in survey: String, actor: String, at instant: Date
    ) async throws -> Theme

    /// Renames, describes, recolours or moves an active theme.
    func change(
        _ id: Int64, in survey: String, to fields: ThemeFields, actor: String, at instant: Date
    ) async throws -> Theme

    /// Merges theme `source` into `target` (see the type's documentation). A theme with active
    /// sub-themes is not merged: move or merge them first. Returns the target.
    func merge(
        _ source: Int64, into target: Int64, in survey: String, by coder: Int64?, actor: String, at instant: Date
    ) async throws -> (target: Theme, moved: Int, dropped: Int)

    /// Retires a theme: its codings stay, it takes no new ones.
    func retire(_ id: Int64, in survey: String, actor: String, at instant: Date) async throws -> Theme
}

/// Respondents and texts per theme and sector, for the analysis.
public protocol ThemeCounts: Sendable {
    /// The survey's themes that were not merged away, parents before children, siblings by name.
    func themes(survey: SurveyID) async throws -> [ThemeSummary]

    /// Per question, theme and final sector: the respondents whose free text of that question
    /// (its answer or its "other" text) carries a coding in force of the theme. Codings of the
    /// other-sector text answer no question and are not counted here.
    func bySector(survey: SurveyID) async throws -> [ThemeSectorCount]
}

/// Codings of texts (or spans of them) with themes, each coder's own, added and removed.
public protocol CodingLedger: Sendable {
    /// Codes a free text of submission `seq` (whose current version must be `version`) with an
    /// active theme, whole (`span` nil) or a checked span of the current text.
    func code(
        _ field: OpenTextField, of seq: Int64, version: Int, span: TextSpan?, theme: Int64, in survey: String,
        coder: Int64?, actor: String, at instant: Date
    ) async throws -> Coding

    /// Records the removal of a coding in force.
    func remove(_ id: Int64, in survey: String, by coder: Int64?, actor: String, at instant: Date) async throws -> Coding

    /// The codings of submission `seq`, in force only unless `removed`, oldest first.
    func codings(of seq: Int64, includingRemoved removed: Bool) async throws -> [Coding]

    /// Every coding in force of `survey` as agreement needs it: text, coder and theme.
    func codingsInForce(of survey: String) async throws -> [(text: String, coder: Int64, theme: Int64)]
}

extension CodingLedger {
    public func codings(of seq: Int64) async throws -> [Coding] {
        try await codings(of: seq, includingRemoved: false)
    }
}

/// One theme applied to every text a search finds, previewed first, undone whole.
public protocol BulkCodings: Sendable {
    /// How many texts the search finds, and how many would get a new coding with `theme` by `coder`.
    func preview(
        of survey: Survey, query: TextQuery?, filters: TextSearchFilters, theme: Int64, by coder: Coder
    ) async throws -> BulkCodingPreview

    /// Codes every text the search finds with `theme`, in one transaction with its audit entry.
    func apply(
        to survey: Survey, query: TextQuery?, filters: TextSearchFilters, theme: Int64, by coder: Coder, at instant: Date
    ) async throws -> BulkCodingRecord

    /// Undoes bulk coding `id`: its codings still in force are marked removed by `coder`.
    func undo(_ id: Int64, of survey: Survey, by coder: Coder, at instant: Date) async throws -> BulkCodingRecord

    /// The survey's bulk codings, newest first (at most `limit`).
    func recent(of survey: Survey, limit: Int) async throws -> [BulkCodingRecord]

    /// The survey's themes for choosing one to code with (`open`) or to filter by (every theme
    /// with `includingClosed`), by name. The codebook itself is the themes page's.
    func codableThemes(of survey: Survey, includingClosed: Bool) async throws -> [ThemeChoice]
}

extension BulkCodings {
    public func recent(of survey: Survey) async throws -> [BulkCodingRecord] {
        try await recent(of: survey, limit: 20)
    }

    public func codableThemes(of survey: Survey) async throws -> [ThemeChoice] {
        try await codableThemes(of: survey, includingClosed: false)
    }
}

/// The coded texts of a survey read in one snapshot, for the REFI-QDA project.
public protocol CodedTexts: Sendable {
    /// Runs `body` inside one read transaction, so every pass it makes sees the same data.
    /// Blocks the calling thread: call it off Swift's cooperative threads.
    func read<T>(survey: SurveyID, _ body: (any CodedTextsSnapshot) throws -> T) throws -> T
}

/// Themes imported from a REFI-QDA codebook.
public protocol CodebookImporter: Sendable {
    func importThemes(
        _ themes: [CodebookTheme], into survey: SurveyID, by actor: String, at instant: Date
    ) async throws -> CodebookImportResult
}

/// Full-text search of the open answers, filtered and paged.
public protocol TextSearch: Sendable {
    /// The page of texts matching `query` (every text when nil) and `filters` after the text `after`.
    func page(
        of survey: Survey, query: TextQuery?, filters: TextSearchFilters, after: Int64?, limit: Int
    ) async throws -> TextSearchPage

    /// How many texts match `query` and `filters`, exactly.
    func count(of survey: Survey, query: TextQuery?, filters: TextSearchFilters) async throws -> Int
}

extension TextSearch {
    public func page(of survey: Survey, query: TextQuery?, filters: TextSearchFilters) async throws -> TextSearchPage {
        try await page(of: survey, query: query, filters: filters, after: nil, limit: 50)
    }
}

/// The open texts of chosen questions streamed in submission order, for the analysis.
public protocol OpenTextScan: Sendable {
    /// Calls `body` with every text of `sources` by respondents with one of its publications,
    /// ordered by submission, then by the order of `sources`, then by the value's position.
    func forEachText(survey: SurveyID, sources: [OpenTextSource], _ body: (ScannedOpenText) throws -> Void) throws
}

/// The languages of the open texts per sector.
public protocol TextLanguageCounts: Sendable {
    /// The counts of the latest versions' free texts of `survey`, leaving out personal questions
    /// (names and e-mail addresses are no opinion, and have no language). Blocks the calling thread:
    /// call it off Swift's cooperative threads, as the analysis's other streaming reads.
    func bySector(of survey: Survey) throws -> [LanguageSectorCount]
}

/// A respondent's submission found from the pseudonymous id exports show.
public protocol RespondentDirectory: Sendable {
    /// The respondent `pseudonym` of `survey` with the latest version, or every version when
    /// `allVersions`; nil when there is none.
    func file(_ pseudonym: String, of survey: String, allVersions: Bool) async throws -> RespondentFile?

    /// The answers of one version of a submission, as stored; nil when there is no such version.
    func answersJSON(of seq: Int64, version: Int) async throws -> String?
}

extension RespondentDirectory {
    public func file(_ pseudonym: String, of survey: String) async throws -> RespondentFile? {
        try await file(pseudonym, of: survey, allVersions: false)
    }
}

/// The coded texts of one survey as they stand at one moment.
public protocol CodedTextsSnapshot {
    /// The survey's themes that were not merged away, parents before children.
    func themes() throws -> [ThemeSummary]
    /// The role tokens with a coding in force in the survey, by id.
    func coders() throws -> [CodingUser]
    /// Every respondent with a free text, with the texts and the codings in force, oldest first.
    func forEachRespondent(_ body: (CodedRespondent) throws -> Void) throws
}
