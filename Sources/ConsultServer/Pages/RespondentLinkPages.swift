import ConsultCore
import ConsultStore
import Foundation
import Hummingbird

/// The private resume and edit links. Opening one shows a confirmation and writes nothing;
/// only its form, posted from this site (which a link planted on another site cannot do),
/// binds the browser to the response, under a fresh secret.
extension RespondentPages {
    /// A resume link opens a confirmation, not the draft: only a form posted from this site
    /// (which a link on another site cannot do) binds the browser to the draft.
    @Sendable func resume(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        let id = try pathID(context, "draft_id")
        let visit = try await PageVisit(request, consultation: consultation)
        let token = request.uri.queryParameters.get("token") ?? ""
        let draft = try await linkedDraft(id, token: token, of: survey)
        let window = try await requireOpen(
            survey, at: consultation.clock.now(), consequence: "The response can no longer be changed.")
        var view = continueView(survey, window: window, first: draft.createdAt, last: draft.updatedAt)
        view["title"] = "Continue your response? – \(survey.title)"
        view["action"] = "/s/\(survey.id)/resume/\(id)"
        view["token"] = token
        return visit.page(renderer, "continue", view)
    }

    /// Binds this browser to the draft under a new resume token: the link's token opens nothing any more.
    @Sendable func takeOverDraft(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        let id = try pathID(context, "draft_id")
        var visit = try await PageVisit(request, consultation: consultation)
        var request = request
        let form = try await request.formFields()
        try visit.checkFormToken(form)
        let now = consultation.clock.now()
        let window = try await requireOpen(survey, at: now, consequence: "The response can no longer be changed.")
        let token = form["token"] ?? ""
        _ = try await linkedDraft(id, token: token, of: survey)
        let fresh = try await consultation.storing {
            try await consultation.database.rotateResumeToken(id: id, token: token, at: now)
        }
        visit.cookies.append(draftCookie(ResponseCookies.Draft(id: id, token: fresh), of: survey, window: window, now: now))
        return visit.redirect(to: "/s/\(survey.id)/page/1")
    }

    /// An edit link opens a confirmation; nothing is written until it is posted.
    @Sendable func edit(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        let id = try pathID(context, "submission_id")
        let visit = try await PageVisit(request, consultation: consultation)
        let token = request.uri.queryParameters.get("token") ?? ""
        let submission = try await linkedSubmission(id, token: token, of: survey)
        let window = try await requireOpen(
            survey, at: consultation.clock.now(),
            consequence: "Your submission can no longer be changed; it is kept as it was.")
        var view = continueView(survey, window: window, first: submission.receivedAt, last: submission.updatedAt)
        view["title"] = "Change your submitted response? – \(survey.title)"
        view["isEdit"] = true
        view["version"] = submission.version
        view["action"] = "/s/\(survey.id)/edit/\(id)"
        view["token"] = token
        return visit.page(renderer, "continue", view)
    }

    /// Starts a draft holding the submission's answers, under a new resume token that only this
    /// browser's cookie knows; submitting it replaces the submission (and changes its edit token).
    @Sendable func startEditing(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        let id = try pathID(context, "submission_id")
        var visit = try await PageVisit(request, consultation: consultation)
        var request = request
        let form = try await request.formFields()
        try visit.checkFormToken(form)
        let now = consultation.clock.now()
        let token = form["token"] ?? ""
        let submission = try await linkedSubmission(id, token: token, of: survey)
        if form["action"] == "copy" {
            // Posted from this site only: binds this browser to the submission to read it, changing nothing.
            let closesAt = try await window(of: survey).closesAt
            visit.cookies.append(ResponseCookies.submittedCookie(
                ResponseCookies.Submitted(id: submission.id, token: token), survey: survey.id.rawValue,
                closesAt: closesAt, now: now))
            return visit.redirect(to: "/s/\(survey.id)/copy")
        }
        let window = try await requireOpen(
            survey, at: now, consequence: "Your submission can no longer be changed; it is kept as it was.")
        let answers = Self.keptAnswers(try rawAnswers(submission.answersJSON), of: survey).answers
        let (draftID, draftToken) = try await consultation.newDraft(
            for: survey, answers: answers, at: now, client: clientAddress(of: context))
        let cookie = ResponseCookies.Draft(id: draftID, token: draftToken, edits: (id, token))
        visit.cookies.append(draftCookie(cookie, of: survey, window: window, now: now))
        return visit.redirect(to: "/s/\(survey.id)/page/1")
    }

    /// The open draft a resume link names, or a page saying why the link opens nothing.
    private func linkedDraft(_ id: String, token: String, of survey: Survey) async throws -> StoredDraft {
        let draft: StoredDraft
        do {
            draft = try await consultation.database.draft(id: id, token: token)
        } catch {
            throw Problem.notFound(
                "This resume link is not valid. Check that you copied all of it. A resume link stops working "
                    + "once it has been used to continue the response in a browser, which then shows a new link.")
        }
        guard draft.surveyID == survey.id.rawValue else { throw Problem.notFound("This resume link is not for this survey.") }
        if draft.submittedAs != nil {
            throw Problem(
                "draft-submitted", status: .gone, title: "This response was already submitted",
                detail: "Use the private edit link on your confirmation page to change it.")
        }
        return draft
    }

    /// The submission an edit link names, or a page saying the link opens nothing.
    private func linkedSubmission(_ id: String, token: String, of survey: Survey) async throws -> StoredSubmission {
        let submission: StoredSubmission
        do {
            submission = try await consultation.database.submission(id: id, token: token)
        } catch {
            throw Problem.notFound(
                "This edit link is not valid. Check that you copied all of it. After changes are submitted, "
                    + "only the new edit link shown on the confirmation page works.")
        }
        guard submission.surveyID == survey.id.rawValue else { throw Problem.notFound("This edit link is not for this survey.") }
        return submission
    }

    private func continueView(_ survey: Survey, window: SurveyWindow, first: Date, last: Date) -> [String: Any] {
        var view = surveyView(survey, window: window)
        view["firstLocal"] = PageDates.local(first, in: survey.timeZone)
        view["firstUTC"] = PageDates.utc(first)
        view["firstISO"] = Instant.utcText(first)
        view["lastLocal"] = PageDates.local(last, in: survey.timeZone)
        view["lastUTC"] = PageDates.utc(last)
        view["lastISO"] = Instant.utcText(last)
        return view
    }
}
