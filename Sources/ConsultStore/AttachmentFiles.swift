import ConsultCore
import Foundation
import GRDB

/// One stored file as analysts see it: what it is and where its text extraction stands.
public struct AttachmentSummary: Sendable, Hashable {
    /// The id URLs name.
    public let publicID: String
    /// The question it answers.
    public let question: String
    /// Sanitised at upload; for display only.
    public let fileName: String
    /// `pdf`, `docx`, `odt` or `text`, decided from the content.
    public let kind: String
    public let size: Int
    public let sha256: Data
    public let uploadedAt: Date
    public let extraction: ExtractionStatus
    public let pages: Int?
    public let characters: Int?
    /// Why extraction failed, when it did.
    public let failure: String?

    /// The SHA-256 in lowercase hex, as receipts and manifests write it.
    public var sha256Hex: String { sha256.map { String(format: "%02x", $0) }.joined() }

    /// The media type the file is served with.
    public var mediaType: String {
        switch kind {
        case "pdf": "application/pdf"
        case "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        case "odt": "application/vnd.oasis.opendocument.text"
        default: "text/plain; charset=utf-8"
        }
    }

    /// The usual file name extension of the kind.
    public var fileExtension: String { kind == "text" ? "txt" : kind }

    /// The columns the summary reads, of `attachment a` and its `attachment_text t` (both engines).
    package static let columns = """
        a.public_id, a.question, a.file_name, a.kind, a.size, a.sha256, a.uploaded_at_ms,
        t.status, t.pages, t.characters, t.failure
        """

    init(_ row: Row) {
        self.init(
            publicID: row["public_id"], question: row["question"], fileName: row["file_name"], kind: row["kind"],
            size: row["size"], sha256: row["sha256"], uploadedAtMilliseconds: row["uploaded_at_ms"], status: row["status"],
            pages: row["pages"], characters: row["characters"], failure: row["failure"])
    }
}

/// The files of submissions, for analysts: the reading room lists a submission's files and
/// opens them (each opening recorded in the audit log, like export downloads).
public struct SQLiteAttachmentFiles: AttachmentFiles {
    let database: ConsultDatabase

    /// The current files of submission `seq` (not those a later version replaced), by question and upload.
    public func current(ofSubmission seq: Int64) async throws -> [AttachmentSummary] {
        try await database.pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(AttachmentSummary.columns) FROM attachment a
                LEFT JOIN attachment_text t ON t.attachment_id = a.id
                WHERE a.submission_seq = ? AND a.replaced_at_ms IS NULL ORDER BY a.question, a.id
                """, arguments: [seq]
            ).map(AttachmentSummary.init)
        }
    }

    /// File `publicID` of submission `seq` (current or replaced) with its bytes, or nil.
    public func file(_ publicID: String, ofSubmission seq: Int64) async throws -> (summary: AttachmentSummary, content: Data)? {
        try await database.pool.read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT \(AttachmentSummary.columns), a.content FROM attachment a
                LEFT JOIN attachment_text t ON t.attachment_id = a.id
                WHERE a.public_id = ? AND a.submission_seq = ?
                """, arguments: [publicID, seq])
            else { return nil }
            return (AttachmentSummary(row), row["content"])
        }
    }

    /// Records that `actor` opened a respondent's file.
    public func recordDownload(
        of summary: AttachmentSummary, respondent: String, survey: String, by actor: String, at instant: Date
    ) async throws {
        try await database.pool.write { db in
            try database.appendAudit(AuditRecord(
                at: instant, actor: actor, action: AuditRecord.attachmentDownloadedAction, surveyID: survey,
                subject: "\(respondent)/\(summary.publicID)", oldValue: nil, newValue: summary.sha256Hex, reason: nil), in: db)
        }
    }
}

extension ConsultDatabase {
    /// Position papers (extract): submissions' files for analysts.
    public var attachmentFiles: any AttachmentFiles { SQLiteAttachmentFiles(database: self) }
}
