import ConsultCore
import ConsultStore
import Foundation
import Hummingbird

/// A reading-room search as the API's query parameters, the API's JSON body and the search page's
/// form give it: the query and the filters, each checked against the survey (a 400 problem says
/// which value is wrong and what it may be).
struct TextSearchRequest: Sendable {
    let query: TextQuery?
    let filters: TextSearchFilters

    /// The parameter names, in the order links repeat them.
    static let names = ["q", "question", "sector", "region", "country", "publication", "level", "theme", "coded", "language"]

    /// Reads the parameters `value` returns (nil or empty: not given).
    init(survey: Survey, _ value: (String) -> String?) throws {
        func given(_ name: String) -> String? {
            guard let text = value(name)?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            return text
        }
        if let q = given("q") {
            do {
                query = try TextQuery(q)
            } catch {
                throw Problem.malformedQuery(error.message)
            }
        } else {
            query = nil
        }
        var filters = TextSearchFilters()
        if let question = given("question") {
            let ids = Self.textQuestions(of: survey).map(\.id.rawValue)
            guard ids.contains(question) else {
                throw Problem.badRequest("question: \"\(question)\" is not a question of this survey with free text; "
                    + "those are \(ids.joined(separator: ", ")).")
            }
            filters.question = QuestionID(question)
        }
        if let sector = given("sector") {
            guard survey.acceptsFinalSector(SectorID(sector)) else {
                throw Problem.badRequest("sector: \"\(sector)\" is not a sector of this survey; the sectors are "
                    + (survey.sectors.map(\.id.rawValue) + [RespondentProfile.unclassified.rawValue]).joined(separator: ", ") + ".")
            }
            filters.sector = sector
        }
        if let region = given("region") {
            guard region == CountryTable.unknownRegion || CountryTable.all.contains(where: { $0.m49SubRegion == region }) else {
                throw Problem.badRequest("region: \"\(region)\" is not a UN M49 sub-region (such as Western Europe) nor \"unknown\".")
            }
            filters.region = region
        }
        if let country = given("country") {
            guard CountryTable.country(country) != nil else {
                throw Problem.badRequest("country: \"\(country)\" is not an ISO 3166-1 alpha-2 country code (such as AT).")
            }
            filters.country = country
        }
        if let publication = given("publication") {
            guard let choice = PublicationChoice(rawValue: publication) else {
                throw Problem.badRequest("publication: \"\(publication)\" is not one of public_named, public_anonymous, confidential.")
            }
            filters.publication = choice
        }
        if let level = given("level") {
            let levels = survey.scoring?.levels.map(\.id.rawValue) ?? []
            guard levels.contains(level) else {
                throw Problem.badRequest(levels.isEmpty
                    ? "level: this survey has no scored levels."
                    : "level: \"\(level)\" is not a level of this survey; the levels are \(levels.joined(separator: ", ")).")
            }
            filters.level = level
        }
        if let theme = given("theme") {
            guard let id = Int64(theme), id > 0 else { throw Problem.badRequest("theme: \"\(theme)\" is not a theme id (a positive whole number).") }
            filters.theme = id
        }
        if let coded = given("coded") {
            guard coded == "yes" || coded == "no" else { throw Problem.badRequest("coded: \"\(coded)\" must be yes or no.") }
            filters.coded = coded == "yes"
        }
        // lang (issue 15)
        if let language = given("language") {
            guard let filter = LanguageFilter(parameter: language) else {
                throw Problem.badRequest("language: \"\(language)\" must be survey-language, foreign, undetermined, "
                    + "or an ISO 639 language code such as fr (und: undetermined).")
            }
            filters.language = filter
        }
        self.filters = filters
    }

    /// The questions whose answers can hold free text: text and e-mail questions, choices with "other",
    /// and file questions (their files' extracted text).
    static func textQuestions(of survey: Survey) -> [Question] {
        survey.questions.filter { question in
            switch question.kind {
            case .text, .email, .file: true
            case .singleChoice(let list), .multipleChoice(let list, _): list.allowsOther
            default: false
            }
        }
    }

    /// The search's parameters as they were given, to repeat in links and forms.
    var parameters: [(name: String, value: String)] {
        var pairs: [(name: String, value: String)] = []
        if let query { pairs.append(("q", query.text)) }
        if case .object(let members) = filters.json {
            for name in Self.names where name != "q" {
                switch members[name] {
                case .string(let value)?: pairs.append((name, value))
                case .number(let value)?: pairs.append((name, String(Int64(value))))
                default: break
                }
            }
        }
        return pairs
    }
}

extension Request {
    /// The query string's parameters decoded as HTML forms and most clients encode them: `+` is a
    /// space (a search for "a+b" sends `a%2Bb`).
    func formQuery() throws -> FormFields {
        try FormFields(parsing: uri.query ?? "")
    }
}

/// `after` and `limit`: where a page of results starts, and how many it holds.
struct PageCursor: Sendable {
    let after: Int64?
    let limit: Int

    static let defaultLimit = 50

    init(_ value: (String) -> String?) throws {
        if let text = value("after"), !text.isEmpty {
            guard let id = Int64(text), id >= 0 else {
                throw Problem.badRequest("after: \"\(text)\" is not a cursor; use the next_after of the previous page.")
            }
            after = id
        } else {
            after = nil
        }
        if let text = value("limit"), !text.isEmpty {
            guard let count = Int(text), (1...TextSearchPage.maximumSize).contains(count) else {
                throw Problem.badRequest("limit: \"\(text)\" must be a whole number from 1 to \(TextSearchPage.maximumSize).")
            }
            limit = count
        } else {
            limit = Self.defaultLimit
        }
    }
}

extension Problem {
    /// A search query that cannot be read: `detail` says what is wrong.
    static func malformedQuery(_ message: String) -> Problem {
        Problem("malformed-query", status: .badRequest, title: "The search query cannot be read", detail: message)
    }

    /// The problem for each refusal of the reading room's search and bulk coding.
    init(_ refusal: ReadingRoomRefusal) {
        switch refusal {
        case .malformedQuery: self = .malformedQuery(refusal.message)
        // The same problems as the codebook's and the codings' (ThemeRefusal): one slug, one status.
        case .unknownTheme: self.init("unknown-theme", status: .notFound, title: "No such theme", detail: refusal.message)
        case .themeClosed: self.init("theme-inactive", status: .conflict, title: "The theme is retired", detail: refusal.message)
        case .unknownBulkCoding: self = .notFound(refusal.message)
        case .bulkCodingAlreadyUndone:
            self.init("bulk-coding-undone", status: .conflict, title: "The bulk coding was already undone", detail: refusal.message)
        }
    }
}
