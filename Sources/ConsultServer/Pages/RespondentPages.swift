import ConsultCore
import ConsultStore
import Foundation
import Hummingbird

/// The respondents' pages: the list of surveys, the form one section per page with save
/// and resume, the review, the confirmation with its receipt, and editing until the deadline.
///
/// They work without JavaScript: every step is a plain form post answered by a redirect
/// or by the same page with its errors. The deadline rule is the API's own, decided in
/// the store's transaction.
struct RespondentPages {
    let consultation: Consultation
    let renderer: PageRenderer

    func addRoutes(to router: Router<ConsultRequestContext>) {
        router.get("/", use: home)
        router.get("/s/{survey_id}", use: introduction)
        router.post("/s/{survey_id}/start", use: start)
        router.get("/s/{survey_id}/page/{number}", use: section)
        router.post("/s/{survey_id}/page/{number}", use: saveSection)
        router.get("/s/{survey_id}/review", use: review)
        router.post("/s/{survey_id}/submit", use: submit)
        router.get("/s/{survey_id}/done", use: confirmation)
        router.get("/s/{survey_id}/receipt", use: receipt)
        router.get("/s/{survey_id}/copy", use: copy)
        router.get("/s/{survey_id}/resume/{draft_id}", use: resume)
        router.post("/s/{survey_id}/resume/{draft_id}", use: takeOverDraft)
        router.get("/s/{survey_id}/edit/{submission_id}", use: edit)
        router.post("/s/{survey_id}/edit/{submission_id}", use: startEditing)
        ReceiptCheckPage(consultation: consultation, renderer: renderer).addRoutes(to: router)
    }

    // MARK: Survey list and introduction

    @Sendable func home(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let visit = try await PageVisit(request, consultation: consultation)
        let now = consultation.clock.now()
        var surveys: [[String: Any]] = []
        for survey in consultation.surveys {
            let window = try await window(of: survey)
            var view = PageDates.deadline(window, zone: survey.timeZone, now: now)
            view["id"] = survey.id.rawValue
            view["title"] = survey.title
            surveys.append(view)
        }
        return visit.page(renderer, "home", ["title": "Consultations", "surveys": surveys])
    }

    @Sendable func introduction(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        let visit = try await PageVisit(request, consultation: consultation)
        let window = try await window(of: survey)
        var view = surveyView(survey, window: window)
        view["title"] = survey.title
        view["paragraphs"] = paragraphs(survey.description)
        view["sections"] = survey.sections.map(\.title)
        if let draft = ResponseCookies.draft(in: request),
            let stored = try? await consultation.database.draft(id: draft.id, token: draft.token), stored.submittedAs == nil
        {
            view["hasDraft"] = true
        }
        return visit.page(renderer, "introduction", view)
    }

    @Sendable func start(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        var visit = try await PageVisit(request, consultation: consultation)
        var request = request
        try visit.checkFormToken(try await request.formFields())
        let now = consultation.clock.now()
        let window = try await requireOpen(survey, at: now, consequence: "No response was started.")
        let (id, token) = try await consultation.newDraft(
            for: survey, answers: AnswerSet([:]), at: now, client: clientAddress(of: context))
        visit.cookies.append(draftCookie(ResponseCookies.Draft(id: id, token: token), of: survey, window: window, now: now))
        return visit.redirect(to: "/s/\(survey.id)/page/1")
    }

    // MARK: One section per page

    @Sendable func section(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        let number = try sectionNumber(context, in: survey)
        let visit = try await PageVisit(request, consultation: consultation)
        try await requireOpen(survey, at: consultation.clock.now(), consequence: "Answers can no longer be changed.")
        guard let (cookie, saved) = try await currentDraft(request, survey: survey) else {
            return visit.redirect(to: "/s/\(survey.id)")
        }
        let section = survey.sections[number - 1]
        let fields = AnswerForm.fields(showing: saved, of: section.questions)
        let notice = request.uri.queryParameters.get("saved") == "1" ? "Your answers on this page are saved." : nil
        return visit.page(
            renderer, "section",
            try await sectionView(survey, number: number, fields: fields, saved: saved, errors: [:], notice: notice,
                cookie: cookie, context: context))
    }

