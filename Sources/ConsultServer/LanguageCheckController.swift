import ConsultCore
import ConsultLanguage
import Hummingbird

/// `POST /api/v1/surveys/{survey_id}/language-check`: the language of a text as the store would
/// judge it, and the respondent's note when it is not the survey's language. Stores nothing; the
/// answer pages' script calls it while a long answer is typed (lang, issue 15).
struct LanguageCheckController {
    let consultation: Consultation

    /// The longest text checked, in bytes; longer ones are judged on their start, which is enough.
    static let checkedBytes = 16_384

    func addRoutes(to router: Router<ConsultRequestContext>) {
        router.post("/api/v1/surveys/{survey_id}/language-check", use: check)
    }

    @Sendable func check(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        var request = request
        let (members, _) = try await request.jsonObject()
        if let unknown = members.keys.sorted().first(where: { $0 != "text" }) {
            throw Problem.badRequest("Unknown member \"\(unknown)\"; the body is {\"text\": \"…\"}.")
        }
        guard case .string(let text)? = members["text"] else {
            throw Problem.badRequest("The body must be {\"text\": \"…\"} with the text as a string.")
        }
        let checked = String(decoding: text.utf8.prefix(Self.checkedBytes), as: UTF8.self)
        let language = LanguageIdentifier.language(of: checked)
        let verdict = LanguageRule.verdict(of: language, surveyLanguage: survey.language)
        return json(.object([
            "language": .string(language.code),
            "verdict": .string(verdict.rawValue),
            "note": verdict == .foreign ? .string(LanguageNote.note(looksLike: language, survey: survey)) : .null,
        ]))
    }
}
