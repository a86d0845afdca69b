import ConsultCore
import Foundation
import GRDB

/// A saved, not yet submitted set of answers.
public struct StoredDraft: Sendable, Hashable {
    public let id: String
    public let surveyID: String
    /// The answers as last saved, in canonical JSON.
    public let answersJSON: String
    public let updatedAt: Date
    /// The submission made from it, once submitted.
    public let submittedAs: String?
}

/// The outcome of saving or submitting a draft.
public enum DraftFailure: Error, Sendable {
    case notFound
    case wrongToken
    case alreadySubmitted(String)
}

extension ConsultDatabase {
    /// Saves new draft answers; returns the draft id and its resume token (stored only as a hash).
    public func createDraft(for survey: SurveyID, answers: AnswerSet, at instant: Date) async throws -> (id: String, token: String) {
        let id = Secret.newID()
        let token = Secret.newToken()
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO draft (id, survey_id, resume_token_hash, answers_json, created_at_ms, updated_at_ms)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [id, survey.rawValue, Secret.hash(token), answers.canonicalText, instant.milliseconds,
                    instant.milliseconds])
        }
        return (id, token)
    }

    /// The draft `id` if `token` is its resume token.
    public func draft(id: String, token: String) async throws -> StoredDraft {
        try await pool.read { db in try draft(id: id, token: token, in: db) }
    }

    func draft(id: String, token: String, in db: Database) throws -> StoredDraft {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM draft WHERE id = ?", arguments: [id]) else {
            throw DraftFailure.notFound
        }
        guard Secret.constantTimeEqual(row["resume_token_hash"], Secret.hash(token)) else { throw DraftFailure.wrongToken }
        return StoredDraft(
            id: row["id"], surveyID: row["survey_id"], answersJSON: row["answers_json"],
            updatedAt: Date(milliseconds: row["updated_at_ms"]), submittedAs: row["submitted_as"])
    }

    /// Replaces a draft's answers.
    public func updateDraft(id: String, token: String, answers: AnswerSet, at instant: Date) async throws -> StoredDraft {
        try await pool.write { db in
            let draft = try draft(id: id, token: token, in: db)
            if let submission = draft.submittedAs { throw DraftFailure.alreadySubmitted(submission) }
            try db.execute(
                sql: "UPDATE draft SET answers_json = ?, updated_at_ms = ? WHERE id = ?",
                arguments: [answers.canonicalText, instant.milliseconds, id])
            return StoredDraft(
                id: id, surveyID: draft.surveyID, answersJSON: answers.canonicalText,
                updatedAt: instant.truncatedToMilliseconds, submittedAs: nil)
        }
    }

    /// Submits a draft's checked answers under the same deadline rule as any submission,
    /// and marks the draft as submitted in the same transaction.
    ///
    /// With `replacing`, the answers become a new version of that submission (checked
    /// against its edit token) instead of a new submission: the web form edits this way.
    public func submitDraft(
        id: String, token: String, answers: AnswerSet, survey: Survey, receivedAt: Date,
        replacing edited: (id: String, token: String)? = nil
    ) async throws -> SubmissionOutcome {
        let receivedAt = receivedAt.truncatedToMilliseconds
        let book = try await codeBook(covering: survey)
        return try await pool.write { db in
            let draft = try draft(id: id, token: token, in: db)
            if let submission = draft.submittedAs { throw DraftFailure.alreadySubmitted(submission) }
            let outcome: SubmissionOutcome
            if let edited {
                outcome = try replaceAnswers(
                    of: edited.id, token: edited.token, with: answers, survey: survey, receivedAt: receivedAt, book: book,
                    in: db)
            } else if let refusal = try refusal(for: survey, at: receivedAt, in: db) {
                outcome = refusal
            } else {
                outcome = .accepted(try insertSubmission(answers, of: survey, receivedAt: receivedAt, book: book, in: db))
            }
            if case .accepted(let accepted) = outcome {
                try db.execute(sql: "UPDATE draft SET submitted_as = ? WHERE id = ?", arguments: [accepted.id, id])
            }
            return outcome
        }
    }
}