    @Sendable func saveSection(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        let number = try sectionNumber(context, in: survey)
        var visit = try await PageVisit(request, consultation: consultation)
        var request = request
        let section = survey.sections[number - 1]
        // Position papers: a page with a file question posts a multipart form, read as it streams in.
        let files = FileAnswerForm(consultation: consultation)
        let form: FormFields
        var uploads: [FormUpload] = []
        if MultipartFormReader.isMultipart(request) {
            let read = try await files.reader(for: section.questions).read(request)
            form = read.fields
            uploads = read.uploads
        } else {
            form = try await request.formFields()
        }
        try visit.checkFormToken(form)
        let now = consultation.clock.now()
        let window = try await requireOpen(survey, at: now, consequence: "Your answers on this page were not saved.")
        guard let (cookie, saved) = try await currentDraft(request, survey: survey) else {
            return visit.redirect(to: "/s/\(survey.id)")
        }
        var posted = AnswerForm.answers(of: section.questions, in: form.byName)
        var shownFields = form.byName
        var fileErrors: [String: String] = [:]
        if FileAnswerForm.takesFiles(section.questions) {
            let applied = try await files.apply(
                section.questions, saved: saved, form: form, uploads: uploads, survey: survey, owner: cookie.token)
            for (key, value) in applied.answers {
                posted[key] = value
                if case .array(let list)? = value {
                    shownFields[FileAnswerForm.filesField(QuestionID(key))] = list.map(\.canonicalText)
                }
            }
            fileErrors = applied.errors
        }
        var merged = saved
        for question in section.questions { merged[question.id.rawValue] = posted[question.id.rawValue] }

        // Keep every valid answer; show the invalid ones again, as typed, with their problems.
        let (valid, answers, problems) = Self.keptAnswers(merged, of: survey)
        var errors = problems.mapValues(Self.readable).merging(fileErrors) { first, _ in first }
        _ = try await consultation.storing {
            try await consultation.database.updateDraft(id: cookie.id, token: cookie.token, answers: answers, at: now)
        }
        // Saving keeps the draft alive, so its cookie lives on too.
        visit.cookies.append(draftCookie(cookie, of: survey, window: window, now: now))
        let action = form["action"] ?? "next"
        if action != "back", action != "save" {
            for problem in missingAnswers(survey, answers)
            where errors[problem.question] == nil && section.questions.contains(where: { $0.id.rawValue == problem.question }) {
                errors[problem.question] = Self.readable(problem.message)
            }
        }
        if !errors.isEmpty {
            return visit.page(
                renderer, "section",
                try await sectionView(survey, number: number, fields: shownFields, saved: valid, errors: errors, notice: nil,
                    cookie: cookie, context: context),
                status: .unprocessableContent)
        }
        switch action {
        case "back": return visit.redirect(to: "/s/\(survey.id)/page/\(max(1, number - 1))")
        case "save": return visit.redirect(to: "/s/\(survey.id)/page/\(number)?saved=1")
        case "review": return visit.redirect(to: "/s/\(survey.id)/review")
        default:
            return visit.redirect(
                to: number < survey.sections.count ? "/s/\(survey.id)/page/\(number + 1)" : "/s/\(survey.id)/review")
        }
    }

    // MARK: Review and submit

    @Sendable func review(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        let visit = try await PageVisit(request, consultation: consultation)
        try await requireOpen(survey, at: consultation.clock.now(), consequence: "Answers can no longer be submitted.")
        guard let (cookie, saved) = try await currentDraft(request, survey: survey) else {
            return visit.redirect(to: "/s/\(survey.id)")
        }
        return visit.page(renderer, "review", try await reviewView(survey, saved: saved, cookie: cookie))
    }

