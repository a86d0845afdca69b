import Foundation
import GRDB

/// Where a stored file's text extraction stands.
public enum ExtractionStatus: String, Sendable, Hashable {
    /// Not extracted yet: the worker will.
    case pending
    case extracted
    /// Tried and failed; the reason is kept and shown, the file is kept.
    case failed
}

/// A stored file the extraction worker has not read yet.
public struct PendingExtraction: Sendable, Hashable {
    /// The `attachment` row.
    public let id: Int64
    public let kind: String
    public let size: Int

    package init(id: Int64, kind: String, size: Int) {
        self.id = id
        self.kind = kind
        self.size = size
    }
}

/// What extracting a file's text came to.
public enum ExtractionOutcome: Sendable, Hashable {
    case extracted(text: String, pages: Int?)
    case failed(reason: String)
}

/// The extraction worker's side of the store: the stored files without text yet, their bytes,
/// and the one `attachment_text` row recorded for each (indexed for search by triggers).
/// Staged files (not yet bound to a submission) wait: they may be discarded.
public struct SQLiteAttachmentTexts: AttachmentTexts {
    let pool: DatabasePool

    /// Up to `limit` stored files without a text row, oldest first.
    public func pending(limit: Int) async throws -> [PendingExtraction] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT id, kind, size FROM attachment WHERE id IN (
                    SELECT id FROM attachment INDEXED BY attachment_bound WHERE submission_seq IS NOT NULL
                        AND id NOT IN (SELECT attachment_id FROM attachment_text INDEXED BY attachment_text_by_status)
                    ORDER BY id LIMIT ?)
                ORDER BY id
                """, arguments: [limit]
            ).map { PendingExtraction(id: $0["id"], kind: $0["kind"], size: $0["size"]) }
        }
    }

    /// The file's bytes, or nil when there is no such file.
    public func content(of id: Int64) async throws -> Data? {
        try await pool.read { db in try Data.fetchOne(db, sql: "SELECT content FROM attachment WHERE id = ?", arguments: [id]) }
    }

    /// Records the outcome for file `id`, unless one is already recorded (then nothing changes).
    /// Returns whether this call recorded it.
    @discardableResult
    public func record(_ outcome: ExtractionOutcome, for id: Int64, at instant: Date) async throws -> Bool {
        try await pool.write { db in
            switch outcome {
            case .extracted(let text, let pages):
                try db.execute(sql: """
                    INSERT INTO attachment_text (attachment_id, status, text, pages, characters, failure, extracted_at_ms)
                    VALUES (?, 'extracted', ?, ?, ?, NULL, ?) ON CONFLICT (attachment_id) DO NOTHING
                    """, arguments: [id, text, pages, text.unicodeScalars.count, instant.milliseconds])
            case .failed(let reason):
                try db.execute(sql: """
                    INSERT INTO attachment_text (attachment_id, status, text, pages, characters, failure, extracted_at_ms)
                    VALUES (?, 'failed', NULL, NULL, NULL, ?, ?) ON CONFLICT (attachment_id) DO NOTHING
                    """, arguments: [id, reason, instant.milliseconds])
            }
            return db.changesCount > 0
        }
    }
}

extension ConsultDatabase {
    /// Position papers (extract): the extraction worker's reads and writes.
    public var attachmentTexts: any AttachmentTexts { SQLiteAttachmentTexts(pool: pool) }
}
