import ConsultCore
import ConsultStore
import Foundation
import PostgresNIO

/// The columns of ``AttachmentSummary/columns`` as PostgreSQL returns them.
typealias SummaryRow = (String, String, String, String, Int, Data, Int64, String?, Int?, Int?, String?)

extension AttachmentSummary {
    init(_ row: SummaryRow) {
        self.init(
            publicID: row.0, question: row.1, fileName: row.2, kind: row.3, size: row.4, sha256: row.5,
            uploadedAtMilliseconds: row.6, status: row.7, pages: row.8, characters: row.9, failure: row.10)
    }
}

/// The files of submissions for analysts on PostgreSQL: listed, opened (each opening in the audit log).
public struct PostgresAttachmentFiles: AttachmentFiles {
    let store: PostgresStore

    public func current(ofSubmission seq: Int64) async throws -> [AttachmentSummary] {
        try await store.reading { connection in
            try await connection.all(
                """
                SELECT \(unescaped: AttachmentSummary.columns) FROM attachment a
                LEFT JOIN attachment_text t ON t.attachment_id = a.id
                WHERE a.submission_seq = \(seq) AND a.replaced_at_ms IS NULL ORDER BY a.question COLLATE "C", a.id
                """, as: SummaryRow.self, logger: store.logger
            ).map(AttachmentSummary.init)
        }
    }

    public func file(_ publicID: String, ofSubmission seq: Int64) async throws -> (summary: AttachmentSummary, content: Data)? {
        let row = try await store.reading { connection in
            try await connection.first(
                """
                SELECT \(unescaped: AttachmentSummary.columns), a.content FROM attachment a
                LEFT JOIN attachment_text t ON t.attachment_id = a.id
                WHERE a.public_id = \(publicID) AND a.submission_seq = \(seq)
                """, as: (String, String, String, String, Int, Data, Int64, String?, Int?, Int?, String?, Data).self,
                logger: store.logger)
        }
        guard let row else { return nil }
        let summary = AttachmentSummary((row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8, row.9, row.10))
        return (summary, row.11)
    }

    public func recordDownload(
        of summary: AttachmentSummary, respondent: String, survey: String, by actor: String, at instant: Date
    ) async throws {
        try await store.transaction { connection in
            try await store.appendAudit(AuditRecord(
                at: instant, actor: actor, action: AuditRecord.attachmentDownloadedAction, surveyID: survey,
                subject: "\(respondent)/\(summary.publicID)", oldValue: nil, newValue: summary.sha256Hex, reason: nil), on: connection)
        }
    }
}

/// The extraction worker's side of the store on PostgreSQL: bound files without text yet (`attachment_pending`,
/// kept by triggers), their bytes, and the one `attachment_text` row each gets (its primary key: of two nodes'
/// workers racing, one records).
public struct PostgresAttachmentTexts: AttachmentTexts {
    let store: PostgresStore

    public func pending(limit: Int) async throws -> [PendingExtraction] {
        try await store.reading { connection in
            try await connection.all(
                """
                SELECT a.id, a.kind, a.size FROM attachment_pending p JOIN attachment a ON a.id = p.attachment_id
                ORDER BY p.attachment_id LIMIT \(Int64(limit))
                """, as: (Int64, String, Int).self, logger: store.logger
            ).map { PendingExtraction(id: $0.0, kind: $0.1, size: $0.2) }
        }
    }

    public func content(of id: Int64) async throws -> Data? {
        try await store.reading { connection in
            try await connection.first("SELECT content FROM attachment WHERE id = \(id)", as: Data.self, logger: store.logger)
        }
    }

    @discardableResult
    public func record(_ outcome: ExtractionOutcome, for id: Int64, at instant: Date) async throws -> Bool {
        let (status, text, pages, characters, failure, words): (String, Data?, Int?, Int?, String?, String?) =
            switch outcome {
            case .extracted(let text, let pages):
                ("extracted", Data(text.utf8), pages, text.unicodeScalars.count, nil, try SearchWords.vector(of: text))
            case .failed(let reason): ("failed", nil, nil, nil, reason, nil)
            }
        let recorded = try await store.transaction { connection in
            try await connection.first(
                """
                WITH recorded AS (
                    INSERT INTO attachment_text (attachment_id, status, text, pages, characters, failure, extracted_at_ms, words)
                    VALUES (\(id), \(status), \(text), \(pages), \(characters), \(failure), \(instant.milliseconds),
                        \(words)::tsvector)
                    ON CONFLICT (attachment_id) DO NOTHING RETURNING 1)
                SELECT count(*) FROM recorded
                """, as: Int.self, logger: store.logger) ?? 0
        }
        return recorded == 1
    }
}
