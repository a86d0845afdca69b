import ConsultCore
import Foundation
import GRDB

/// A file whose extracted text a search found.
public struct AttachmentHit: Sendable, Hashable {
    /// The keyset cursor of the next page (the `attachment` row id).
    public let id: Int64
    public let respondent: String
    public let file: AttachmentSummary
    public let finalSector: String
    public let publication: PublicationChoice
    public let snippet: HighlightedSnippet

    package init(
        id: Int64, respondent: String, file: AttachmentSummary, finalSector: String, publication: PublicationChoice,
        snippet: HighlightedSnippet
    ) {
        self.id = id
        self.respondent = respondent
        self.file = file
        self.finalSector = finalSector
        self.publication = publication
        self.snippet = snippet
    }

    /// Confidential respondents' files are read in the room, marked, and never leave in exports.
    public var isConfidential: Bool { publication == .confidential }
}

/// One page of the files a search found, in file order.
public struct AttachmentSearchPage: Sendable, Hashable {
    public let hits: [AttachmentHit]
    /// The cursor of the next page, or nil on the last page.
    public let next: Int64?
    /// How many files match: exact when `totalIsExact`, else at least this many.
    public let total: Int
    public let totalIsExact: Bool

    package init(hits: [AttachmentHit], next: Int64?, total: Int, totalIsExact: Bool) {
        self.hits = hits
        self.next = next
        self.total = total
        self.totalIsExact = totalIsExact
    }
}

/// The reading room's search over the text extracted from the current files of a survey's
/// submissions, with the filters of ``SQLiteTextSearch`` (files carry no codings: a theme filter or
/// "coded" finds none). Files answering personal questions are found only where the publication
/// choice discloses them, as their texts would be.
public struct SQLiteAttachmentTextSearch: AttachmentTextSearch {
    let database: ConsultDatabase

    public init(_ database: ConsultDatabase) {
        self.database = database
    }

    public func page(
        of survey: Survey, query: TextQuery?, filters: TextSearchFilters, after: Int64? = nil, limit: Int = 50
    ) async throws -> AttachmentSearchPage {
        let limit = max(1, min(limit, TextSearchPage.maximumSize))
        guard !AttachmentSearchConditions.findsNone(filters) else {
            return AttachmentSearchPage(hits: [], next: nil, total: 0, totalIsExact: true)
        }
        return try await ReadingRoomRefusal.readingQuery {
            try await database.pool.read { db in
                var selection = Self.selection(survey: survey, query: query, filters: filters)
                let base = selection
                if let after { selection.add("a.id > ?", after) }
                let snippet = query == nil
                    ? "substr(t.text, 1, 240) || CASE WHEN length(t.text) > 240 THEN '…' ELSE '' END"
                    : "snippet(attachment_text_search, 0, ?, ?, '…', 24)"
                let snippetArguments: StatementArguments = query == nil
                    ? [] : [String(HighlightedSnippet.open), String(HighlightedSnippet.close)]
                let rows = try Row.fetchAll(db, sql: """
                    SELECT a.id, \(AttachmentSummary.columns), s.id AS submission_id, s.final_sector, s.publication,
                        CAST(\(snippet) AS BLOB) AS snippet,
                        instr(t.text, char(57344)) + instr(t.text, char(57345)) > 0 AS has_marks
                    FROM \(selection.from) WHERE \(selection.condition) ORDER BY a.id LIMIT ?
                    """, arguments: snippetArguments + selection.arguments + [limit + 1])
                let hits = rows.prefix(limit).map { row in
                    AttachmentHit(
                        id: row["id"], respondent: database.pseudonyms.pseudonym(for: row["submission_id"]),
                        file: AttachmentSummary(row), finalSector: row["final_sector"],
                        publication: PublicationChoice(stored: row["publication"]),
                        snippet: HighlightedSnippet(marked: ExactText.decode(row["snippet"]) ?? "", textHasMarks: row["has_marks"]))
                }
                let counted = try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM (SELECT 1 FROM \(base.from) WHERE \(base.condition) LIMIT ?)",
                    arguments: base.arguments + [TextSearchPage.exactTotalLimit + 1]) ?? 0
                return AttachmentSearchPage(
                    hits: hits, next: rows.count > limit ? hits.last?.id : nil,
                    total: min(counted, TextSearchPage.exactTotalLimit), totalIsExact: counted <= TextSearchPage.exactTotalLimit)
            }
        }
    }

    /// `a` is `attachment`, `t` its `attachment_text`, `s` its `submission`.
    private static func selection(survey: Survey, query: TextQuery?, filters: TextSearchFilters) -> SQLSelection {
        var selection: SQLSelection
        if let query {
            selection = SQLSelection(from: """
                attachment_text_search CROSS JOIN attachment_text t ON t.attachment_id = attachment_text_search.rowid
                CROSS JOIN attachment a ON a.id = t.attachment_id CROSS JOIN submission s ON s.seq = a.submission_seq
                """)
            selection.add("attachment_text_search MATCH ?", query.text)
        } else {
            selection = SQLSelection(from: """
                attachment a CROSS JOIN attachment_text t ON t.attachment_id = a.id
                CROSS JOIN submission s ON s.seq = a.submission_seq
                """)
        }
        let filtering = AttachmentSearchConditions(survey: survey, filters: filters)
        selection.conditions += filtering.conditions
        _ = selection.arguments.append(contentsOf: StatementArguments(filtering.values))
        return selection
    }
}