    @Sendable func submit(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        var visit = try await PageVisit(request, consultation: consultation)
        var request = request
        try visit.checkFormToken(try await request.formFields())
        let receivedAt = consultation.clock.now()
        guard let (cookie, saved) = try await currentDraft(request, survey: survey) else {
            return visit.redirect(to: "/s/\(survey.id)")
        }
        let visible = survey.droppingHiddenAnswers(Self.keptAnswers(saved, of: survey).answers)
        guard case .object(let raw) = visible.json else { throw Problem.badRequest("The draft cannot be read.") }
        let answers: AnswerSet
        do {
            answers = try await consultation.checked(raw, for: survey, receivedAt: receivedAt)
        } catch let problem as Problem where problem.slug == "invalid-answers" {
            return visit.page(
                renderer, "review", try await reviewView(survey, saved: saved, cookie: cookie), status: .unprocessableContent)
        }
        let outcome = try await consultation.storing {
            try await consultation.database.submitDraft(
                id: cookie.id, token: cookie.token, answers: answers, survey: survey, receivedAt: receivedAt,
                replacing: cookie.edits, fileOwner: nil, client: context.clientAddress?.group)
        }
        switch outcome {
        case .accepted(let accepted):
            let token = accepted.editToken ?? cookie.edits?.token ?? ""
            let closesAt = try await window(of: survey).closesAt
            visit.cookies.append(ResponseCookies.submittedCookie(
                ResponseCookies.Submitted(id: accepted.id, token: token), survey: survey.id.rawValue, closesAt: closesAt,
                now: receivedAt))
            visit.cookies.append(ResponseCookies.removal(ResponseCookies.draftName, survey: survey.id.rawValue))
            return visit.redirect(to: "/s/\(survey.id)/done")
        case .refused(let status, let window, let receivedAt):
            throw Problem.outsideWindow(
                status, window: window, survey: survey, receivedAt: receivedAt,
                consequence: "Your response was not stored.")
        case .idempotencyConflict:
            throw Problem.badRequest("The response could not be submitted.")
        }
    }

    // MARK: Confirmation, copy and receipt (resume and edit links: RespondentLinkPages.swift)

    @Sendable func confirmation(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        let visit = try await PageVisit(request, consultation: consultation)
        guard let submitted = ResponseCookies.submitted(in: request) else { return visit.redirect(to: "/s/\(survey.id)") }
        let submission = try await consultation.storing {
            try await consultation.database.submission(id: submitted.id, token: submitted.token)
        }
        let window = try await window(of: survey)
        var view = surveyView(survey, window: window)
        view["title"] = "Your response is received"
        view["submissionId"] = submission.id
        view["version"] = submission.version
        view["isEdit"] = submission.version > 1
        view["receivedLocal"] = PageDates.local(submission.updatedAt, in: survey.timeZone)
        view["receivedUTC"] = PageDates.utc(submission.updatedAt)
        view["receivedISO"] = Instant.utcText(submission.updatedAt)
        view["editLink"] = absolute("/s/\(survey.id)/edit/\(submission.id)?token=\(submitted.token)", context)
        let answers = Self.keptAnswers(try rawAnswers(submission.answersJSON), of: survey).answers
        view["result"] = ResultView.make(survey.result(for: answers), heading: "Your result")
        // Position papers: the files this version holds, with the hashes the receipt covers.
        let attached = answers.attachedFiles.compactMap { FileAnswerForm.view($0.file.json) }
        view["files"] = attached
        view["hasFiles"] = !attached.isEmpty
        return visit.page(renderer, "confirmation", view)
    }

    /// A printable copy of the submitted answers with the result and the receipt. Only this
    /// browser's own submitted cookie opens it (a planted link cannot), and it writes nothing.
    @Sendable func copy(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        let visit = try await PageVisit(request, consultation: consultation)
        guard let submitted = ResponseCookies.submitted(in: request) else { return visit.redirect(to: "/s/\(survey.id)") }
        let submission = try await consultation.storing {
            try await consultation.database.submission(id: submitted.id, token: submitted.token)
        }
        let receipt = try await consultation.storing {
            try await consultation.database.receipt(ofSubmission: submitted.id, token: submitted.token)
        }
        let answers = Self.keptAnswers(try rawAnswers(submission.answersJSON), of: survey).answers
        var view = surveyView(survey, window: try await window(of: survey))
        view["title"] = "Your response – \(survey.title)"
        view["submissionId"] = submission.id
        view["version"] = submission.version
        view["receivedLocal"] = PageDates.local(submission.updatedAt, in: survey.timeZone)
        view["receivedUTC"] = PageDates.utc(submission.updatedAt)
        view["receivedISO"] = Instant.utcText(submission.updatedAt)
        view["result"] = ResultView.make(survey.result(for: answers), heading: "Result")
        view["sections"] = survey.sections.compactMap { section -> [String: Any]? in
            let rows = section.questions.compactMap { question -> [String: String]? in
                guard let answer = answers[question.id] else {
                    return question.showIf == nil ? ["question": question.text, "answer": "Not answered"] : nil
                }
                return ["question": question.text, "answer": Self.display(answer, of: question)]
            }
            return rows.isEmpty ? nil : ["title": section.title, "rows": rows]
        }
        view["receipt"] = [
            "surveyId": receipt.surveyID, "submissionId": receipt.submissionID, "version": receipt.version,
            "receivedAt": receipt.receivedAt, "answersSHA256": receipt.answersSHA256, "keyId": receipt.keyID,
            "signature": receipt.signature,
        ] as [String: Any]
        return visit.page(renderer, "copy", view)
    }

