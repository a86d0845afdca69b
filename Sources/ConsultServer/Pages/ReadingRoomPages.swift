import ConsultCore
import ConsultStore
import Foundation
import Hummingbird

/// The reading room's pages (themes part): the codebook of themes, one respondent's whole
/// submission with its codings and the forms to code it, and agreement between coders.
/// Every form works without JavaScript and carries the session's anti-forgery token;
/// `coding.js` adds span selection with the mouse or the keyboard.
struct ReadingRoomPages {
    let consultation: Consultation
    let renderer: PageRenderer

    func addRoutes(to router: Router<ConsultRequestContext>) {
        router.get("/analyst/s/{survey_id}/themes", use: themes)
        router.post("/analyst/s/{survey_id}/themes", use: createTheme)
        router.post("/analyst/s/{survey_id}/themes/{theme_id}", use: changeTheme)
        router.get("/analyst/s/{survey_id}/respondents/{respondent}", use: respondent)
        router.post("/analyst/s/{survey_id}/respondents/{respondent}/codings", use: code)
        router.post("/analyst/s/{survey_id}/respondents/{respondent}/codings/{coding_id}/remove", use: removeCoding)
        router.get("/analyst/s/{survey_id}/agreement", use: agreement)
        router.get("/analyst/s/{survey_id}/agreement.csv", use: agreementCSV)
    }

    // MARK: Themes

    @Sendable func themes(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        let visit = try await PageVisit(request, consultation: consultation)
        _ = try visit.requireStaff([.analyst, .organizer])
        let notice = request.uri.queryParameters.get("done").flatMap { Self.notices[String($0)] }
        return visit.page(renderer, "analyst-themes", try await themesView(survey, notice: notice, error: nil))
    }

    private static let notices = [
        "created": "The theme was created.", "changed": "The theme was changed.", "merged": "The themes were merged.",
        "retired": "The theme was retired.",
    ]

    @Sendable func createTheme(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        let visit = try await PageVisit(request, consultation: consultation)
        let principal = try visit.requireStaff([.analyst, .organizer])
        var request = request
        let form = try await request.formFields()
        try visit.checkFormToken(form)
        let fields = ThemeFields(
            name: form["name"] ?? "", description: form["description"] ?? "", colour: form["colour"] ?? "",
            parentID: .some(form["parent_id"].flatMap { Int64($0) }))
        return try await refusingInPlace(survey, visit) {
            _ = try await consultation.database.themeBook.create(
                fields, in: survey.id.rawValue, actor: principal.actor, at: consultation.clock.now())
            return visit.redirect(to: "/analyst/s/\(survey.id)/themes?done=created")
        }
    }

    /// One form per theme posts here with `action` = change, merge or retire.
    @Sendable func changeTheme(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        let id = try ReadingRoomController.numericID(context, "theme_id")
        let visit = try await PageVisit(request, consultation: consultation)
        let principal = try visit.requireStaff([.analyst, .organizer])
        var request = request
        let form = try await request.formFields()
        try visit.checkFormToken(form)
        let book = consultation.database.themeBook
        let now = consultation.clock.now()
        return try await refusingInPlace(survey, visit) {
            switch form["action"] ?? "" {
            case "change":
                // An unreadable parent id names no theme: the book answers 404.
                let parent: Int64?? = form["parent_id"].map { text -> Int64? in text.isEmpty ? nil : (Int64(text) ?? -1) }
                _ = try await book.change(
                    id, in: survey.id.rawValue,
                    to: ThemeFields(name: form["name"], description: form["description"], colour: form["colour"], parentID: parent),
                    actor: principal.actor, at: now)
                return visit.redirect(to: "/analyst/s/\(survey.id)/themes?done=changed")
            case "merge":
                guard let into = form["into"].flatMap({ Int64($0) }) else {
                    throw ThemeRefusal.invalid(field: "into", message: "Choose the theme to merge into.")
                }
                _ = try await book.merge(
                    id, into: into, in: survey.id.rawValue, by: principal.tokenID, actor: principal.actor, at: now)
                return visit.redirect(to: "/analyst/s/\(survey.id)/themes?done=merged")
            case "retire":
                _ = try await book.retire(id, in: survey.id.rawValue, actor: principal.actor, at: now)
                return visit.redirect(to: "/analyst/s/\(survey.id)/themes?done=retired")
            default:
                throw Problem.badRequest("The form's action must be change, merge or retire.")
            }
        }
    }