/// The conditions of a search of attached files' text besides the query itself, whatever the engine:
/// `a` is `attachment`, `t` its `attachment_text`, `s` its `submission`; each `?` takes the next of `values`.
package struct AttachmentSearchConditions {
    package private(set) var conditions: [String] = []
    package private(set) var values: [String] = []

    package init(survey: Survey, filters: TextSearchFilters) {
        conditions.append("t.status = 'extracted' AND a.replaced_at_ms IS NULL")
        add("a.survey_id = ?", survey.id.rawValue)
        // Files of personal questions only where the publication choice discloses them; files of
        // questions the survey no longer has are not found.
        conditions.append("a.question IN (\(survey.questions.map { _ in "?" }.joined(separator: ", ")))")
        values += survey.questions.map(\.id.rawValue)
        for question in survey.questions {
            let withheld = PublicationChoice.allCases.filter { $0.withholding(question) == .personal }
            guard !withheld.isEmpty else { continue }
            conditions.append("NOT (a.question = ? AND s.publication IN (\(withheld.map { _ in "?" }.joined(separator: ", "))))")
            values += [question.id.rawValue] + withheld.map(\.rawValue)
        }
        if let question = filters.question { add("a.question = ?", question.rawValue) }
        if let sector = filters.sector { add("s.final_sector = ?", sector) }
        if let region = filters.region {
            if region == CountryTable.unknownRegion { conditions.append("s.region IS NULL") } else {
                add("s.region = ?", region)
            }
        }
        if let country = filters.country { add("s.country = ?", country) }
        if let publication = filters.publication { add("s.publication = ?", publication.rawValue) }
        if let level = filters.level { add("s.level = ?", level) }
    }

    /// Files carry no codings: a theme filter or "coded" finds none.
    package static func findsNone(_ filters: TextSearchFilters) -> Bool {
        filters.theme != nil || filters.coded == true
    }

    private mutating func add(_ condition: String, _ value: String) {
        conditions.append(condition)
        values.append(value)
    }
}

/// A FROM clause with its AND-ed conditions and their arguments.
struct SQLSelection {
    let from: String
    var conditions: [String] = []
    var arguments: StatementArguments = []

    var condition: String { conditions.isEmpty ? "1" : conditions.joined(separator: " AND ") }

    mutating func add(_ condition: String, _ value: some DatabaseValueConvertible) {
        conditions.append(condition)
        _ = arguments.append(contentsOf: [value])
    }
}
