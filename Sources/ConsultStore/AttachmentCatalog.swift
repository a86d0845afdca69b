import ConsultCore
import Foundation
import GRDB

/// A submission's current file, as the attachments export lists it.
public struct CatalogedAttachment: Sendable, Hashable {
    /// The `attachment` row, for reading its bytes.
    public let id: Int64
    public let respondent: String
    public let finalSector: String
    public let publication: PublicationChoice
    public let file: AttachmentSummary

    package init(id: Int64, respondent: String, finalSector: String, publication: PublicationChoice, file: AttachmentSummary) {
        self.id = id
        self.respondent = respondent
        self.finalSector = finalSector
        self.publication = publication
        self.file = file
    }
}

/// The current files of a survey's submissions in one consistent read, for the attachments export.
public struct SQLiteAttachmentCatalog: AttachmentCatalog {
    let database: ConsultDatabase

    /// Runs `body` on one snapshot of the store: the files, in submission then question order, and
    /// a reader of any file's bytes from that same snapshot. Blocks.
    public func read<T>(
        survey: String, _ body: (_ files: [CatalogedAttachment], _ content: (Int64) throws -> Data?) throws -> T
    ) throws -> T {
        try database.pool.read { db in
            let files = try Row.fetchAll(db, sql: """
                SELECT a.id, \(AttachmentSummary.columns), s.id AS submission_id, s.final_sector, s.publication
                FROM attachment a CROSS JOIN submission s ON s.seq = a.submission_seq
                LEFT JOIN attachment_text t ON t.attachment_id = a.id
                WHERE a.survey_id = ? AND a.submission_seq IS NOT NULL AND a.replaced_at_ms IS NULL
                ORDER BY a.submission_seq, a.question, a.id
                """, arguments: [survey]
            ).map { row in
                CatalogedAttachment(
                    id: row["id"], respondent: database.pseudonyms.pseudonym(for: row["submission_id"]),
                    finalSector: row["final_sector"], publication: PublicationChoice(stored: row["publication"]),
                    file: AttachmentSummary(row))
            }
            return try body(files) { id in
                try Data.fetchOne(db, sql: "SELECT content FROM attachment WHERE id = ?", arguments: [id])
            }
        }
    }
}

extension ConsultDatabase {
    /// Position papers (extract): the files of a survey for its attachments export.
    public var attachmentCatalog: any AttachmentCatalog { SQLiteAttachmentCatalog(database: self) }
}
