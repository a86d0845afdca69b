import ConsultCore
import Foundation

/// Submissions: storing them with the deadline decided inside the storing transaction, their
/// owners' reads and edits, receipts, the organizer's sector reassignment and the refused attempts.
/// One implementation per engine (SQLite: ``ConsultDatabase``); the contract tests run on each.
public protocol SubmissionRecords: Sendable {
    /// Stores `answers` as a new submission if the survey is open at `receivedAt` (judged against
    /// the deadline in force inside the storing transaction), durably before it returns.
    func submit(
        _ answers: AnswerSet, to survey: Survey, receivedAt: Date, idempotency: IdempotentRequest?,
        fileOwner: String?, client: String?
    ) async throws -> SubmissionOutcome
    /// The submission `id` if `token` is its edit token.
    func submission(id: String, token: String) async throws -> StoredSubmission
    /// The survey of submission `id`, or nil when there is none.
    func surveyID(ofSubmission id: String) async throws -> String?
    /// Stores `answers` as the next version of submission `id` while the survey is open.
    func replaceAnswers(
        of id: String, token: String, with answers: AnswerSet, survey: Survey, receivedAt: Date, fileOwner: String?
    ) async throws -> SubmissionOutcome
    /// The signed receipt of the submission's latest version.
    func receipt(ofSubmission id: String, token: String) async throws -> Receipt
    /// Moves a submission to another final sector (audited); nil when there is no such submission.
    func reassignSector(
        of id: String, to sector: String, actor: String, reason: String, at instant: Date
    ) async throws -> SectorAssignment?
    /// How many submissions the survey holds.
    func submissionCount(survey: SurveyID) async throws -> Int
    /// Refused attempts by reason (`not-yet-open`, `deadline-passed`).
    func refusedAttempts(survey: SurveyID) async throws -> [String: Int]
    /// Counts an attempt refused before its answers were read, if the survey is not open at
    /// `receivedAt`; nil when it is open.
    func recordRefusal(for survey: Survey, at receivedAt: Date) async throws -> SubmissionOutcome?
    /// Stores generated submissions in one transaction, without the deadline check (`consult generate`).
    func importSynthetic(_ batch: [(answers: AnswerSet, receivedAt: Date)], to survey: Survey) async throws
    /// Makes sure every question, option and item of `surveys` has its answer code.
    func registerAnswerCodes(of surveys: [Survey]) async throws
}

extension SubmissionRecords where Self: ServiceKeys {
    /// The receipt of the submission's latest version, signed again from what is stored: the same on every engine.
    public func receipt(ofSubmission id: String, token: String) async throws -> Receipt {
        let submission = try await submission(id: id, token: token)
        return try receipts.receipt(
            surveyID: submission.surveyID, submissionID: submission.id, version: submission.version,
            receivedAt: submission.updatedAt, answersSHA256: Receipt.answersHash(submission.answersJSON))
    }
}
