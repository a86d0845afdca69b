import ConsultCore
import ConsultLanguage
import ConsultStore
import Foundation
import Hummingbird

/// The reading room's search page: a GET form with the query and filters, the results with their
/// highlighted snippets (linking to each respondent's whole submission), pages by cursor, and bulk
/// coding of the search (preview, confirm, undo) with the forms' anti-forgery token.
struct TextSearchPages {
    let consultation: Consultation
    let renderer: PageRenderer

    func addRoutes(to router: Router<ConsultRequestContext>) {
        router.get("/analyst/s/{survey_id}/texts", use: search)
        router.post("/analyst/s/{survey_id}/texts/bulk", use: bulkCode)
        router.post("/analyst/s/{survey_id}/texts/bulk/{bulk_id}/undo", use: undo)
    }

    @Sendable func search(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        let visit = try await PageVisit(request, consultation: consultation)
        _ = try visit.requireStaff([.analyst, .organizer])
        let parameters = try request.formQuery()
        let value: (String) -> String? = { parameters[$0] }
        var view = try await formView(survey, value)
        do {
            let search = try TextSearchRequest(survey: survey, value)
            let cursor = try PageCursor(value)
            let page = try await consultation.storing {
                try await consultation.database.textSearch.page(
                    of: survey, query: search.query, filters: search.filters, after: cursor.after, limit: cursor.limit)
            }
            view["searched"] = true
            view["hits"] = page.hits.map { hitView($0, survey: survey) }
            view["hasHits"] = !page.hits.isEmpty
            view["totalText"] = Self.totalText(page)
            view["nextLink"] = false
            if let next = page.next {
                view["nextLink"] = "/analyst/s/\(survey.id)/texts?" + Self.queryString(search.parameters + [(name: "after", value: String(next))])
            }
            view["firstLink"] = false
            if cursor.after != nil { view["firstLink"] = "/analyst/s/\(survey.id)/texts?" + Self.queryString(search.parameters) }
            view["searchFields"] = search.parameters.map { ["name": $0.name, "value": $0.value] }
            view["canBulkCode"] = !page.hits.isEmpty
            // Position papers (extract): the files whose extracted text matches.
            let files = try await AttachmentSearchResults.page(
                of: survey, search: search, cursor: cursor, value: value, consultation: consultation)
            view.merge(AttachmentSearchResults.view(
                files, survey: survey, parameters: search.parameters, after: value("attachments_after").flatMap { Int64($0) })) { _, new in new }
        } catch let problem as Problem where problem.status == .badRequest {
            view["searchError"] = problem.detail
            return visit.page(renderer, "analyst-texts", view, status: .badRequest)
        } catch let refusal as ReadingRoomRefusal {
            view["searchError"] = refusal.message
            return visit.page(renderer, "analyst-texts", view, status: Problem(refusal).status)
        }
        if let bulk = parameters["bulk"].flatMap(Int64.init) {
            let records = try await consultation.storing { try await consultation.database.bulkCodings.recent(of: survey) }
            if let record = records.first(where: { $0.id == bulk }) {
                view["notice"] = record.undoneAt == nil
                    ? "Coded \(record.answers) answers with the theme “\(record.themeName)”."
                    : "The bulk coding \(record.id) (“\(record.themeName)”) was undone."
            }
        }
        return visit.page(renderer, "analyst-texts", view)
    }

    /// The bulk-coding form posts here: `action=preview` (or none) shows how many answers it touches,
    /// `action=confirm` codes them and returns to the search, `action=back` returns without coding.
    @Sendable func bulkCode(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        let visit = try await PageVisit(request, consultation: consultation)
        let principal = try visit.requireStaff([.analyst, .organizer])
        var request = request
        let form = try await request.formFields()
        try visit.checkFormToken(form)
        let coder = try TextSearchController.coder(principal)
        var fields: [String: String] = [:]
        for name in TextSearchRequest.names { fields[name] = form[name] }
        // The theme to apply arrives as `code_theme`: the search's own theme filter stays a filter.
        let search = try TextSearchRequest(survey: survey) { fields[$0] }
        guard let themeText = form["code_theme"], let theme = Int64(themeText), theme > 0 else {
            throw Problem.badRequest("Choose the theme to code the search's answers with.")
        }
        let back = "/analyst/s/\(survey.id)/texts?" + Self.queryString(search.parameters)
        let bulk = consultation.database.bulkCodings
        switch form["action"] ?? "preview" {
        case "back":
            return visit.redirect(to: back)
        case "confirm":
            let now = consultation.clock.now()
            let record = try await consultation.storing {
                try await bulk.apply(to: survey, query: search.query, filters: search.filters, theme: theme, by: coder, at: now)
            }
            return visit.redirect(to: back + (search.parameters.isEmpty ? "" : "&") + "bulk=\(record.id)")
        default:
            let counts = try await consultation.storing {
                try await bulk.preview(of: survey, query: search.query, filters: search.filters, theme: theme, by: coder)
            }
            let themes = try await consultation.storing { try await bulk.codableThemes(of: survey) }
            return visit.page(renderer, "analyst-texts-bulk", [
                "title": "Code the search – \(survey.title)", "surveyId": survey.id.rawValue, "surveyTitle": survey.title,
                "themeId": theme, "themeName": themes.first(where: { $0.id == theme })?.name ?? "theme \(theme)",
                "matches": counts.matches, "toCode": counts.toCode, "already": counts.matches - counts.toCode,
                "searchText": TextSearchFilters.describe(search.query, search.filters),
                "searchFields": search.parameters.map { ["name": $0.name, "value": $0.value] },
                "backLink": back,
            ])
        }
    }