    /// Runs a codebook change; a refusal shows the themes page again with the reason (nothing changed).
    private func refusingInPlace(_ survey: Survey, _ visit: PageVisit, _ change: () async throws -> Response) async throws
        -> Response
    {
        do {
            return try await consultation.storing { try await change() }
        } catch let refusal as ThemeRefusal {
            let status: HTTPResponse.Status = switch refusal {
            case .unknownTheme: .notFound
            case .duplicateName, .inactive: .conflict
            case .invalid: .unprocessableContent
            }
            return visit.page(renderer, "analyst-themes", try await themesView(survey, notice: nil, error: refusal.message), status: status)
        }
    }

    private func themesView(_ survey: Survey, notice: String?, error: String?) async throws -> [String: Any] {
        let themes = try await consultation.storing { try await consultation.database.themeBook.themes(of: survey.id.rawValue) }
        let active = themes.filter(\.isActive)
        let names = Dictionary(themes.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        let themeTable = try await ThemeTableView.rows(survey, consultation: consultation)
        return [
            "themeTable": themeTable, "hasThemeTable": !themeTable.isEmpty,
            "wide": true, "title": "Themes – \(survey.title)", "surveyId": survey.id.rawValue, "surveyTitle": survey.title,
            "notice": notice ?? false, "error": error ?? false, "hasThemes": !themes.isEmpty,
            "parents": active.filter { $0.depth < CodebookTheme.maximumDepth }.map { ["id": $0.id, "label": Self.indented($0)] },
            "themes": themes.map { theme -> [String: Any] in
                [
                    "id": theme.id, "guid": theme.guid, "name": theme.name, "description": theme.description,
                    "colour": theme.colour, "depth": theme.depth, "codings": theme.codings, "active": theme.isActive,
                    "retired": theme.retiredAt != nil && theme.mergedInto == nil,
                    "mergedInto": theme.mergedInto.flatMap { names[$0] } ?? false,
                    "parentName": theme.parentID.flatMap { names[$0] } ?? false,
                    "parentOptions": active.filter { $0.depth < CodebookTheme.maximumDepth && $0.id != theme.id }.map {
                        ["id": $0.id, "label": Self.indented($0), "selected": $0.id == theme.parentID]
                    },
                    "mergeTargets": active.filter { $0.id != theme.id }.map { ["id": $0.id, "label": Self.indented($0)] },
                ]
            },
        ]
    }

    /// A theme's name indented by its depth, for select lists.
    static func indented(_ theme: Theme) -> String {
        String(repeating: "\u{2014} ", count: theme.depth - 1) + theme.name
    }

    // MARK: Respondent

    @Sendable func respondent(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        let visit = try await PageVisit(request, consultation: consultation)
        _ = try visit.requireStaff([.analyst, .organizer])
        let pseudonym = try pathID(context, "respondent")
        let reading = try await RespondentReading.load(pseudonym, survey: survey, consultation: consultation)
        let themes = try await consultation.storing { try await consultation.database.themeBook.themes(of: survey.id.rawValue) }
        let query = request.uri.queryParameters
        var notice: String?
        if let coded = query.get("coded") { notice = "Coded: \(coded)" }
        if query.get("removed") != nil { notice = "The coding was removed (the removal is recorded)." }
        let allVersions = query.get("versions") == "all"
        var view = RespondentPageView.make(reading, themes: themes.filter(\.isActive), notice: notice, allVersions: allVersions)
        // Position papers (extract): the submission's files.
        view.merge(try await AttachmentPages.filesView(reading, consultation: consultation)) { _, new in new }
        return visit.page(renderer, "analyst-respondent", view)
    }

    @Sendable func code(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        let visit = try await PageVisit(request, consultation: consultation)
        let principal = try visit.requireStaff([.analyst, .organizer])
        let pseudonym = try pathID(context, "respondent")
        var request = request
        let form = try await request.formFields()
        try visit.checkFormToken(form)
        let parts = (form["field"] ?? "").split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 else { throw Problem.badRequest("The form names no free text.") }
        guard let theme = form["theme_id"].flatMap({ Int64($0) }) else {
            throw Problem.invalidField("theme_id", "Choose a theme.")
        }
        var start: Int?
        var end: Int?
        if form["scope"] != "whole" {
            let startText = (form["start"] ?? "").trimmingCharacters(in: .whitespaces)
            let endText = (form["end"] ?? "").trimmingCharacters(in: .whitespaces)
            guard let from = Int(startText), let to = Int(endText) else {
                throw Problem.invalidField("start", "Give the span's start and end as numbers of characters, or code the whole answer.")
            }
            (start, end) = (from, to)
        }
        let result = try await ReadingRoomController.code(
            respondent: pseudonym, question: parts[0], kind: parts[1], theme: theme, start: start, end: end, survey: survey,
            principal: principal, consultation: consultation)
        let words = result.words.count > 80 ? String(result.words.prefix(80)) + "…" : result.words
        let said = "“\(words)” with \(result.coding.themeName)"
        let encoded = said.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        return visit.redirect(to: "/analyst/s/\(survey.id)/respondents/\(pseudonym)?coded=\(encoded)#text-\(RespondentPageView.anchor(result.coding.field))")
    }

    @Sendable func removeCoding(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        let visit = try await PageVisit(request, consultation: consultation)
        let principal = try visit.requireStaff([.analyst, .organizer])
        let pseudonym = try pathID(context, "respondent")
        let id = try ReadingRoomController.numericID(context, "coding_id")
        var request = request
        let form = try await request.formFields()
        try visit.checkFormToken(form)
        let reading = try await RespondentReading.load(pseudonym, survey: survey, consultation: consultation)
        guard reading.codings.contains(where: { $0.id == id }) else {
            throw Problem.notFound("Respondent \(pseudonym) has no coding \(id) in force.")
        }
        _ = try await consultation.storing {
            try await consultation.database.codingLedger.remove(
                id, in: survey.id.rawValue, by: principal.tokenID, actor: principal.actor, at: consultation.clock.now())
        }
        return visit.redirect(to: "/analyst/s/\(survey.id)/respondents/\(pseudonym)?removed=1")
    }

    // MARK: Agreement

    @Sendable func agreementCSV(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        let visit = try await PageVisit(request, consultation: consultation)
        _ = try visit.requireStaff([.analyst, .organizer])
        let table = try await AgreementTable.load(survey, consultation: consultation)
        var headers = HTTPFields.notStored
        headers[.contentType] = "text/csv; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"\(survey.id)-agreement.csv\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: table.csv)))
    }

    @Sendable func agreement(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        let visit = try await PageVisit(request, consultation: consultation)
        _ = try visit.requireStaff([.analyst, .organizer])
        let table = try await AgreementTable.load(survey, consultation: consultation)
        func figure(_ value: Double?) -> String { value.map { String(format: "%.3f", $0) } ?? "undefined" }
        return visit.page(renderer, "analyst-agreement", [
            "wide": true, "title": "Agreement – \(survey.title)", "surveyId": survey.id.rawValue, "surveyTitle": survey.title,
            "codedTexts": table.units, "coders": table.coders, "hasRows": !table.rows.isEmpty,
            "rows": table.rows.map { row -> [String: Any] in
                [
                    "name": row.theme.name, "retired": row.theme.retiredAt != nil, "overlap": row.agreement.overlap,
                    "coders": row.agreement.coders, "kappa": figure(row.agreement.kappa), "alpha": figure(row.agreement.alpha),
                ]
            },
        ])
    }
}

