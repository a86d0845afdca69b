import ConsultCore
import Foundation
import GRDB

/// What a reading-room search narrows its texts to, besides the query. Every member is optional;
/// the server checks each against the survey before searching.
public struct TextSearchFilters: Sendable, Hashable {
    public var question: QuestionID?
    /// A final sector id (``RespondentProfile/unclassified`` included).
    public var sector: String?
    /// A UN M49 sub-region, as `submission.region` keeps it, or ``CountryTable/unknownRegion``.
    public var region: String?
    /// An ISO 3166-1 alpha-2 country code.
    public var country: String?
    public var publication: PublicationChoice?
    public var level: String?
    /// Texts carrying this theme (a coding in force).
    public var theme: Int64?
    /// Texts with (true) or without (false) any coding in force.
    public var coded: Bool?
    /// Texts of one language, or of one verdict against the survey's language (lang, issue 15).
    public var language: LanguageFilter?

    public init(
        question: QuestionID? = nil, sector: String? = nil, region: String? = nil, country: String? = nil,
        publication: PublicationChoice? = nil, level: String? = nil, theme: Int64? = nil, coded: Bool? = nil,
        language: LanguageFilter? = nil
    ) {
        self.language = language
        self.question = question
        self.sector = sector
        self.region = region
        self.country = country
        self.publication = publication
        self.level = level
        self.theme = theme
        self.coded = coded
    }

    /// The filters as a JSON object of the API's parameter names (for the record of a bulk coding).
    public var json: JSONValue {
        var members: [String: JSONValue] = [:]
        if let question { members["question"] = .string(question.rawValue) }
        if let sector { members["sector"] = .string(sector) }
        if let region { members["region"] = .string(region) }
        if let country { members["country"] = .string(country) }
        if let publication { members["publication"] = .string(publication.rawValue) }
        if let level { members["level"] = .string(level) }
        if let theme { members["theme"] = .number(Double(theme)) }
        if let coded { members["coded"] = .string(coded ? "yes" : "no") }
        if let language { members["language"] = .string(language.parameter) }
        return .object(members)
    }
}

/// A snippet of a found text with the query's matches marked.
public struct HighlightedSnippet: Sendable, Hashable {
    public struct Piece: Sendable, Hashable {
        public let text: String
        /// Whether this piece matched the query.
        public let highlighted: Bool
    }

    public let pieces: [Piece]

    /// The snippet without marks.
    public var plainText: String { pieces.map(\.text).joined() }

    /// Marks that FTS5's `snippet()` puts around matches: private-use characters, cut apart here so
    /// that pages escape the text and add the marks themselves.
    package static let open: Unicode.Scalar = "\u{E000}"
    package static let close: Unicode.Scalar = "\u{E001}"

    /// Splits a marked snippet into pieces. `textHasMarks`: the stored text itself holds one of the
    /// mark characters, so the marks cannot be told from the text: nothing is highlighted then.
    package init(marked: String, textHasMarks: Bool) {
        guard !textHasMarks else {
            pieces = marked.isEmpty ? [] : [Piece(text: marked, highlighted: false)]
            return
        }
        var pieces: [Piece] = []
        var current = String.UnicodeScalarView()
        var highlighted = false
        func flush() {
            if !current.isEmpty { pieces.append(Piece(text: String(current), highlighted: highlighted)) }
            current = String.UnicodeScalarView()
        }
        for scalar in marked.unicodeScalars {
            if scalar == Self.open || scalar == Self.close {
                flush()
                highlighted = scalar == Self.open
            } else {
                current.append(scalar)
            }
        }
        flush()
        self.pieces = pieces
    }

    public init(pieces: [Piece]) {
        self.pieces = pieces
    }
}

/// One free text found by a search.
public struct TextHit: Sendable, Hashable {
    package init(
        id: Int64, respondent: String, field: OpenTextField, finalSector: String, publication: PublicationChoice, version: Int,
        snippet: HighlightedSnippet, codings: Int, language: TextLanguage
    ) {
        self.id = id
        self.respondent = respondent
        self.field = field
        self.finalSector = finalSector
        self.publication = publication
        self.version = version
        self.snippet = snippet
        self.codings = codings
        self.language = language
    }

    /// The text's `open_text` id: the keyset cursor of the next page.
    public let id: Int64
    /// The submission's pseudonymous respondent id (the one the exports show).
    public let respondent: String
    public let field: OpenTextField
    public let finalSector: String
    public let publication: PublicationChoice
    /// The submission's latest version, the one the text belongs to.
    public let version: Int
    public let snippet: HighlightedSnippet
    /// Codings in force on the text.
    public let codings: Int
    /// The language ``LanguageRule`` assigned the text.
    public let language: TextLanguage

    /// Confidential respondents' texts are read in the room, marked, and never quoted in exports.
    public var isConfidential: Bool { publication == .confidential }
}

/// One page of a search's results, in `open_text` id order.
public struct TextSearchPage: Sendable, Hashable {
    public let hits: [TextHit]
    /// The cursor of the next page (`after`), or nil on the last page.
    public let next: Int64?
    /// How many texts match: exact when `totalIsExact`, else at least this many.
    public let total: Int
    public let totalIsExact: Bool
}

