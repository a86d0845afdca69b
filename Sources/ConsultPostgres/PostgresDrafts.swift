import ConsultCore
import ConsultStore
import Foundation
import PostgresNIO

extension PostgresStore: DraftRecords {
    public func createDraft(
        for survey: SurveyID, answers: AnswerSet, at instant: Date, client: String, limits: DraftLimits
    ) async throws -> (id: String, token: String) {
        let (id, token) = (Secret.newID(), Secret.newToken())
        let clientHash = Secret.hash("client:" + client)
        let liveSince = instant.addingTimeInterval(-limits.untouchedLifetime).milliseconds
        try await transaction { connection in
            // The caps hold across nodes: new drafts are counted one transaction at a time.
            try await connection.run("SELECT pg_advisory_xact_lock(hashtextextended('consult:new-draft', 0))", logger: logger)
            let ofSurvey = try await connection.first(
                """
                SELECT count(*) FROM draft
                WHERE survey_id = \(survey.rawValue) AND submitted_as IS NULL AND updated_at_ms >= \(liveSince)
                """, as: Int.self, logger: logger) ?? 0
            guard ofSurvey < limits.perSurvey else {
                throw DraftFailure.limitReached(.survey(limit: limits.perSurvey), untouchedLifetime: limits.untouchedLifetime)
            }
            let ofClient = try await connection.first(
                """
                SELECT count(*) FROM draft WHERE client_hash = \(clientHash) AND submitted_as IS NULL AND updated_at_ms >= \(liveSince)
                """, as: Int.self, logger: logger) ?? 0
            guard ofClient < limits.perClient else {
                throw DraftFailure.limitReached(.client(limit: limits.perClient), untouchedLifetime: limits.untouchedLifetime)
            }
            try await connection.run(
                """
                INSERT INTO draft (id, survey_id, resume_token_hash, answers_json, created_at_ms, updated_at_ms, client_hash)
                VALUES (\(id), \(survey.rawValue), \(Secret.hash(token)), \(answers.canonicalText), \(instant.milliseconds),
                    \(instant.milliseconds), \(clientHash))
                """, logger: logger)
        }
        return (id, token)
    }

    public func rotateResumeToken(id: String, token: String, at instant: Date) async throws -> String {
        let fresh = Secret.newToken()
        try await transaction { connection in
            let draft = try await draft(id: id, token: token, locking: true, on: connection)
            if let submission = draft.submittedAs { throw DraftFailure.alreadySubmitted(submission) }
            try await connection.run(
                "UPDATE draft SET resume_token_hash = \(Secret.hash(fresh)), updated_at_ms = \(instant.milliseconds) WHERE id = \(id)",
                logger: logger)
        }
        return fresh
    }

    public func draft(id: String, token: String) async throws -> StoredDraft {
        try await reading { connection in try await draft(id: id, token: token, locking: false, on: connection) }
    }

    /// The draft `id` if `token` is its resume token; `locking` holds its row to the end of the transaction.
    func draft(id: String, token: String, locking: Bool, on connection: PostgresConnection) async throws -> StoredDraft {
        guard let row = try await connection.first(
            """
            SELECT resume_token_hash, survey_id, answers_json, created_at_ms, updated_at_ms, submitted_as FROM draft
            WHERE id = \(id) \(unescaped: locking ? "FOR UPDATE" : "")
            """, as: (Data, String, String, Int64, Int64, String?).self, logger: logger)
        else { throw DraftFailure.notFound }
        guard Secret.constantTimeEqual(row.0, Secret.hash(token)) else { throw DraftFailure.wrongToken }
        return StoredDraft(
            id: id, surveyID: row.1, answersJSON: row.2, createdAt: Date(milliseconds: row.3),
            updatedAt: Date(milliseconds: row.4), submittedAs: row.5)
    }

    public func updateDraft(id: String, token: String, answers: AnswerSet, at instant: Date) async throws -> StoredDraft {
        try await transaction { connection in
            let draft = try await draft(id: id, token: token, locking: true, on: connection)
            if let submission = draft.submittedAs { throw DraftFailure.alreadySubmitted(submission) }
            let canonical = answers.canonicalText
            try await connection.run(
                "UPDATE draft SET answers_json = \(canonical), updated_at_ms = \(instant.milliseconds) WHERE id = \(id)",
                logger: logger)
            return StoredDraft(
                id: id, surveyID: draft.surveyID, answersJSON: canonical, createdAt: draft.createdAt,
                updatedAt: instant.truncatedToMilliseconds, submittedAs: nil)
        }
    }

