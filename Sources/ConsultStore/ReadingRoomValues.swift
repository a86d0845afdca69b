import ConsultCore
import Foundation

// issue 18 (reading room on PostgreSQL): the reading room's values made by every engine.

extension TextHit {
    package init(
        id: Int64, respondent: String, field: OpenTextField, finalSector: String, publication: PublicationChoice, version: Int,
        snippet: HighlightedSnippet, codings: Int, language: TextLanguage
    ) {
        self.id = id
        self.respondent = respondent
        self.field = field
        self.finalSector = finalSector
        self.publication = publication
        self.version = version
        self.snippet = snippet
        self.codings = codings
        self.language = language
    }
}

extension TextSearchPage {
    /// The page of the first `limit` of `hits` (one more is read to know whether there is a next
    /// page), with the matches counted up to ``exactTotalLimit`` + 1 (`counted`).
    package init(hits: [TextHit], limit: Int, counted: Int) {
        let shown = Array(hits.prefix(limit))
        self.init(
            hits: shown, next: hits.count > limit ? shown.last?.id : nil,
            total: min(counted, Self.exactTotalLimit), totalIsExact: counted <= Self.exactTotalLimit)
    }
}

extension RespondentFile {
    package init(
        seq: Int64, surveyID: String, respondent: String, version: Int, receivedAt: Date, updatedAt: Date,
        declaredSector: String, otherSectorText: String?, finalSector: String, country: String?, region: String?,
        publication: PublicationChoice, level: String?, versions: [Version]
    ) {
        self.seq = seq
        self.surveyID = surveyID
        self.respondent = respondent
        self.version = version
        self.receivedAt = receivedAt
        self.updatedAt = updatedAt
        self.declaredSector = declaredSector
        self.otherSectorText = otherSectorText
        self.finalSector = finalSector
        self.country = country
        self.region = region
        self.publication = publication
        self.level = level
        self.versions = versions
    }
}

extension RespondentFile.Version {
    package init(number: Int, receivedAt: Date, answersJSON: String) {
        self.number = number
        self.receivedAt = receivedAt
        self.answersJSON = answersJSON
    }
}

extension Theme {
    package init(
        id: Int64, guid: String, surveyID: String, parentID: Int64?, depth: Int, name: String, description: String,
        colour: String, createdAt: Date, retiredAt: Date?, mergedInto: Int64?, codings: Int
    ) {
        self.id = id
        self.guid = guid
        self.surveyID = surveyID
        self.parentID = parentID
        self.depth = depth
        self.name = name
        self.description = description
        self.colour = colour
        self.createdAt = createdAt
        self.retiredAt = retiredAt
        self.mergedInto = mergedInto
        self.codings = codings
    }
}

extension Coding {
    package init(
        id: Int64, guid: String, themeID: Int64, themeName: String, themeColour: String, submissionSeq: Int64,
        field: OpenTextField, version: Int, span: TextSpan?, onEarlierText: Bool, coderID: Int64, coder: String,
        codedAt: Date, bulkID: Int64?, removedAt: Date?
    ) {
        self.id = id
        self.guid = guid
        self.themeID = themeID
        self.themeName = themeName
        self.themeColour = themeColour
        self.submissionSeq = submissionSeq
        self.field = field
        self.version = version
        self.span = span
        self.onEarlierText = onEarlierText
        self.coderID = coderID
        self.coder = coder
        self.codedAt = codedAt
        self.bulkID = bulkID
        self.removedAt = removedAt
    }
}

extension ThemeSummary {
    package init(
        id: Int64, guid: String, parentGUID: String?, depth: Int, name: String, description: String, colour: String,
        retired: Bool, codings: Int, respondents: Int
    ) {
        self.id = id
        self.guid = guid
        self.parentGUID = parentGUID
        self.depth = depth
        self.name = name
        self.description = description
        self.colour = colour
        self.retired = retired
        self.codings = codings
        self.respondents = respondents
    }
}

extension ThemeSectorCount {
    package init(question: String, themeID: Int64, sector: String, respondents: Int) {
        self.question = question
        self.themeID = themeID
        self.sector = sector
        self.respondents = respondents
    }
}

extension CodebookImportResult {
    package init(created: Int, renamedGUIDs: [String: String]) {
        self.created = created
        self.renamedGUIDs = renamedGUIDs
    }
}

extension CodebookImportRefusal {
    package init(reason: Reason, message: String) {
        self.reason = reason
        self.message = message
    }
}

extension BulkCodingPreview {
    package init(matches: Int, toCode: Int) {
        self.matches = matches
        self.toCode = toCode
    }
}

extension ThemeChoice {
    package init(id: Int64, name: String, open: Bool) {
        self.id = id
        self.name = name
        self.open = open
    }
}

extension BulkCodingRecord {
    package init(
        id: Int64, themeID: Int64, themeName: String, query: String, filters: JSONValue, coder: String, at: Date, answers: Int,
        undoneAt: Date?
    ) {
        self.id = id
        self.themeID = themeID
        self.themeName = themeName
        self.query = query
        self.filters = filters
        self.coder = coder
        self.at = at
        self.answers = answers
        self.undoneAt = undoneAt
    }
}