    @Sendable func undo(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        let visit = try await PageVisit(request, consultation: consultation)
        let principal = try visit.requireStaff([.analyst, .organizer])
        var request = request
        let form = try await request.formFields()
        try visit.checkFormToken(form)
        guard let id = Int64(try pathID(context, "bulk_id")), id > 0 else { throw Problem.notFound("There is no such bulk coding.") }
        let coder = try TextSearchController.coder(principal)
        let now = consultation.clock.now()
        let record = try await consultation.storing {
            try await consultation.database.bulkCodings.undo(id, of: survey, by: coder, at: now)
        }
        return visit.redirect(to: "/analyst/s/\(survey.id)/texts?bulk=\(record.id)")
    }

    /// The form's controls with the values given, the themes, and the recent bulk codings.
    private func formView(_ survey: Survey, _ value: (String) -> String?) async throws -> [String: Any] {
        let bulk = consultation.database.bulkCodings
        let (themes, recent) = try await consultation.storing {
            (try await bulk.codableThemes(of: survey, includingClosed: true), try await bulk.recent(of: survey))
        }
        func options(_ name: String, _ choices: [(String, String)]) -> [[String: Any]] {
            let chosen = value(name) ?? ""
            let any: [String: Any] = ["value": "", "label": "Any", "selected": chosen.isEmpty]
            return [any] + choices.map { ["value": $0.0, "label": $0.1, "selected": $0.0 == chosen] as [String: Any] }
        }
        let regions = Set(CountryTable.all.compactMap(\.m49SubRegion)).sorted()
        return [
            "wide": true, "title": "Search the answers – \(survey.title)", "surveyId": survey.id.rawValue,
            "surveyTitle": survey.title, "q": value("q") ?? "",
            "questionOptions": options("question", TextSearchRequest.textQuestions(of: survey).map { ($0.id.rawValue, $0.text) }),
            "sectorOptions": options("sector", (survey.sectors.map(\.id.rawValue) + [RespondentProfile.unclassified.rawValue])
                .map { ($0, survey.sectorLabel($0)) }),
            "regionOptions": options("region", regions.map { ($0, $0) } + [(CountryTable.unknownRegion, "Unknown")]),
            "countryOptions": options("country", CountryTable.all.map { ($0.alpha2, $0.name) }),
            "publicationOptions": options("publication", PublicationChoice.allCases.map { ($0.rawValue, Self.publicationLabel($0)) }),
            "levelOptions": options("level", survey.scoring?.levels.map { ($0.id.rawValue, $0.label) } ?? []),
            "hasLevels": survey.scoring != nil,
            "themeOptions": options("theme", themes.map { (String($0.id), $0.name) }),
            "codedOptions": options("coded", [("yes", "Coded"), ("no", "Not coded")]),
            "languageOptions": options("language", LanguageNames.filterChoices(surveyLanguage: survey.language)),
            "codeThemes": themes.filter(\.open).map { ["id": $0.id, "name": $0.name] as [String: Any] },
            "hasThemes": themes.contains(where: \.open),
            "recent": recent.map { record -> [String: Any] in
                [
                    "id": record.id, "themeName": record.themeName, "answers": record.answers,
                    "query": record.query.isEmpty ? "(no query)" : record.query, "coder": record.coder,
                    "at": Instant.utcText(record.at), "undone": record.undoneAt.map { Instant.utcText($0) as Any } ?? false,
                ]
            },
            "hasRecent": !recent.isEmpty,
            "searched": false, "searchError": false, "notice": false,
        ]
    }

    private func hitView(_ hit: TextHit, survey: Survey) -> [String: Any] {
        [
            "respondent": hit.respondent,
            "link": "/analyst/s/\(survey.id)/respondents/\(hit.respondent)",
            "question": TextSearchController.fieldLabel(hit.field, survey: survey),
            "sector": survey.sectorLabel(hit.finalSector),
            "confidential": hit.isConfidential,
            "codings": hit.codings > 0 ? hit.codings as Any : false,
            "foreignLanguage": LanguageRule.verdict(of: hit.language, surveyLanguage: survey.language) == .foreign
                ? LanguageNames.name(hit.language.code) as Any : false,
            "pieces": hit.snippet.pieces.map { ["text": UntrustedText.pageView($0.text), "mark": $0.highlighted] as [String: Any] },
        ]
    }

    static func publicationLabel(_ choice: PublicationChoice) -> String {
        switch choice {
        case .publicNamed: "Public, with name"
        case .publicAnonymous: "Public, anonymous"
        case .confidential: "Confidential"
        }
    }

    static func totalText(_ page: TextSearchPage) -> String {
        if !page.totalIsExact { return "More than \(page.total) answers found." }
        return page.total == 1 ? "1 answer found." : "\(page.total) answers found."
    }

    /// `a=1&b=x%20y`: the pairs percent-encoded for a link.
    static func queryString(_ pairs: [(name: String, value: String)]) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return pairs.map {
            "\($0.name)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")"
        }.joined(separator: "&")
    }
}