    @Sendable func receipt(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        guard let submitted = ResponseCookies.submitted(in: request) else {
            throw Problem.notFound("This browser has no submission to this survey; open your private edit link first.")
        }
        let receipt = try await consultation.storing {
            try await consultation.database.receipt(ofSubmission: submitted.id, token: submitted.token)
        }
        let submission = try await consultation.storing {
            try await consultation.database.submission(id: submitted.id, token: submitted.token)
        }
        let files = Self.keptAnswers(try rawAnswers(submission.answersJSON), of: survey).answers.attachedFiles.map(\.file)
        var response = json(SubmissionResponses.receiptJSON(receipt, files: files), headers: .notStored)
        response.headers[.contentDisposition] = "attachment; filename=\"receipt-\(survey.id)-\(receipt.submissionID).json\""
        return response
    }

    // MARK: Helpers

    /// The cookie that binds this browser to `draft`, ending when the draft would expire.
    func draftCookie(_ draft: ResponseCookies.Draft, of survey: Survey, window: SurveyWindow, now: Date) -> Cookie {
        ResponseCookies.draftCookie(
            draft, survey: survey.id.rawValue, limits: consultation.draftLimits, closesAt: window.closesAt, now: now)
    }


    func window(of survey: Survey) async throws -> SurveyWindow {
        try await consultation.storing { try await consultation.database.window(of: survey) }
    }

    /// A closed (or not yet open) survey's page instead of the form; else the survey's window.
    @discardableResult
    func requireOpen(_ survey: Survey, at now: Date, consequence: String) async throws -> SurveyWindow {
        let window = try await window(of: survey)
        let status = window.status(at: now.truncatedToMilliseconds)
        guard status == .open else {
            throw Problem.outsideWindow(
                status, window: window, survey: survey, receivedAt: now.truncatedToMilliseconds, consequence: consequence)
        }
        return window
    }

    /// The draft this browser is filling in for `survey`, with its saved raw answers.
    private func currentDraft(_ request: Request, survey: Survey) async throws
        -> (ResponseCookies.Draft, [String: JSONValue])?
    {
        guard let cookie = ResponseCookies.draft(in: request),
            let draft = try? await consultation.database.draft(id: cookie.id, token: cookie.token),
            draft.surveyID == survey.id.rawValue, draft.submittedAs == nil
        else { return nil }
        return (cookie, try rawAnswers(draft.answersJSON))
    }

    func rawAnswers(_ json: String) throws -> [String: JSONValue] {
        // The strict reader first: the store wrote this JSON, and JSONDecoder took a twentieth of
        // each page's CPU to read it. Anything it refuses (none expected) is read as before.
        let value: JSONValue
        if let parsed = try? StrictJSON.parse(json.utf8) {
            value = parsed
        } else {
            value = try JSONDecoder().decode(JSONValue.self, from: Data(json.utf8))
        }
        guard case .object(let answers) = value else { return [:] }
        return answers
    }

    private func sectionNumber(_ context: ConsultRequestContext, in survey: Survey) throws -> Int {
        guard let text = context.parameters.get("number"), let number = Int(text), (1...survey.sections.count).contains(number)
        else { throw Problem.notFound("This survey has pages 1 to \(survey.sections.count).") }
        return number
    }

