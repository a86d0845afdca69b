import ConsultCore
import Foundation

// issue 18 (reading room on PostgreSQL): the reading room's values made by every engine.

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