/// Why the reading room refused a search or a bulk coding; nothing was changed.
public enum ReadingRoomRefusal: Error, Sendable, Hashable {
    /// SQLite could not read the query (its FTS5 message).
    case malformedQuery(String)
    /// No theme with this id in the survey.
    case unknownTheme(Int64)
    /// The theme is retired or merged and takes no new codings.
    case themeClosed(Int64, name: String)
    /// No bulk coding with this id in the survey.
    case unknownBulkCoding(Int64)
    case bulkCodingAlreadyUndone(Int64, at: Date)

    /// One sentence for the problem or page.
    public var message: String {
        switch self {
        case .malformedQuery(let message):
            "The search query could not be read (\(message)); see the query syntax in the documentation."
        case .unknownTheme(let id): "There is no theme \(id) in this survey."
        case .themeClosed(let id, let name):
            "The theme \(id) (\(name)) is retired or merged and takes no new codings; nothing was changed."
        case .unknownBulkCoding(let id): "There is no bulk coding \(id) in this survey."
        case .bulkCodingAlreadyUndone(let id, let at):
            "The bulk coding \(id) was already undone at \(Instant.utcText(at)); nothing was changed."
        }
    }
}

extension ReadingRoomRefusal: StoreRefusal {}

/// Full-text search over the free texts of a survey's latest versions, with filters, keyset
/// pages and highlighted snippets. Texts of personal questions are found only for respondents
/// whose publication choice discloses them (``PublicationChoice/withholding(_:)``).
public struct SQLiteTextSearch: TextSearch {
    let database: ConsultDatabase

    public init(_ database: ConsultDatabase) {
        self.database = database
    }

    /// The page of texts matching `query` (every text when nil) and `filters` after the text `after`.
    public func page(
        of survey: Survey, query: TextQuery?, filters: TextSearchFilters, after: Int64? = nil, limit: Int = 50
    ) async throws -> TextSearchPage {
        let limit = max(1, min(limit, TextSearchPage.maximumSize))
        return try await ReadingRoomRefusal.readingQuery {
            try await database.pool.read { db in
                let selection = TextSelection(survey: survey, query: query, filters: filters)
                try TextSelection.checkTheme(filters.theme, of: survey, in: db)
                var paged = selection
                if let after { paged.add("\(selection.idColumn) > ?", after) }
                // Without a query the opening is cut from the whole text (SQL's substr and instr stop at a U+0000).
                let snippet = query == nil ? "NULL" : "snippet(open_text_search, 0, ?, ?, '…', 24)"
                let snippetArguments: StatementArguments = query == nil
                    ? [] : [String(HighlightedSnippet.open), String(HighlightedSnippet.close)]
                let rows = try Row.fetchAll(
                    db, sql: """
                        SELECT o.id, o.question, o.kind, o.language, s.id AS submission_id, s.final_sector, s.publication, s.version,
                            CAST(\(snippet) AS BLOB) AS snippet, \(ExactText.select("o.text")) AS text,
                            (SELECT count(*) FROM coding c WHERE c.submission_seq = o.submission_seq AND c.question = o.question
                                AND c.kind = o.kind AND c.removed_at_ms IS NULL) AS codings
                        FROM \(paged.from) WHERE \(paged.condition)
                        ORDER BY \(selection.idColumn) LIMIT ?
                        """,
                    arguments: snippetArguments + paged.arguments + [limit + 1])
                let hits = rows.prefix(limit).compactMap { row -> TextHit? in
                    guard let field = OpenTextField(storedQuestion: row["question"], kind: row["kind"]) else { return nil }
                    let text = ExactText.decode(row["text"]) ?? ""
                    return TextHit(
                        id: row["id"], respondent: database.pseudonyms.pseudonym(for: row["submission_id"]), field: field,
                        finalSector: row["final_sector"], publication: PublicationChoice(stored: row["publication"]),
                        version: row["version"],
                        snippet: query == nil
                            ? .opening(of: text)
                            : HighlightedSnippet(marked: ExactText.decode(row["snippet"]) ?? "", textHasMarks: HighlightedSnippet.hasMarks(text)),
                        codings: row["codings"], language: TextLanguage(code: row["language"]))
                }
                let counted = try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM (SELECT 1 FROM \(selection.from) WHERE \(selection.condition) LIMIT ?)",
                    arguments: selection.arguments + [TextSearchPage.exactTotalLimit + 1]) ?? 0
                return TextSearchPage(
                    hits: hits, next: rows.count > limit ? hits.last?.id : nil,
                    total: min(counted, TextSearchPage.exactTotalLimit), totalIsExact: counted <= TextSearchPage.exactTotalLimit)
            }
        }
    }

    /// How many texts match `query` and `filters`, exactly.
    public func count(of survey: Survey, query: TextQuery?, filters: TextSearchFilters) async throws -> Int {
        try await ReadingRoomRefusal.readingQuery {
            try await database.pool.read { db in
                let selection = TextSelection(survey: survey, query: query, filters: filters)
                try TextSelection.checkTheme(filters.theme, of: survey, in: db)
                return try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM \(selection.from) WHERE \(selection.condition)",
                    arguments: selection.arguments) ?? 0
            }
        }
    }
}

