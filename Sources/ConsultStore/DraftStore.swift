import ConsultCore
import Foundation
import GRDB

/// A saved, not yet submitted set of answers.
public struct StoredDraft: Sendable, Hashable {
    package init(id: String, surveyID: String, answersJSON: String, createdAt: Date, updatedAt: Date, submittedAs: String?) {
        self.id = id
        self.surveyID = surveyID
        self.answersJSON = answersJSON
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.submittedAs = submittedAs
    }

    public let id: String
    public let surveyID: String
    /// The answers as last saved, in canonical JSON.
    public let answersJSON: String
    /// When the draft was started.
    public let createdAt: Date
    public let updatedAt: Date
    /// The submission made from it, once submitted.
    public let submittedAs: String?
}

/// The outcome of saving or submitting a draft.
public enum DraftFailure: Error, Sendable {
    case notFound
    case wrongToken
    case alreadySubmitted(String)
    /// A new draft would exceed a cap of ``DraftLimits``; nothing was stored. Drafts expire
    /// after `untouchedLifetime` without a change.
    case limitReached(DraftCap, untouchedLifetime: TimeInterval)
}

extension ConsultDatabase {
    /// Saves new draft answers; returns the draft id and its resume token (stored only as a hash).
    ///
    /// Refuses with ``DraftFailure/limitReached(_:untouchedLifetime:)`` when the survey, or the client address
    /// `client` (kept only as a hash, to count), already has as many open drafts as `limits` allow.
    public func createDraft(
        for survey: SurveyID, answers: AnswerSet, at instant: Date, client: String, limits: DraftLimits
    ) async throws -> (id: String, token: String) {
        let id = Secret.newID()
        let token = Secret.newToken()
        let clientHash = Secret.hash("client:" + client)
        let liveSince = instant.addingTimeInterval(-limits.untouchedLifetime).milliseconds
        try await pool.write { db in
            let ofSurvey = try Int.fetchOne(
                db,
                sql: "SELECT count(*) FROM draft WHERE survey_id = ? AND submitted_as IS NULL AND updated_at_ms >= ?",
                arguments: [survey.rawValue, liveSince]) ?? 0
            guard ofSurvey < limits.perSurvey else { throw DraftFailure.limitReached(.survey(limit: limits.perSurvey), untouchedLifetime: limits.untouchedLifetime) }
            let ofClient = try Int.fetchOne(
                db,
                sql: "SELECT count(*) FROM draft WHERE client_hash = ? AND submitted_as IS NULL AND updated_at_ms >= ?",
                arguments: [clientHash, liveSince]) ?? 0
            guard ofClient < limits.perClient else { throw DraftFailure.limitReached(.client(limit: limits.perClient), untouchedLifetime: limits.untouchedLifetime) }
            try db.execute(
                sql: """
                    INSERT INTO draft (id, survey_id, resume_token_hash, answers_json, created_at_ms, updated_at_ms, client_hash)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [id, survey.rawValue, Secret.hash(token), answers.canonicalText, instant.milliseconds,
                    instant.milliseconds, clientHash])
        }
        return (id, token)
    }

    /// Gives an open draft a new resume token, so that the old one opens nothing any more:
    /// a browser that takes over a draft through a link shuts out whoever made the link.
    public func rotateResumeToken(id: String, token: String, at instant: Date) async throws -> String {
        let fresh = Secret.newToken()
        try await pool.write { db in
            let draft = try draft(id: id, token: token, in: db)
            if let submission = draft.submittedAs { throw DraftFailure.alreadySubmitted(submission) }
            try db.execute(
                sql: "UPDATE draft SET resume_token_hash = ?, updated_at_ms = ? WHERE id = ?",
                arguments: [Secret.hash(fresh), instant.milliseconds, id])
            // Position papers: the draft's staged uploads follow its token.
            try db.execute(
                sql: "UPDATE attachment SET owner_hash = ? WHERE owner_hash = ? AND submission_seq IS NULL",
                arguments: [Secret.hash(fresh), Secret.hash(token)])
        }
        return fresh
    }

    /// The draft `id` if `token` is its resume token.
    public func draft(id: String, token: String) async throws -> StoredDraft {
        try await pool.read { db in try draft(id: id, token: token, in: db) }
    }

    func draft(id: String, token: String, in db: Database) throws -> StoredDraft {
        // Cached, as the update below: every page of the web form reads the draft.
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM draft WHERE id = ?"), arguments: [id]) else {
            throw DraftFailure.notFound
        }
        guard Secret.constantTimeEqual(row["resume_token_hash"], Secret.hash(token)) else { throw DraftFailure.wrongToken }
        return StoredDraft(
            id: row["id"], surveyID: row["survey_id"], answersJSON: row["answers_json"],
            createdAt: Date(milliseconds: row["created_at_ms"]), updatedAt: Date(milliseconds: row["updated_at_ms"]),
            submittedAs: row["submitted_as"])
    }

    /// Replaces a draft's answers.
    public func updateDraft(id: String, token: String, answers: AnswerSet, at instant: Date) async throws -> StoredDraft {
        try await pool.write { db in
            let draft = try draft(id: id, token: token, in: db)
            if let submission = draft.submittedAs { throw DraftFailure.alreadySubmitted(submission) }
            let canonical = answers.canonicalText
            try db.cachedStatement(sql: "UPDATE draft SET answers_json = ?, updated_at_ms = ? WHERE id = ?")
                .execute(arguments: [canonical, instant.milliseconds, id])
            return StoredDraft(
                id: id, surveyID: draft.surveyID, answersJSON: canonical, createdAt: draft.createdAt,
                updatedAt: instant.truncatedToMilliseconds, submittedAs: nil)
        }
    }

    /// Submits a draft's checked answers under the same deadline rule as any submission,
    /// and marks the draft as submitted in the same transaction. The draft keeps no answers
    /// after that: its resume token reads nothing.
    ///
    /// With `replacing`, the answers become a new version of that submission (checked
    /// against its edit token) instead of a new submission: the web form edits this way.
    /// The submission then gets a new edit token (returned as the accepted `editToken`), so
    /// whoever else knew the old edit link cannot read the answers just given.
    public func submitDraft(
        id: String, token: String, answers: AnswerSet, survey: Survey, receivedAt: Date,
        replacing edited: (id: String, token: String)? = nil, fileOwner: String? = nil, client: String? = nil
    ) async throws -> SubmissionOutcome {
        let receivedAt = receivedAt.truncatedToMilliseconds
        let clientKey = client.map { clientKeys.key($0, survey: survey.id.rawValue) }
        let book = try await codeBook(covering: survey)
        let languages = textLanguages(of: answers, survey: survey)
        return try await pool.write { db in
            let draft = try draft(id: id, token: token, in: db)
            if let submission = draft.submittedAs { throw DraftFailure.alreadySubmitted(submission) }
            let outcome: SubmissionOutcome
            if let edited {
                outcome = try replaceAnswers(
                    of: edited.id, token: edited.token, with: answers, survey: survey, receivedAt: receivedAt, book: book,
                    languages: languages, in: db)
            } else if let refusal = try refusal(for: survey, at: receivedAt, in: db) {
                outcome = refusal
            } else {
                let accepted = try insertSubmission(
                    answers, of: survey, receivedAt: receivedAt, book: book, languages: languages, in: db)
                if let clientKey { try SQLiteCampaignSignalStore.record(clientKey, ofSubmission: accepted.id, in: db) }
                outcome = .accepted(accepted)
            }
            guard case .accepted(let accepted) = outcome else { return outcome }
            // Position papers: files staged under the draft's token (or an upload token) join the submission.
            if survey.hasFileQuestions {
                try AttachmentBinding.bind(
                    answers, submissionID: accepted.id, owners: [Secret.hash(token)] + (fileOwner.map { [Secret.hash($0)] } ?? []),
                    at: receivedAt, in: db)
            }
            try db.execute(
                sql: "UPDATE draft SET submitted_as = ?, answers_json = '{}', updated_at_ms = ? WHERE id = ?",
                arguments: [accepted.id, receivedAt.milliseconds, id])
            guard edited != nil else { return outcome }
            let editToken = Secret.newToken()
            try db.execute(
                sql: "UPDATE submission SET edit_token_hash = ? WHERE id = ?", arguments: [Secret.hash(editToken), accepted.id])
            return .accepted(AcceptedSubmission(
                id: accepted.id, surveyID: accepted.surveyID, version: accepted.version, receivedAt: accepted.receivedAt,
                editToken: editToken, receipt: accepted.receipt))
        }
    }
}
