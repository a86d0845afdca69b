import ConsultCore
import Crypto
import Foundation
import GRDB
import GRDBSQLite

/// A checked upload ready to be written: what was decided about its bytes, which stay in a spool file.
public struct CheckedUpload: Sendable {
    public let surveyID: String
    public let question: String
    /// Already sanitised (``DisplayFileName``).
    public let fileName: String
    public let kind: FileKind
    public let size: Int
    public let sha256: Data
    /// The secret that may attach the file to an answer while it is staged (kept as a hash).
    public let ownerToken: String

    public init(surveyID: String, question: String, fileName: String, kind: FileKind, size: Int, sha256: Data, ownerToken: String) {
        self.surveyID = surveyID
        self.question = question
        self.fileName = fileName
        self.kind = kind
        self.size = size
        self.sha256 = sha256
        self.ownerToken = ownerToken
    }
}

/// Why the store refused an upload or the files an answer names; nothing was changed.
public enum AttachmentRefusal: Error, Sendable, StoreRefusal {
    /// The owner already has `limit` staged files for the question.
    case tooManyStaged(question: String, limit: Int)
    /// An answer names a file that is not this respondent's, not this question's, or not as uploaded.
    case unknownFile(question: String, id: String)
    /// The spool's bytes changed between the check and the write.
    case bytesChanged

    public var message: String {
        switch self {
        case .tooManyStaged(let question, let limit):
            "\"\(question)\" takes at most \(limit) file(s); remove one before uploading another. Nothing was stored."
        case .unknownFile(let question, let id):
            "\"\(question)\": the file \"\(id)\" is not one of your uploads to this question (or its name, kind, size or "
                + "hash differ from what the upload returned). Nothing was stored."
        case .bytesChanged: "The upload changed while it was stored; nothing was stored."
        }
    }
}

/// A stored attachment as its owner sees it.
public struct StoredAttachment: Sendable, Hashable {
    public let file: AttachedFile
    public let question: String
}

/// Writes uploaded files into the database (incremental BLOB I/O, so that memory stays flat) as
/// staged rows, reads them back, and lists a submission's files. Binding staged rows to a
/// submission happens in the submission's own storing transaction (``AttachmentBinding``).
public struct SQLiteAttachmentStore: AttachmentStore {
    let database: ConsultDatabase

    public init(_ database: ConsultDatabase) {
        self.database = database
    }

    /// Stores `upload` staged, its bytes read from `bytes(offset, count)`, re-hashed as they are written:
    /// if they are not the bytes that were checked, nothing is stored.
    public func stage(
        _ upload: CheckedUpload, limit: Int, at instant: Date, bytes: @escaping @Sendable (Int, Int) throws -> Data
    ) async throws -> (file: AttachedFile, isNew: Bool) {
        let publicID = "f" + Secret.newID()
        let owner = Secret.hash(upload.ownerToken)
        let earlier: AttachedFile? = try await database.pool.write { db in
            // The same bytes sent again by the same owner to the same question (a retry): the file already staged.
            if let row = try Row.fetchOne(
                db, sql: """
                    SELECT public_id, question, file_name, kind, size, sha256 FROM attachment
                    WHERE submission_seq IS NULL AND owner_hash = ? AND survey_id = ? AND question = ? AND sha256 = ?
                    """, arguments: [owner, upload.surveyID, upload.question, upload.sha256])
            {
                return Self.stored(row).file
            }
            let staged = try Int.fetchOne(
                db, sql: """
                    SELECT count(*) FROM attachment
                    WHERE submission_seq IS NULL AND owner_hash = ? AND survey_id = ? AND question = ?
                    """, arguments: [owner, upload.surveyID, upload.question]) ?? 0
            guard staged < limit else { throw AttachmentRefusal.tooManyStaged(question: upload.question, limit: limit) }
            try db.execute(
                sql: """
                    INSERT INTO attachment (public_id, survey_id, question, owner_hash, file_name, kind, size, sha256,
                        uploaded_at_ms, content)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, zeroblob(?))
                    """,
                arguments: [publicID, upload.surveyID, upload.question, owner, upload.fileName, upload.kind.rawValue,
                    upload.size, upload.sha256, instant.milliseconds, upload.size])
            try Self.writeContent(rowID: db.lastInsertedRowID, size: upload.size, expecting: upload.sha256, db: db, bytes: bytes)
            return nil
        }
        if let earlier { return (earlier, false) }
        return (AttachedFile(
            id: publicID, name: upload.fileName, kind: upload.kind, size: upload.size, sha256: Secret.hex(upload.sha256)), true)
    }

