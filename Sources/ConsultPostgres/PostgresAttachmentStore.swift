import ConsultCore
import ConsultStore
import Crypto
import Foundation
import PostgresNIO

/// Position papers on PostgreSQL: uploaded files written as staged rows (their bytes re-hashed as they are
/// read from the spool), discarded, purged, and listed per submission. Binding staged rows to a submission
/// happens in the submission's own storing transaction (``PostgresStore/bindFiles(_:of:submissionID:owners:at:on:)``).
public struct PostgresAttachmentStore: AttachmentStore {
    let store: PostgresStore

    public func stage(
        _ upload: CheckedUpload, limit: Int, at instant: Date, bytes: @escaping @Sendable (Int, Int) throws -> Data
    ) async throws -> (file: AttachedFile, isNew: Bool) {
        let publicID = "f" + Secret.newID()
        let owner = Secret.hash(upload.ownerToken)
        // The whole file is read before the transaction (at most FileRule.largestMegabytes): a bytea is written whole.
        var content = Data(capacity: upload.size)
        try UploadCopy.copy(size: upload.size, expecting: upload.sha256, from: bytes) { piece, _ in content.append(piece) }
        let lock = Self.stagingLock(owner: owner, survey: upload.surveyID, question: upload.question)
        let logger = store.logger
        let earlier: AttachedFile? = try await store.transaction { connection in
            // One owner's uploads to one question are staged one at a time on every node, so the count holds.
            try await connection.run("SELECT pg_advisory_xact_lock(\(lock))", logger: logger)
            // The same bytes sent again by the same owner to the same question (a retry): the file already staged.
            if let row = try await connection.first(
                """
                SELECT public_id, question, file_name, kind, size, sha256 FROM attachment
                WHERE submission_seq IS NULL AND owner_hash = \(owner) AND survey_id = \(upload.surveyID)
                    AND question = \(upload.question) AND sha256 = \(upload.sha256)
                """, as: (String, String, String, String, Int, Data).self, logger: logger)
            {
                return StoredAttachment(
                    publicID: row.0, question: row.1, fileName: row.2, kind: row.3, size: row.4, sha256: row.5
                ).file
            }
            let staged = try await connection.first(
                """
                SELECT count(*) FROM attachment
                WHERE submission_seq IS NULL AND owner_hash = \(owner) AND survey_id = \(upload.surveyID)
                    AND question = \(upload.question)
                """, as: Int.self, logger: logger) ?? 0
            guard staged < limit else { throw AttachmentRefusal.tooManyStaged(question: upload.question, limit: limit) }
            try await connection.run(
                """
                INSERT INTO attachment (public_id, survey_id, question, owner_hash, file_name, kind, size, sha256,
                    uploaded_at_ms, content)
                VALUES (\(publicID), \(upload.surveyID), \(upload.question), \(owner), \(upload.fileName),
                    \(upload.kind.rawValue), \(upload.size), \(upload.sha256), \(instant.milliseconds), \(content))
                """, logger: logger)
            return nil
        }
        if let earlier { return (earlier, false) }
        return (AttachedFile(
            id: publicID, name: upload.fileName, kind: upload.kind, size: upload.size, sha256: Secret.hex(upload.sha256)), true)
    }

    /// The advisory lock key of one owner's staged files for one question.
    static func stagingLock(owner: Data, survey: String, question: String) -> Int64 {
        var hasher = SHA256()
        hasher.update(data: Data("consult.attachment.staging".utf8) + owner)
        hasher.update(data: Data(survey.utf8) + Data([0]) + Data(question.utf8))
        return Data(hasher.finalize()).prefix(8).reduce(Int64(0)) { ($0 << 8) | Int64($1) }
    }

    public func discardStaged(_ ids: [String], ownerToken: String) async throws {
        guard !ids.isEmpty else { return }
        let owner = Secret.hash(ownerToken)
        try await store.transaction { connection in
            try await connection.run(
                "DELETE FROM attachment WHERE public_id = ANY(\(ids)) AND submission_seq IS NULL AND owner_hash = \(owner)",
                logger: store.logger)
        }
    }