    /// The valid part of raw answers (as a draft keeps them, or as posted), and the problem of
    /// each answer left out. A draft saved under an earlier version of the survey file may hold
    /// answers the survey no longer accepts: they are dropped rather than failing the page.
    static func keptAnswers(_ raw: [String: JSONValue], of survey: Survey)
        -> (raw: [String: JSONValue], answers: AnswerSet, problems: [String: String])
    {
        var kept = raw
        var problems: [String: String] = [:]
        for _ in 0..<3 {
            do {
                return (kept, try survey.check(kept, as: .draft), problems)
            } catch {
                for problem in error.problems {
                    problems[problem.question] = problems[problem.question] ?? problem.message
                    kept[problem.question] = nil
                }
            }
        }
        return ([:], AnswerSet([:]), problems)
    }

    /// The problems a submission of `answers` would have for missing required answers.
    private func missingAnswers(_ survey: Survey, _ answers: AnswerSet) -> [AnswerProblem] {
        let visible = survey.droppingHiddenAnswers(answers)
        guard case .object(let raw) = visible.json else { return [] }
        do {
            _ = try survey.check(raw, as: .submission)
            return []
        } catch {
            return error.problems
        }
    }

    func surveyView(_ survey: Survey, window: SurveyWindow) -> [String: Any] {
        var view = PageDates.deadline(window, zone: survey.timeZone, now: consultation.clock.now())
        view["surveyId"] = survey.id.rawValue
        view["surveyTitle"] = survey.title
        return view
    }

    private func sectionView(
        _ survey: Survey, number: Int, fields: FieldValues, saved: [String: JSONValue], errors: [String: String],
        notice: String?, cookie: ResponseCookies.Draft, context: ConsultRequestContext
    ) async throws -> [String: Any] {
        let section = survey.sections[number - 1]
        // Questions hanging on earlier pages' answers are asked or skipped as those answers say;
        // those hanging on this page's answers are shown with a note (and hidden by the script).
        let earlier = Set(survey.sections.prefix(number - 1).flatMap(\.questions).map(\.id))
        let shown = survey.droppingHiddenAnswers(Self.keptAnswers(saved, of: survey).answers)
        var questions: [[String: Any]] = []
        for question in section.questions {
            var sameSection = false
            if let condition = question.showIf {
                if earlier.contains(condition.question) {
                    guard let answer = shown[condition.question], answer.matches(condition.values) else { continue }
                } else {
                    sameSection = true
                }
            }
            questions.append(QuestionView.make(
                question, in: survey, fields: fields, error: errors[question.id.rawValue], sameSectionCondition: sameSection))
        }
        var view = surveyView(survey, window: try await window(of: survey))
        view["title"] = "\(section.title) – \(survey.title)"
        view["sectionTitle"] = section.title
        view["sectionDescription"] = section.description
        view["number"] = number
        view["count"] = survey.sections.count
        view["isFirst"] = number == 1
        view["isLast"] = number == survey.sections.count
        view["action"] = "/s/\(survey.id)/page/\(number)"
        view["questions"] = questions
        view["multipart"] = FileAnswerForm.takesFiles(section.questions)
        view["notice"] = notice
        view["isEdit"] = cookie.edits != nil
        view["resumeLink"] = absolute("/s/\(survey.id)/resume/\(cookie.id)?token=\(cookie.token)", context)
        view["hasErrorSummary"] = !errors.isEmpty
        view["errorSummary"] = section.questions.compactMap { question -> [String: String]? in
            guard let message = errors[question.id.rawValue] else { return nil }
            return ["href": "#q-\(question.id.rawValue)", "text": "\(question.text) – \(message)"]
        }
        return view
    }