    private static func writeContent(
        rowID: Int64, size: Int, expecting sha256: Data, db: Database, bytes: (Int, Int) throws -> Data
    ) throws {
        var blob: OpaquePointer?
        let opened = sqlite3_blob_open(db.sqliteConnection, "main", "attachment", "content", rowID, 1, &blob)
        guard opened == SQLITE_OK, let blob else {
            throw DatabaseError(resultCode: ResultCode(rawValue: opened), message: "cannot open the attachment's blob")
        }
        defer { sqlite3_blob_close(blob) }
        try UploadCopy.copy(size: size, expecting: sha256, from: bytes) { piece, offset in
            let written = piece.withUnsafeBytes { raw in
                sqlite3_blob_write(blob, raw.baseAddress, Int32(raw.count), Int32(offset))
            }
            guard written == SQLITE_OK else {
                throw DatabaseError(resultCode: ResultCode(rawValue: written), message: "cannot write the attachment's blob")
            }
        }
    }

    /// Deletes staged files of `owner` that no answer names any more (a respondent removed them).
    public func discardStaged(_ ids: [String], ownerToken: String) async throws {
        guard !ids.isEmpty else { return }
        let owner = Secret.hash(ownerToken)
        try await database.pool.write { db in
            for id in ids {
                try db.execute(
                    sql: "DELETE FROM attachment WHERE public_id = ? AND submission_seq IS NULL AND owner_hash = ?",
                    arguments: [id, owner])
            }
        }
    }

    /// Deletes staged files no answer took within `lifetime`; returns how many.
    public func purgeStaged(olderThan lifetime: TimeInterval, at instant: Date) async throws -> Int {
        try await database.pool.write { db in
            try db.execute(
                sql: "DELETE FROM attachment WHERE submission_seq IS NULL AND uploaded_at_ms < ?",
                arguments: [instant.addingTimeInterval(-lifetime).milliseconds])
            return db.changesCount
        }
    }

    /// The current files of a submission, by question.
    public func currentFiles(ofSubmission id: String) async throws -> [StoredAttachment] {
        try await database.pool.read { db in
            try Row.fetchAll(
                db, sql: """
                    SELECT a.public_id, a.question, a.file_name, a.kind, a.size, a.sha256 FROM attachment a
                    JOIN submission s ON s.seq = a.submission_seq
                    WHERE s.id = ? AND a.replaced_at_ms IS NULL ORDER BY a.id
                    """, arguments: [id]
            ).map(Self.stored)
        }
    }

    static func stored(_ row: Row) -> StoredAttachment {
        StoredAttachment(
            publicID: row["public_id"], question: row["question"], fileName: row["file_name"], kind: row["kind"],
            size: row["size"], sha256: row["sha256"])
    }
}

/// Binds the files an answer set names to the submission that stores it, inside that
/// submission's storing transaction, so that the deadline decision, the idempotency key and
/// the receipt (whose answers hash covers each file's SHA-256) cover the files too.
enum AttachmentBinding {
    /// Each named file must be either staged by one of `owners` for the same survey and question,
    /// or already a current file of this submission, with the name, kind, size and hash the answer
    /// gives (``AttachmentBindingRule``). Current files the answers no longer name are marked replaced
    /// (their bytes stay, because earlier versions name them).
    static func bind(_ answers: AnswerSet, submissionID: String, owners: [Data], at instant: Date, in db: Database) throws {
        guard let submission = try Row.fetchOne(
            db, sql: "SELECT seq, survey_id FROM submission WHERE id = ?", arguments: [submissionID])
        else { throw AccessFailure.notFound }
        let seq: Int64 = submission["seq"]
        let surveyID: String = submission["survey_id"]
        let named = AttachmentBindingRule.named(in: answers)
        for (question, file) in named {
            let found = try Row.fetchOne(
                db, sql: """
                    SELECT id, public_id, survey_id, question, submission_seq, owner_hash, file_name, kind, size, sha256,
                        replaced_at_ms
                    FROM attachment WHERE public_id = ?
                    """, arguments: [file.id]
            ).map { row in
                AttachmentBindingRule.Found(
                    rowID: row["id"], surveyID: row["survey_id"], stored: SQLiteAttachmentStore.stored(row),
                    boundTo: row["submission_seq"], ownerHash: row["owner_hash"], replacedAt: row["replaced_at_ms"])
            }
            let step = try AttachmentBindingRule.step(
                for: file, question: question, found: found, surveyID: surveyID, seq: seq, owners: owners)
            guard case .bind(let rowID) = step else { continue }
            try db.execute(
                sql: "UPDATE attachment SET submission_seq = ?, owner_hash = NULL WHERE id = ?", arguments: [seq, rowID])
        }
        let current = try String.fetchAll(
            db, sql: "SELECT public_id FROM attachment WHERE submission_seq = ? AND replaced_at_ms IS NULL", arguments: [seq])
        for id in AttachmentBindingRule.replaced(current: current, named: named) {
            try db.execute(
                sql: "UPDATE attachment SET replaced_at_ms = ? WHERE public_id = ?", arguments: [instant.milliseconds, id])
        }
    }
}

extension ConsultDatabase {
    /// The database file's path (the upload spool lives beside it).
    public var filePath: String { pool.path }
}
