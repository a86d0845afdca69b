import ConsultCore
import ConsultStore
import Foundation
import PostgresNIO

/// The current files of a survey's submissions on PostgreSQL in one snapshot (REPEATABLE READ, READ ONLY),
/// for the attachments export; the bytes are read from that same snapshot, one file at a time.
public struct PostgresAttachmentCatalog: AttachmentCatalog {
    let store: PostgresStore

    public func read<T>(
        survey: String, _ body: (_ files: [CatalogedAttachment], _ content: (Int64) throws -> Data?) throws -> T
    ) throws -> T {
        try store.blockingSnapshot { session in
            let files = try session.all(
                """
                SELECT a.id, \(unescaped: AttachmentSummary.columns), s.id, s.final_sector, s.publication
                FROM attachment a JOIN submission s ON s.seq = a.submission_seq
                LEFT JOIN attachment_text t ON t.attachment_id = a.id
                WHERE a.survey_id = \(survey) AND a.submission_seq IS NOT NULL AND a.replaced_at_ms IS NULL
                ORDER BY a.submission_seq, a.question COLLATE "C", a.id
                """,
                as: (Int64, String, String, String, String, Int, Data, Int64, String?, Int?, Int?, String?, String, String, String).self
            ).map { row in
                CatalogedAttachment(
                    id: row.0, respondent: store.pseudonyms.pseudonym(for: row.12), finalSector: row.13,
                    publication: PublicationChoice(stored: row.14),
                    file: AttachmentSummary((row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8, row.9, row.10, row.11)))
            }
            return try body(files) { id in
                try session.first("SELECT content FROM attachment WHERE id = \(id)", as: Data.self)
            }
        }
    }
}
