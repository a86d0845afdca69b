import ConsultCore
import ConsultStore
import Foundation
import Hummingbird

/// Drafts: partial answers saved while a survey is open, resumed with a secret token, then submitted.
struct DraftController {
    let consultation: Consultation

    func addRoutes(to router: Router<ConsultRequestContext>) {
        router.post("/api/v1/surveys/{survey_id}/drafts", use: create)
        router.get("/api/v1/drafts/{draft_id}", use: read)
        router.put("/api/v1/drafts/{draft_id}", use: update)
        router.post("/api/v1/drafts/{draft_id}/submit", use: submit)
    }

    @Sendable func create(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        var request = request
        let body = try await request.answersBody(allowEmpty: true)
        let now = consultation.clock.now()
        try await requireOpen(survey, at: now)
        let answers = try checkedDraft(body.answers, for: survey)
        let (id, token) = try await consultation.newDraft(
            for: survey, answers: answers, at: now, client: clientAddress(of: context))
        return json(.object([
            "id": .string(id), "survey_id": .string(survey.id.rawValue), "resume_token": .string(token),
            "updated_at": .string(Instant.utcText(now.truncatedToMilliseconds)),
        ]), status: .created, headers: [.location: "/api/v1/drafts/\(id)", .cacheControl: "no-store"])
    }

    @Sendable func read(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let id = try pathID(context, "draft_id")
        let token = try consultation.ownerToken(request, kind: "resume")
        let draft = try await consultation.storing { try await consultation.database.draft(id: id, token: token) }
        if draft.submittedAs != nil { throw Problem.draftSubmitted }
        return json(.object([
            "id": .string(draft.id), "survey_id": .string(draft.surveyID),
            "answers": try JSONDecoder().decode(JSONValue.self, from: Data(draft.answersJSON.utf8)),
            "updated_at": .string(Instant.utcText(draft.updatedAt)),
            "submitted_as": SurveyJSON.optional(draft.submittedAs),
        ]), headers: .notStored)
    }

    @Sendable func update(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let id = try pathID(context, "draft_id")
        let token = try consultation.ownerToken(request, kind: "resume")
        var request = request
        let body = try await request.answersBody()
        let now = consultation.clock.now()
        let existing = try await consultation.storing { try await consultation.database.draft(id: id, token: token) }
        let survey = try consultation.survey(existing.surveyID)
        try await requireOpen(survey, at: now)
        let answers = try checkedDraft(body.answers, for: survey)
        let draft = try await consultation.storing {
            try await consultation.database.updateDraft(id: id, token: token, answers: answers, at: now)
        }
        return json(.object([
            "id": .string(draft.id), "survey_id": .string(draft.surveyID),
            "updated_at": .string(Instant.utcText(draft.updatedAt)),
        ]))
    }

    @Sendable func submit(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let id = try pathID(context, "draft_id")
        let token = try consultation.ownerToken(request, kind: "resume")
        let receivedAt = consultation.clock.now()
        let draft = try await consultation.storing { try await consultation.database.draft(id: id, token: token) }
        if let submission = draft.submittedAs { throw DraftFailure.alreadySubmitted(submission) }
        let survey = try consultation.survey(draft.surveyID)
        guard case .object(let saved) = try JSONDecoder().decode(JSONValue.self, from: Data(draft.answersJSON.utf8)) else {
            throw Problem.badRequest("The draft's saved answers cannot be read.")
        }
        // Answers to questions that later answers hid are dropped, as the form would no longer show them.
        let visible = survey.droppingHiddenAnswers(try checkedDraft(saved, for: survey))
        guard case .object(let raw) = visible.json else { throw Problem.badRequest("The draft cannot be read.") }
        let answers = try await consultation.checked(raw, for: survey, receivedAt: receivedAt)
        let outcome = try await consultation.storing {
            try await consultation.database.submitDraft(
                id: id, token: token, answers: answers, survey: survey, receivedAt: receivedAt, replacing: nil,
                fileOwner: request.headers[.uploadToken], client: context.clientAddress?.group)
        }
        return try SubmissionResponses.created(outcome, survey: survey, answers: answers)
    }

    /// Drafts are saved only while the survey is open.
    private func requireOpen(_ survey: Survey, at now: Date) async throws {
        let window = try await consultation.storing { try await consultation.database.window(of: survey) }
        let status = window.status(at: now.truncatedToMilliseconds)
        guard status == .open else {
            throw Problem.outsideWindow(
                status, window: window, survey: survey, receivedAt: now.truncatedToMilliseconds,
                consequence: "The draft was not saved.")
        }
    }

    private func checkedDraft(_ raw: [String: JSONValue], for survey: Survey) throws -> AnswerSet {
        do {
            return try survey.check(raw, as: .draft)
        } catch {
            throw Problem.invalidAnswers(error.problems)
        }
    }
}

extension Consultation {
    /// Stores a new draft of `survey` started from `client`, within the caps on open drafts
    /// (``draftLimits``): beyond them a `429` problem, and nothing is stored.
    func newDraft(for survey: Survey, answers: AnswerSet, at now: Date, client: String) async throws
        -> (id: String, token: String)
    {
        try await storing {
            try await database.createDraft(for: survey.id, answers: answers, at: now, client: client, limits: draftLimits)
        }
    }
}

extension Problem {
    /// A draft that was submitted: its resume token reads nothing any more.
    static let draftSubmitted = Problem(
        "draft-submitted", status: .gone, title: "This draft was submitted",
        detail: "A submitted draft keeps no answers. Read or change the submission with its edit token instead.")
}
