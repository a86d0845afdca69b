// Position papers (extract): the reading room's search also finds text extracted from files.
import ConsultCore
import ConsultStore
import Foundation

/// The files a reading-room search finds, beside its free texts: the API's `attachments` members
/// and the search page's "In attached files" section. Paged on their own, by `attachments_after`.
enum AttachmentSearchResults {
    static func page(
        of survey: Survey, search: TextSearchRequest, cursor: PageCursor, value: (String) -> String?, consultation: Consultation
    ) async throws -> AttachmentSearchPage {
        var after: Int64?
        if let text = value("attachments_after"), !text.isEmpty {
            guard let id = Int64(text), id >= 0 else {
                throw Problem.badRequest(
                    "attachments_after: \"\(text)\" is not a cursor; use the attachments_next_after of the previous page.")
            }
            after = id
        }
        return try await consultation.storing {
            try await consultation.database.attachmentTextSearch.page(
                of: survey, query: search.query, filters: search.filters, after: after, limit: cursor.limit)
        }
    }

    /// The members added to the search API's answer.
    static func json(_ page: AttachmentSearchPage, survey: Survey) -> [String: JSONValue] {
        [
            "attachments_total": .number(Double(page.total)),
            "attachments_total_is_exact": .bool(page.totalIsExact),
            "attachments_next_after": page.next.map { JSONValue.number(Double($0)) } ?? .null,
            "attachments": .array(page.hits.map { hit in
                .object([
                    "id": .string(hit.file.publicID),
                    "kind": .string("attachment"),
                    "file_kind": .string(hit.file.kind),
                    "file_name": .string(hit.file.fileName),
                    "respondent": .string(hit.respondent),
                    "question": .string(hit.file.question),
                    "question_label": .string(survey.question(QuestionID(hit.file.question))?.text ?? hit.file.question),
                    "sector": .string(hit.finalSector),
                    "sector_label": .string(survey.sectorLabel(hit.finalSector)),
                    "publication": .string(hit.publication.rawValue),
                    "confidential": .bool(hit.isConfidential),
                    "snippet": .string(hit.snippet.plainText),
                    "highlights": .array(hit.snippet.pieces.map {
                        .object(["text": .string($0.text), "highlighted": .bool($0.highlighted)])
                    }),
                    "file_url": .string("/api/v1/surveys/\(survey.id)/respondents/\(hit.respondent)/files/\(hit.file.publicID)"),
                    "respondent_url": .string("/analyst/s/\(survey.id)/respondents/\(hit.respondent)"),
                ])
            }),
        ]
    }

    /// The page's section: nothing at all when no file matches.
    static func view(
        _ page: AttachmentSearchPage, survey: Survey, parameters: [(name: String, value: String)], after: Int64?
    ) -> [String: Any] {
        var view: [String: Any] = [
            "hasFileHits": !page.hits.isEmpty,
            "fileTotalText": !page.totalIsExact
                ? "More than \(page.total) files found." : page.total == 1 ? "1 file found." : "\(page.total) files found.",
            "fileHits": page.hits.map { hit -> [String: Any] in
                [
                    "respondent": hit.respondent, "link": "/analyst/s/\(survey.id)/respondents/\(hit.respondent)",
                    "fileLink": "/analyst/s/\(survey.id)/respondents/\(hit.respondent)/files/\(hit.file.publicID)",
                    "fileName": hit.file.fileName, "fileKind": hit.file.kind.uppercased(),
                    "question": survey.question(QuestionID(hit.file.question))?.text ?? hit.file.question,
                    "sector": survey.sectorLabel(hit.finalSector), "confidential": hit.isConfidential,
                    "pieces": hit.snippet.pieces.map { ["text": UntrustedText.pageView($0.text), "mark": $0.highlighted] as [String: Any] },
                ]
            },
            "fileNextLink": false, "fileFirstLink": false,
        ]
        if let next = page.next {
            view["fileNextLink"] = "/analyst/s/\(survey.id)/texts?"
                + TextSearchPages.queryString(parameters + [(name: "attachments_after", value: String(next))]) + "#files-heading"
        }
        if after != nil {
            view["fileFirstLink"] = "/analyst/s/\(survey.id)/texts?" + TextSearchPages.queryString(parameters) + "#files-heading"
        }
        return view
    }
}