/// The view of the whole-submission page.
enum RespondentPageView {
    /// The id fragment of a free text on the page.
    static func anchor(_ field: OpenTextField) -> String {
        (field.question?.rawValue ?? "sector-other") + "-" + field.kind.rawValue
    }

    static func make(_ reading: RespondentReading, themes: [Theme], notice: String?, allVersions: Bool) -> [String: Any] {
        let survey = reading.survey
        let file = reading.file
        let zone = survey.timeZone
        let themeOptions = themes.map { ["id": $0.id, "label": ReadingRoomPages.indented($0)] as [String: Any] }
        let current = reading.currentTexts
        let texts = current.fields.filter(reading.shows).map { field -> [String: Any] in
            let text = current[field] ?? ""
            let question = field.question.flatMap(survey.question)
            let codings = reading.codings(of: field).map { coding -> [String: Any] in
                let earlier = reading.isOnEarlierText(coding)
                var view: [String: Any] = [
                    "id": coding.id, "theme": coding.themeName, "colour": coding.themeColour, "coder": coding.coder,
                    "codedLocal": PageDates.local(coding.codedAt, in: zone), "codedISO": Instant.utcText(coding.codedAt),
                    "version": coding.version, "earlier": earlier, "whole": coding.span == nil,
                    "start": coding.span?.start ?? 0, "end": coding.span?.end ?? 0,
                ]
                // A span is shown in the words of its own version: for an earlier text, those words alone.
                let versionText = reading.texts(ofVersion: coding.version)[field] ?? ""
                if let span = coding.span, let parts = span.split(versionText), !earlier {
                    view["before"] = UntrustedText.pageView(String(parts.before.unicodeScalars.suffix(60)))
                    view["words"] = UntrustedText.pageView(parts.span)
                    view["after"] = UntrustedText.pageView(String(parts.after.unicodeScalars.prefix(60)))
                } else {
                    view["before"] = UntrustedText.pageView("")
                    view["words"] = UntrustedText.pageView(reading.words(of: coding) ?? "")
                    view["after"] = UntrustedText.pageView("")
                }
                return view
            }
            return [
                "anchor": anchor(field), "field": "\(field.storedQuestion)|\(field.kind.rawValue)",
                "label": (question?.text ?? "Sector (other)") + (field.kind == .other ? " — “Other”, please specify" : ""),
                "kind": field.kind.rawValue, "text": UntrustedText.pageView(text), "raw": text,
                "length": text.unicodeScalars.count, "codings": codings, "hasCodings": !codings.isEmpty,
                "themes": themeOptions,
            ]
        }
        func answerRows(_ version: Int) -> [[String: Any]] {
            let answers = reading.answers(ofVersion: version)
            return survey.questions.compactMap { question -> [String: Any]? in
                guard let answer = answers[question.id] else { return nil }
                let shown = file.publication.disclosesAnswer(to: question)
                return [
                    "question": question.text, "id": question.id.rawValue, "withheld": !shown,
                    "answer": UntrustedText.pageView(shown ? RespondentPages.display(answer, of: question) : ""),
                ]
            }
        }
        let earlierVersions: [[String: Any]] = allVersions ? file.versions.filter { $0.number != file.version }.reversed().map { version in
            [
                "number": version.number, "receivedLocal": PageDates.local(version.receivedAt, in: zone),
                "answers": answerRows(version.number),
            ] as [String: Any]
        } : []
        return [
            "wide": true, "title": "Respondent \(file.respondent) – \(survey.title)", "surveyId": survey.id.rawValue,
            "surveyTitle": survey.title, "respondent": file.respondent, "notice": notice ?? false,
            "confidential": reading.isConfidential, "publicNamed": file.publication == .publicNamed,
            "publication": file.publication.rawValue, "version": file.version, "hasEarlier": file.versions.count > 1 || file.version > 1,
            "allVersions": allVersions, "earlierVersions": earlierVersions,
            "declaredSector": survey.sectorLabel(file.declaredSector), "finalSector": survey.sectorLabel(file.finalSector),
            "sectorChanged": file.declaredSector != file.finalSector,
            "otherSector": file.otherSectorText.map { UntrustedText.pageView($0) } ?? false,
            "country": file.country.map { CountryTable.country($0)?.name ?? $0 } ?? "Not given",
            "region": file.region.map(CountryTable.regionLabel) ?? "Unknown",
            "level": reading.levelLabel ?? false,
            "receivedLocal": PageDates.local(file.receivedAt, in: zone), "updatedLocal": PageDates.local(file.updatedAt, in: zone),
            "answers": answerRows(file.version), "texts": texts, "hasTexts": !texts.isEmpty, "hasThemes": !themes.isEmpty,
        ]
    }
}
