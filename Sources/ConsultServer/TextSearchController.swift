import ConsultCore
import ConsultStore
import Foundation
import Hummingbird

/// The reading room's search API: every free text of a survey, searched with FTS5 and filtered,
/// in keyset pages; bulk coding of a search (with a preview) and its undo. Analysts and organizers.
struct TextSearchController {
    let consultation: Consultation

    func addRoutes(to router: Router<ConsultRequestContext>) {
        router.get("/api/v1/surveys/{survey_id}/texts", use: search)
        router.post("/api/v1/surveys/{survey_id}/bulk-codings", use: bulkCode)
        router.post("/api/v1/surveys/{survey_id}/bulk-codings/{bulk_id}/undo", use: undo)
    }

    @Sendable func search(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        _ = try await consultation.require([.analyst, .organizer], for: request)
        let parameters = try request.formQuery()
        let search = try TextSearchRequest(survey: survey) { parameters[$0] }
        let cursor = try PageCursor { parameters[$0] }
        let page = try await consultation.storing {
            try await consultation.database.textSearch.page(
                of: survey, query: search.query, filters: search.filters, after: cursor.after, limit: cursor.limit)
        }
        // Position papers (extract): the files whose extracted text matches.
        let files = try await AttachmentSearchResults.page(
            of: survey, search: search, cursor: cursor, value: { parameters[$0] }, consultation: consultation)
        var members: [String: JSONValue] = [
            "survey_id": .string(survey.id.rawValue),
            "total": .number(Double(page.total)),
            "total_is_exact": .bool(page.totalIsExact),
            "next_after": page.next.map { JSONValue.number(Double($0)) } ?? .null,
            "texts": .array(page.hits.map { Self.hitJSON($0, survey: survey) }),
        ]
        members.merge(AttachmentSearchResults.json(files, survey: survey)) { old, _ in old }
        return json(.object(members))
    }

    /// `{"theme": 12, "q": "…", <filters>, "preview": true}`: with `preview` the counts only, else the bulk coding made.
    @Sendable func bulkCode(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        let coder = try Self.coder(try await consultation.require([.analyst, .organizer], for: request))
        var request = request
        let (members, _) = try await request.jsonObject()
        let allowed = Set(TextSearchRequest.names + ["preview"])
        if let unknown = members.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw Problem.badRequest("Unknown member \"\(unknown)\"; the members are \(allowed.sorted().joined(separator: ", ")).")
        }
        var strings: [String: String] = [:]
        for (name, value) in members where name != "preview" {
            switch value {
            case .string(let text): strings[name] = text
            case .number(let number) where name == "theme" && number == number.rounded() && abs(number) < 1e15:
                strings[name] = String(Int64(number))
            default: throw Problem.badRequest("\(name) must be a string\(name == "theme" ? " or a whole number" : "").")
            }
        }
        var preview = false
        switch members["preview"] {
        case nil: break
        case .bool(let value)?: preview = value
        default: throw Problem.badRequest("preview must be true or false.")
        }
        let search = try TextSearchRequest(survey: survey) { strings[$0] }
        guard let themeID = search.filters.theme else {
            throw Problem.badRequest("theme: give the id of the theme to code the search's texts with.")
        }
        // The theme to apply is not a filter: the texts found are those of the query and the other filters.
        var filters = search.filters
        filters.theme = nil
        let bulk = consultation.database.bulkCodings
        if preview {
            let counts = try await consultation.storing {
                try await bulk.preview(of: survey, query: search.query, filters: filters, theme: themeID, by: coder)
            }
            return json(.object([
                "preview": .bool(true), "theme": .number(Double(themeID)), "matches": .number(Double(counts.matches)),
                "to_code": .number(Double(counts.toCode)),
            ]))
        }
        let now = consultation.clock.now()
        let record = try await consultation.storing {
            try await bulk.apply(to: survey, query: search.query, filters: filters, theme: themeID, by: coder, at: now)
        }
        return json(Self.bulkJSON(record), status: .created)
    }

    @Sendable func undo(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        let principal = try await consultation.require([.analyst, .organizer], for: request)
        guard let id = Int64(try pathID(context, "bulk_id")), id > 0 else {
            throw Problem.notFound("There is no such bulk coding.")
        }
        let coder = try Self.coder(principal)
        let now = consultation.clock.now()
        let record = try await consultation.storing {
            try await consultation.database.bulkCodings.undo(id, of: survey, by: coder, at: now)
        }
        return json(Self.bulkJSON(record))
    }

    /// The coder a principal that `require` accepted is: its role token.
    static func coder(_ principal: Principal) throws -> Coder {
        guard let coder = Coder(principal) else { throw Problem.forbidden("Only holders of a role token can code.") }
        return coder
    }

    static func hitJSON(_ hit: TextHit, survey: Survey) -> JSONValue {
        .object([
            "id": .number(Double(hit.id)),
            "respondent": .string(hit.respondent),
            "question": hit.field.question.map { JSONValue.string($0.rawValue) } ?? .null,
            "question_label": .string(fieldLabel(hit.field, survey: survey)),
            "kind": .string(hit.field.kind.rawValue),
            "sector": .string(hit.finalSector),
            "sector_label": .string(survey.sectorLabel(hit.finalSector)),
            "publication": .string(hit.publication.rawValue),
            "confidential": .bool(hit.isConfidential),
            "version": .number(Double(hit.version)),
            "codings": .number(Double(hit.codings)),
            "language": .string(hit.language.code),
            "language_verdict": .string(LanguageRule.verdict(of: hit.language, surveyLanguage: survey.language).rawValue),
            "snippet": .string(hit.snippet.plainText),
            "highlights": .array(hit.snippet.pieces.map {
                .object(["text": .string($0.text), "highlighted": .bool($0.highlighted)])
            }),
            "respondent_url": .string("/analyst/s/\(survey.id)/respondents/\(hit.respondent)"),
        ])
    }

    /// What a person reads for the field: the question's text, marked for "other" texts.
    static func fieldLabel(_ field: OpenTextField, survey: Survey) -> String {
        switch field.kind {
        case .sector: return "Sector (other, please specify)"
        case .other: return (field.question.flatMap(survey.question)?.text ?? field.storedQuestion) + " (other, please specify)"
        case .answer: return field.question.flatMap(survey.question)?.text ?? field.storedQuestion
        }
    }

    static func bulkJSON(_ record: BulkCodingRecord) -> JSONValue {
        .object([
            "id": .number(Double(record.id)),
            "theme": .number(Double(record.themeID)),
            "theme_name": .string(record.themeName),
            "q": .string(record.query),
            "filters": record.filters,
            "coder": .string(record.coder),
            "coded_at": .string(Instant.utcText(record.at)),
            "answers": .number(Double(record.answers)),
            "undone_at": record.undoneAt.map { JSONValue.string(Instant.utcText($0)) } ?? .null,
        ])
    }
}
