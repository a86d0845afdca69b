import ConsultCore
import ConsultStore
import Foundation
import HTTPTypes
import Hummingbird

/// Submissions: create one, read or replace one's own, and re-assign its sector (analysts).
struct SubmissionController {
    let consultation: Consultation

    func addRoutes(to router: Router<ConsultRequestContext>) {
        router.post("/api/v1/surveys/{survey_id}/submissions", use: create)
        router.get("/api/v1/submissions/{submission_id}", use: read)
        router.put("/api/v1/submissions/{submission_id}", use: replace)
        router.put("/api/v1/submissions/{submission_id}/sector", use: reassignSector)
    }

    @Sendable func create(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        var request = request
        let body = try await request.answersBody()
        let receivedAt = consultation.clock.now()
        let idempotency = try idempotentRequest(request, body: body.bytes)
        let answers = try await consultation.checked(body.answers, for: survey, receivedAt: receivedAt)
        let outcome = try await consultation.storing {
            try await consultation.database.submit(
                answers, to: survey, receivedAt: receivedAt, idempotency: idempotency,
                fileOwner: request.headers[.uploadToken], client: context.clientAddress?.group)
        }
        return try SubmissionResponses.created(outcome, survey: survey, answers: answers)
    }

    @Sendable func read(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let id = try pathID(context, "submission_id")
        let token = try consultation.ownerToken(request, kind: "edit")
        let submission = try await consultation.storing { try await consultation.database.submission(id: id, token: token) }
        let answers = try JSONDecoder().decode(JSONValue.self, from: Data(submission.answersJSON.utf8))
        return json(.object([
            "id": .string(submission.id),
            "survey_id": .string(submission.surveyID),
            "version": .number(Double(submission.version)),
            "received_at": .string(Instant.utcText(submission.receivedAt)),
            "updated_at": .string(Instant.utcText(submission.updatedAt)),
            "answers": answers,
            "sector": .object([
                "declared": .string(submission.declaredSector),
                "other_text": SurveyJSON.optional(submission.otherSectorText),
                "final": .string(submission.finalSector),
            ]),
            "country": SurveyJSON.optional(submission.country),
            "region": SurveyJSON.optional(submission.region),
            "publication": .string(submission.publication.rawValue),
            "level": SurveyJSON.optional(submission.level),
            "result": SurveyJSON.result(consultation.result(of: answers, surveyID: submission.surveyID)),
        ]), headers: .notStored)
    }

    @Sendable func replace(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let id = try pathID(context, "submission_id")
        let token = try consultation.ownerToken(request, kind: "edit")
        var request = request
        let body = try await request.answersBody()
        let receivedAt = consultation.clock.now()
        // The token first: a stranger learns nothing from how the answers would be judged.
        let existing = try await consultation.storing { try await consultation.database.submission(id: id, token: token) }
        let survey = try consultation.survey(existing.surveyID)
        let answers = try await consultation.checked(body.answers, for: survey, receivedAt: receivedAt)
        let outcome = try await consultation.storing {
            try await consultation.database.replaceAnswers(
                of: id, token: token, with: answers, survey: survey, receivedAt: receivedAt,
                fileOwner: request.headers[.uploadToken])
        }
        return try SubmissionResponses.updated(outcome, survey: survey, answers: answers)
    }

    @Sendable func reassignSector(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let id = try pathID(context, "submission_id")
        // Analysts only: classifying respondents is analysis; organizers run the consultation.
        let principal = try await consultation.require([.analyst], for: request)
        var request = request
        let (members, _) = try await request.jsonObject()
        if let unknown = members.keys.sorted().first(where: { !["sector", "reason"].contains($0) }) {
            throw Problem.badRequest("Unknown member \"\(unknown)\"; the body is {\"sector\": …, \"reason\": …}.")
        }
        guard let sector = members["sector"]?.text else { throw Problem.badRequest("\"sector\" must be a sector id.") }
        let reason = try requiredReason(members["reason"])
        guard let surveyID = try await consultation.storing({ try await consultation.database.surveyID(ofSubmission: id) })
        else { throw AccessFailure.notFound }
        let survey = try consultation.survey(surveyID)
        guard survey.acceptsFinalSector(SectorID(sector)) else {
            throw Problem.invalidField(
                "sector", "\"\(sector)\" is not a sector of this survey; use one of "
                    + (survey.sectors.map(\.id.rawValue) + [RespondentProfile.unclassified.rawValue]).joined(separator: ", "))
        }
        let assignment = try await consultation.storing {
            try await consultation.database.reassignSector(
                of: id, to: sector, actor: principal.actor, reason: reason, at: consultation.clock.now())
        }
        guard let assignment else { throw AccessFailure.notFound }
        return json(.object([
            "id": .string(id),
            "sector": .object([
                "declared": .string(assignment.declared), "other_text": SurveyJSON.optional(assignment.otherText),
                "final": .string(assignment.final),
            ]),
        ]))
    }