/// The SQL that selects a search's texts: `o` is `open_text`, `s` its `submission`.
package struct TextSelection {
    let from: String
    /// The column the pages are ordered and cut by.
    let idColumn: String
    private(set) var conditions: [String] = []
    private(set) var arguments: StatementArguments = []

    var condition: String { conditions.joined(separator: " AND ") }

    init(survey: Survey, query: TextQuery?, filters: TextSearchFilters) {
        if let query {
            // The index is walked in rowid order, so a page stops after its last hit.
            from = """
                open_text_search CROSS JOIN open_text o ON o.id = open_text_search.rowid
                CROSS JOIN submission s ON s.seq = o.submission_seq
                """
            idColumn = "open_text_search.rowid"
            add("open_text_search MATCH ?", query.text)
        } else {
            from = "open_text o CROSS JOIN submission s ON s.seq = o.submission_seq"
            idColumn = "o.id"
        }
        add("s.survey_id = ?", survey.id.rawValue)
        // Personal questions' texts only where the publication choice discloses them.
        for (question, withheld) in Self.withheldPersonalTexts(of: survey) {
            conditions.append("NOT (o.question = ? AND s.publication IN (\(withheld.map { _ in "?" }.joined(separator: ", "))))")
            for value in [question.id.rawValue] + withheld.map(\.rawValue) { _ = arguments.append(contentsOf: [value]) }
        }
        if let question = filters.question { add("o.question = ?", question.rawValue) }
        if let sector = filters.sector { add("s.final_sector = ?", sector) }
        if let region = filters.region {
            if region == CountryTable.unknownRegion { conditions.append("s.region IS NULL") } else { add("s.region = ?", region) }
        }
        if let country = filters.country { add("s.country = ?", country) }
        if let publication = filters.publication { add("s.publication = ?", publication.rawValue) }
        if let level = filters.level { add("s.level = ?", level) }
        let coding = """
            SELECT 1 FROM coding c WHERE c.submission_seq = o.submission_seq AND c.question = o.question
                AND c.kind = o.kind AND c.removed_at_ms IS NULL
            """
        if let theme = filters.theme { add("EXISTS (\(coding) AND c.theme_id = ?)", theme) }
        if let coded = filters.coded { conditions.append("\(coded ? "" : "NOT ")EXISTS (\(coding))") }
        if let language = filters.language {
            switch language {
            case .verdict(let verdict):
                add("consult_language_verdict(o.language, ?) = ?", survey.language)
                _ = arguments.append(contentsOf: [verdict.rawValue])
            case .language(let language):
                add("o.language = ?", language.code)
            }
        }
    }

    mutating func add(_ condition: String, _ value: some DatabaseValueConvertible) {
        conditions.append(condition)
        _ = arguments.append(contentsOf: [value])
    }

    /// The personal questions of `survey` whose texts a search leaves out, each with the publication
    /// choices that withhold it (every engine's search).
    package static func withheldPersonalTexts(of survey: Survey) -> [(question: Question, withheld: [PublicationChoice])] {
        survey.questions.compactMap { question in
            let withheld = PublicationChoice.allCases.filter { $0.withholding(question) == .personal }
            return withheld.isEmpty ? nil : (question, withheld)
        }
    }

    /// Refuses a theme filter naming no theme of the survey.
    static func checkTheme(_ theme: Int64?, of survey: Survey, in db: Database) throws {
        guard let theme else { return }
        guard try Bool.fetchOne(
            db, sql: "SELECT EXISTS (SELECT 1 FROM theme WHERE id = ? AND survey_id = ?)", arguments: [theme, survey.id.rawValue]
        ) == true else { throw ReadingRoomRefusal.unknownTheme(theme) }
    }
}

extension ReadingRoomRefusal {
    /// Runs a read or write that matches a query, turning SQLite's FTS5 syntax errors (which
    /// ``TextQuery`` should already have caught) into a refusal instead of a database failure.
    static func readingQuery<T>(_ operation: () async throws -> T) async throws -> T {
        do {
            return try await operation()
        } catch let error as DatabaseError where error.resultCode == .SQLITE_ERROR && isQueryError(error.message ?? "") {
            throw ReadingRoomRefusal.malformedQuery(error.message ?? "syntax error")
        }
    }

    /// The messages by which SQLite refuses an FTS5 query's text (not the SQL around it).
    private static func isQueryError(_ message: String) -> Bool {
        message.hasPrefix("fts5:") || message == "unterminated string" || message.hasPrefix("unknown special query")
            || message.hasPrefix("no such column")
    }
}

extension TextSearchPage {
    /// The most hits one page holds.
    public static let maximumSize = 200
    /// Totals are counted exactly up to this many matches, so a common word stays fast (counting
    /// joins every match to its submission for the filters; bulk coding's preview counts exactly).
    public static let exactTotalLimit = 1_000
}
