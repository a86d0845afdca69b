import ConsultCore
import ConsultStore
import Foundation
import PostgresNIO

/// The reading room's search over the text extracted from the current files of a survey's submissions on
/// PostgreSQL: FTS5's words in a GIN-indexed tsvector and the query translated to a tsquery (``SearchWords``, as the
/// open texts' search), FTS5's own snippets (``FTS5Scratch``), the filters and the rule on personal questions of
/// ``AttachmentSearchConditions`` (shared with SQLite).
public struct PostgresAttachmentTextSearch: AttachmentTextSearch {
    let store: PostgresStore

    public func page(
        of survey: Survey, query: TextQuery?, filters: TextSearchFilters, after: Int64?, limit: Int
    ) async throws -> AttachmentSearchPage {
        let limit = max(1, min(limit, TextSearchPage.maximumSize))
        let none = AttachmentSearchPage(hits: [], next: nil, total: 0, totalIsExact: true)
        guard !AttachmentSearchConditions.findsNone(filters) else { return none }
        let filtering = AttachmentSearchConditions(survey: survey, filters: filters)
        var conditions = filtering.conditions
        var values: [any PostgresEncodable & Sendable] = filtering.values
        if let query {
            guard let tsquery = try SearchWords.query(query) else { return none }
            conditions.insert("t.words @@ ?::tsquery", at: 0)
            values.insert(tsquery, at: 0)
        }
        let from = """
            attachment a JOIN attachment_text t ON t.attachment_id = a.id JOIN submission s ON s.seq = a.submission_seq
            """
        let condition = conditions.joined(separator: " AND ")
        // The whole text for a query's snippet; else its start (at most 240 characters of 4 bytes).
        let text = query == nil ? "substring(t.text FROM 1 FOR 960)" : "t.text"
        let pageConditions = condition + (after == nil ? "" : " AND a.id > ?")
        var pageValues = values
        if let after { pageValues.append(after) }
        pageValues.append(Int64(limit + 1))
        let rows = try await store.reading { connection in
            try await connection.all(
                Self.query(
                    """
                    SELECT a.id, \(AttachmentSummary.columns), s.id, s.final_sector, s.publication, \(text),
                        position('\\xee8080'::bytea IN t.text) + position('\\xee8081'::bytea IN t.text) > 0
                    FROM \(from) WHERE \(pageConditions) ORDER BY a.id LIMIT ?
                    """, pageValues),
                as: (Int64, String, String, String, String, Int, Data, Int64, String?, Int?, Int?, String?, String, String, String,
                    Data, Bool).self,
                logger: store.logger)
        }
        let hits = try rows.prefix(limit).map { row in
            let text = String(decoding: row.15, as: UTF8.self)
            // Without a query, the text's start (read cut, so its length comes from `characters`).
            let snippet = try query.flatMap { try FTS5Scratch.shared.snippet(of: text, query: $0.text) }
                ?? HighlightedSnippet(
                    marked: String(String.UnicodeScalarView(text.unicodeScalars.prefix(240))) + ((row.10 ?? 0) > 240 ? "…" : ""),
                    textHasMarks: row.16)
            return AttachmentHit(
                id: row.0, respondent: store.pseudonyms.pseudonym(for: row.12),
                file: AttachmentSummary((row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8, row.9, row.10, row.11)),
                finalSector: row.13, publication: PublicationChoice(stored: row.14), snippet: snippet)
        }
        let counted = try await store.reading { connection in
            try await connection.first(
                Self.query(
                    "SELECT count(*) FROM (SELECT 1 FROM \(from) WHERE \(condition) LIMIT ?) AS found",
                    values + [Int64(TextSearchPage.exactTotalLimit + 1)] as [any PostgresEncodable & Sendable]),
                as: Int.self, logger: store.logger) ?? 0
        }
        return AttachmentSearchPage(
            hits: Array(hits), next: rows.count > limit ? hits.last?.id : nil,
            total: min(counted, TextSearchPage.exactTotalLimit), totalIsExact: counted <= TextSearchPage.exactTotalLimit)
    }

    /// `sql` with each `?` bound to the next of `values` (the conditions hold no other `?`).
    static func query(_ sql: String, _ values: [any PostgresEncodable & Sendable]) throws -> PostgresQuery {
        var binds = PostgresBindings(capacity: values.count)
        var numbered = ""
        var next = 1
        for character in sql {
            if character == "?" {
                numbered += "$\(next)"
                next += 1
            } else {
                numbered.append(character)
            }
        }
        for value in values { try binds.append(value) }
        return PostgresQuery(unsafeSQL: numbered, binds: binds)
    }
}