    public func submitDraft(
        id: String, token: String, answers: AnswerSet, survey: Survey, receivedAt: Date,
        replacing edited: (id: String, token: String)?, fileOwner: String?, client: String?
    ) async throws -> SubmissionOutcome {
        try await registerCodes(of: [survey])
        let receivedAt = receivedAt.truncatedToMilliseconds
        let clientKey = client.map { clientKeys.key($0, survey: survey.id.rawValue) }
        let content = VersionContent(answers, of: survey)
        let newID = Secret.newID()
        let (newToken, editToken) = (Secret.newToken(), Secret.newToken())
        return try await transaction { connection in
            let draft = try await draft(id: id, token: token, locking: true, on: connection)
            if let submission = draft.submittedAs { throw DraftFailure.alreadySubmitted(submission) }
            let outcome: SubmissionOutcome
            if let edited {
                outcome = try await replaceAnswers(
                    of: edited.id, token: edited.token, with: content, survey: survey, receivedAt: receivedAt, on: connection)
            } else if let refusal = try await refusal(for: survey, at: receivedAt, on: connection) {
                outcome = refusal
            } else {
                try await insert(
                    content, id: newID, token: newToken, survey: survey, receivedAt: receivedAt, clientKey: clientKey, on: connection)
                outcome = .accepted(AcceptedSubmission(
                    id: newID, surveyID: survey.id.rawValue, version: 1, receivedAt: receivedAt, editToken: newToken,
                    receipt: try receipts.receipt(
                        surveyID: survey.id.rawValue, submissionID: newID, version: 1, receivedAt: receivedAt,
                        answersSHA256: content.answersSHA256)))
            }
            guard case .accepted(let accepted) = outcome else { return outcome }
            // Files staged under the draft's token (or an upload token) join the submission.
            try await bindFiles(answers, of: survey, submissionID: accepted.id, owners: [token, fileOwner], at: receivedAt, on: connection)
            try await connection.run(
                """
                UPDATE draft SET submitted_as = \(accepted.id), answers_json = '{}', updated_at_ms = \(receivedAt.milliseconds)
                WHERE id = \(id)
                """, logger: logger)
            guard edited != nil else { return outcome }
            // The web form's edit: a new edit token, so whoever else knew the old link cannot read the new answers.
            try await connection.run(
                "UPDATE submission SET edit_token_hash = \(Secret.hash(editToken)) WHERE id = \(accepted.id)", logger: logger)
            return .accepted(AcceptedSubmission(
                id: accepted.id, surveyID: accepted.surveyID, version: accepted.version, receivedAt: accepted.receivedAt,
                editToken: editToken, receipt: accepted.receipt))
        }
    }

    public func purgeExpiredDrafts(of surveys: [Survey], at now: Date, limits: DraftLimits) async throws -> Int {
        try await transaction { connection in
            var purged = try await connection.first(
                """
                WITH gone AS (DELETE FROM draft WHERE updated_at_ms < \(now.addingTimeInterval(-limits.untouchedLifetime).milliseconds)
                    RETURNING 1)
                SELECT count(*) FROM gone
                """, as: Int.self, logger: logger) ?? 0
            for survey in surveys {
                let moved = try await connection.first(
                    "SELECT closes_at_ms FROM survey_state WHERE survey_id = \(survey.id.rawValue)", as: Int64?.self, logger: logger)
                let closesAt = survey.window(movedTo: moved ?? nil).closesAt
                guard closesAt.addingTimeInterval(limits.afterDeadline) <= now else { continue }
                purged += try await connection.first(
                    "WITH gone AS (DELETE FROM draft WHERE survey_id = \(survey.id.rawValue) RETURNING 1) SELECT count(*) FROM gone",
                    as: Int.self, logger: logger) ?? 0
            }
            return purged
        }
    }

    public func storedDraftCount() async throws -> Int {
        try await reading { connection in try await connection.first("SELECT count(*) FROM draft", as: Int.self, logger: logger) ?? 0 }
    }

    public func openDraftCount(survey: SurveyID) async throws -> Int {
        try await reading { connection in
            try await connection.first(
                "SELECT count(*) FROM draft WHERE survey_id = \(survey.rawValue) AND submitted_as IS NULL", as: Int.self,
                logger: logger) ?? 0
        }
    }
}