    public func purgeStaged(olderThan lifetime: TimeInterval, at instant: Date) async throws -> Int {
        try await store.transaction { connection in
            try await connection.first(
                """
                WITH gone AS (
                    DELETE FROM attachment
                    WHERE submission_seq IS NULL AND uploaded_at_ms < \(instant.addingTimeInterval(-lifetime).milliseconds)
                    RETURNING 1)
                SELECT count(*) FROM gone
                """, as: Int.self, logger: store.logger) ?? 0
        }
    }

    public func currentFiles(ofSubmission id: String) async throws -> [StoredAttachment] {
        try await store.reading { connection in
            try await connection.all(
                """
                SELECT a.public_id, a.question, a.file_name, a.kind, a.size, a.sha256 FROM attachment a
                JOIN submission s ON s.seq = a.submission_seq
                WHERE s.id = \(id) AND a.replaced_at_ms IS NULL ORDER BY a.id
                """, as: (String, String, String, String, Int, Data).self, logger: store.logger
            ).map { StoredAttachment(publicID: $0.0, question: $0.1, fileName: $0.2, kind: $0.3, size: $0.4, sha256: $0.5) }
        }
    }
}

extension PostgresStore {
    /// Binds the files `answers` names to submission `submissionID` inside its storing transaction, with the
    /// checks of ``AttachmentBindingRule`` (files staged by one of the `owners` tokens, or already current), and
    /// marks current files the answers no longer name as replaced. Nothing for a survey without file questions.
    func bindFiles(
        _ answers: AnswerSet, of survey: Survey, submissionID: String, owners: [String?], at instant: Date,
        on connection: PostgresConnection
    ) async throws {
        guard survey.hasFileQuestions else { return }
        let owners = owners.compactMap { $0.map(Secret.hash) }
        guard let (seq, surveyID) = try await connection.first(
            "SELECT seq, survey_id FROM submission WHERE id = \(submissionID)", as: (Int64, String).self, logger: logger)
        else { throw AccessFailure.notFound }
        let named = AttachmentBindingRule.named(in: answers)
        for (question, file) in named {
            // Locked: a second submission naming the same staged file waits, then finds it taken.
            let found = try await connection.first(
                """
                SELECT id, survey_id, public_id, question, file_name, kind, size, sha256, submission_seq, owner_hash, replaced_at_ms
                FROM attachment WHERE public_id = \(file.id) FOR UPDATE
                """, as: (Int64, String, String, String, String, String, Int, Data, Int64?, Data?, Int64?).self, logger: logger
            ).map { row in
                AttachmentBindingRule.Found(
                    rowID: row.0, surveyID: row.1,
                    stored: StoredAttachment(publicID: row.2, question: row.3, fileName: row.4, kind: row.5, size: row.6, sha256: row.7),
                    boundTo: row.8, ownerHash: row.9, replacedAt: row.10)
            }
            let step = try AttachmentBindingRule.step(
                for: file, question: question, found: found, surveyID: surveyID, seq: seq, owners: owners)
            guard case .bind(let rowID) = step else { continue }
            try await connection.run(
                "UPDATE attachment SET submission_seq = \(seq), owner_hash = NULL WHERE id = \(rowID)", logger: logger)
        }
        let current = try await connection.all(
            "SELECT public_id FROM attachment WHERE submission_seq = \(seq) AND replaced_at_ms IS NULL ORDER BY id",
            as: String.self, logger: logger)
        let replaced = AttachmentBindingRule.replaced(current: current, named: named)
        guard !replaced.isEmpty else { return }
        try await connection.run(
            "UPDATE attachment SET replaced_at_ms = \(instant.milliseconds) WHERE public_id = ANY(\(replaced))", logger: logger)
    }
}