    private func reviewView(_ survey: Survey, saved: [String: JSONValue], cookie: ResponseCookies.Draft) async throws
        -> [String: Any]
    {
        let answers = survey.droppingHiddenAnswers(Self.keptAnswers(saved, of: survey).answers)
        let problems = Dictionary(
            missingAnswers(survey, answers).map { ($0.question, Self.readable($0.message)) }, uniquingKeysWith: { a, _ in a })
        var sections: [[String: Any]] = []
        var summary: [[String: String]] = []
        for (index, section) in survey.sections.enumerated() {
            var rows: [[String: Any]] = []
            for question in section.questions {
                let problem = problems[question.id.rawValue]
                let answer = answers[question.id]
                guard answer != nil || problem != nil || question.showIf == nil else { continue }
                let pageLink = "/s/\(survey.id)/page/\(index + 1)#q-\(question.id.rawValue)"
                if let problem { summary.append(["href": pageLink, "text": "\(question.text) – \(problem)"]) }
                var row: [String: Any] = [
                    "question": question.text, "answer": answer.map { Self.display($0, of: question) } ?? "Not answered",
                    "unanswered": answer == nil, "link": pageLink,
                ]
                if let problem { row["problem"] = problem }
                // lang (issue 15): a polite note on a long text that does not look like the survey's language.
                if let text = answer.flatMap(Self.freeText), let note = LanguageNote.note(for: text, survey: survey) {
                    row["languageNote"] = note
                }
                rows.append(row)
            }
            sections.append(["title": section.title, "number": index + 1, "rows": rows, "link": "/s/\(survey.id)/page/\(index + 1)"])
        }
        var view = surveyView(survey, window: try await window(of: survey))
        view["title"] = "Check your answers – \(survey.title)"
        view["result"] = ResultView.make(survey.result(for: answers), heading: "Your result if you submit these answers")
        view["sections"] = sections
        view["hasErrorSummary"] = !summary.isEmpty
        view["errorSummary"] = summary
        view["canSubmit"] = summary.isEmpty
        view["isEdit"] = cookie.edits != nil
        view["lastPage"] = survey.sections.count
        return view
    }

    /// The free text an answer holds (a text answer, or an "other" text), for the language note.
    static func freeText(_ answer: Answer) -> String? {
        switch answer {
        case .text(let text): text
        case .choice(_, let other?), .choices(_, let other?): other
        default: nil
        }
    }

    /// An answer as the review page shows it: labels, not ids.
    static func display(_ answer: Answer, of question: Question) -> String {
        func label(_ id: OptionID, _ list: ChoiceList, other: String?) -> String {
            id == ChoiceList.otherID ? "Other: \(other ?? "")" : list.option(id)?.label ?? id.rawValue
        }
        switch (answer, question.kind) {
        case (.choice(let id, let other), .singleChoice(let list)):
            return label(id, list, other: other)
        case (.choices(let ids, let other), .multipleChoice(let list, _)):
            return ids.map { label($0, list, other: other) }.joined(separator: "; ")
        case (.scale(let value), .scale(let scale)):
            return "\(value) – \(scale.point(value)?.label ?? "")"
        case (.ratings(let ratings), .matrix(let items, let scale)):
            return items.compactMap { item in
                ratings[item.id].map { "\(item.label): \(scale.point($0)?.label ?? String($0))" }
            }.joined(separator: "; ")
        case (.country(let code), _):
            return CountryTable.country(code)?.name ?? code
        case (.number(let number), _):
            return JSONValue.canonicalNumber(number)
        case (.text(let text), _), (.email(let text), _):
            return text
        case (.files(let files), _):
            return files.map {
                "\($0.name) (\($0.kind.label), \(FileAnswerForm.sizeText($0.size)), SHA-256 \($0.sha256))"
            }.joined(separator: "; ")
        default:
            return ""
        }
    }

    /// The answer check's messages, worded for a form rather than for the API.
    static func readable(_ message: String) -> String {
        let worded: String
        if message.hasPrefix("say what \"other\" is") {
            worded = "please say what “Other” is in the box"
        } else if message == "expected a number" {
            worded = "enter a number"
        } else if message.hasPrefix("expected one of the scale values") {
            worded = "choose one of the points"
        } else {
            worded = message
        }
        return worded.prefix(1).uppercased() + worded.dropFirst()
    }

    private func paragraphs(_ text: String?) -> [String] {
        (text ?? "").components(separatedBy: "\n\n").map {
            $0.replacingOccurrences(of: "\n", with: " ").trimmingCharacters(in: .whitespaces)
        }.filter { !$0.isEmpty }
    }

    /// `path` as an absolute URL on the public origin, never on the request's `Host`, which anyone can set.
    private func absolute(_ path: String, _ context: ConsultRequestContext) -> String {
        context.origin?.link(path) ?? path
    }
}