    private func idempotentRequest(_ request: Request, body: Data) throws -> IdempotentRequest? {
        guard let key = request.headers[.idempotencyKey] else { return nil }
        guard (1...200).contains(key.utf8.count) else {
            throw Problem.badRequest("The Idempotency-Key header must have 1 to 200 characters.")
        }
        return IdempotentRequest(key: key, body: body)
    }
}

/// The request's `reason` for an audited change, checked by `AuditReason`'s rule, or a 422 problem.
func requiredReason(_ value: JSONValue?) throws -> String {
    do {
        return try AuditReason(value?.text ?? "").text
    } catch {
        throw Problem.invalidField("reason", error.message)
    }
}

extension Consultation {
    /// The scored result of stored answers; nil if the survey is gone, not scored, or nothing could be computed.
    func result(of stored: JSONValue, surveyID: String) -> ScoreResult? {
        guard let survey = try? self.survey(surveyID), case .object(let raw) = stored,
            let answers = try? survey.check(raw, as: .draft)
        else { return nil }
        return survey.result(for: answers)
    }

    /// The answers checked as a submission. When they are invalid and the survey is closed
    /// anyway, the refusal for the deadline wins (and is counted), since no answer could help.
    func checked(_ raw: [String: JSONValue], for survey: Survey, receivedAt: Date) async throws -> AnswerSet {
        do {
            return try survey.check(raw, as: .submission)
        } catch {
            let refusal = try await storing { try await database.recordRefusal(for: survey, at: receivedAt) }
            if case .refused(let status, let window, let receivedAt)? = refusal {
                throw Problem.outsideWindow(status, window: window, survey: survey, receivedAt: receivedAt)
            }
            throw Problem.invalidAnswers(error.problems)
        }
    }
}

/// The responses for the store's submission outcomes.
enum SubmissionResponses {
    static func created(_ outcome: SubmissionOutcome, survey: Survey, answers: AnswerSet) throws -> Response {
        let accepted = try acceptedSubmission(outcome, survey: survey)
        var headers = HTTPFields.notStored
        headers[.location] = "/api/v1/submissions/\(accepted.id)"
        var body = members(of: accepted, files: answers.attachedFiles.map(\.file))
        body["result"] = SurveyJSON.result(survey.result(for: answers))
        body["edit_token"] = SurveyJSON.optional(accepted.editToken)
        return json(.object(body), status: .created, headers: headers)
    }

    static func updated(_ outcome: SubmissionOutcome, survey: Survey, answers: AnswerSet) throws -> Response {
        var body = members(of: try acceptedSubmission(outcome, survey: survey), files: answers.attachedFiles.map(\.file))
        body["result"] = SurveyJSON.result(survey.result(for: answers))
        return json(.object(body), headers: .notStored)
    }

    private static func acceptedSubmission(_ outcome: SubmissionOutcome, survey: Survey) throws -> AcceptedSubmission {
        switch outcome {
        case .accepted(let accepted):
            return accepted
        case .refused(let status, let window, let receivedAt):
            throw Problem.outsideWindow(status, window: window, survey: survey, receivedAt: receivedAt)
        case .idempotencyConflict:
            throw Problem(
                "idempotency-conflict", status: .conflict, title: "The idempotency key was used for another request",
                detail: "This Idempotency-Key came with a different body before; use a new key for a new submission.")
        }
    }

    private static func members(of accepted: AcceptedSubmission, files: [AttachedFile] = []) -> [String: JSONValue] {
        [
            "id": .string(accepted.id),
            "survey_id": .string(accepted.surveyID),
            "version": .number(Double(accepted.version)),
            "received_at": .string(Instant.utcText(accepted.receivedAt)),
            "receipt": receiptJSON(accepted.receipt, files: files),
        ]
    }

    /// The receipt; with `files` (position papers), the files its answers hash covers, each with its SHA-256.
    static func receiptJSON(_ receipt: Receipt, files: [AttachedFile] = []) -> JSONValue {
        var members: [String: JSONValue] = [
            "survey_id": .string(receipt.surveyID),
            "submission_id": .string(receipt.submissionID),
            "version": .number(Double(receipt.version)),
            "received_at": .string(receipt.receivedAt),
            "answers_sha256": .string(receipt.answersSHA256),
            "key_id": .string(receipt.keyID),
            "signature": .string(receipt.signature),
        ]
        if !files.isEmpty { members["files"] = .array(files.map(\.json)) }
        return .object(members)
    }
}

extension HTTPField.Name {
    /// `Idempotency-Key`: makes a retried submission return the first result.
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
}
