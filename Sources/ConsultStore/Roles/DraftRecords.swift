import ConsultCore
import Foundation

/// Drafts respondents save and resume, their caps, expiry and submission.
public protocol DraftRecords: Sendable {
    /// A new draft of `survey` for `client` (an address group), within `limits`.
    func createDraft(
        for survey: SurveyID, answers: AnswerSet, at instant: Date, client: String, limits: DraftLimits
    ) async throws -> (id: String, token: String)
    /// A new resume token for the draft; the old one stops working.
    func rotateResumeToken(id: String, token: String, at instant: Date) async throws -> String
    /// The draft `id` if `token` is its resume token.
    func draft(id: String, token: String) async throws -> StoredDraft
    /// Saves `answers` into the draft.
    func updateDraft(id: String, token: String, answers: AnswerSet, at instant: Date) async throws -> StoredDraft
    /// Submits the draft (or, with `replacing`, stores it as the next version of that submission),
    /// the deadline decided as in ``SubmissionRecords/submit(_:to:receivedAt:idempotency:fileOwner:client:)``.
    func submitDraft(
        id: String, token: String, answers: AnswerSet, survey: Survey, receivedAt: Date,
        replacing edited: (id: String, token: String)?, fileOwner: String?, client: String?
    ) async throws -> SubmissionOutcome
    /// Deletes the drafts `limits` says have expired at `now`; returns how many.
    func purgeExpiredDrafts(of surveys: [Survey], at now: Date, limits: DraftLimits) async throws -> Int
    /// How many drafts are stored, submitted or not.
    func storedDraftCount() async throws -> Int
    /// How many drafts of the survey were started and not submitted.
    func openDraftCount(survey: SurveyID) async throws -> Int
}
