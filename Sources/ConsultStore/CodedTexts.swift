// refiqda: what a REFI-QDA project export reads.
import ConsultCore
import Foundation
import GRDB

/// A coding in force (not removed) as a project export carries it.
public struct CodingInForce: Sendable, Hashable {
    package init(
        guid: String, themeGUID: String, field: OpenTextField, span: Range<Int>?, onEarlierText: Bool, coderID: Int64, codedAt: Date
    ) {
        self.guid = guid
        self.themeGUID = themeGUID
        self.field = field
        self.span = span
        self.onEarlierText = onEarlierText
        self.coderID = coderID
        self.codedAt = codedAt
    }

    public let guid: String
    public let themeGUID: String
    public let field: OpenTextField
    /// [start, end) in Unicode scalars of the coded version's text; nil for the whole text.
    public let span: Range<Int>?
    /// Made on a text the respondent has since changed: its offsets are of that earlier text.
    public let onEarlierText: Bool
    public let coderID: Int64
    public let codedAt: Date
}

/// One respondent's latest version: profile facts, free texts and the codings on them.
public struct CodedRespondent: Sendable {
    package init(
        submissionID: String, receivedAt: Date, finalSector: String, country: String?, publication: PublicationChoice,
        level: String?, texts: [OpenTextField: String], codings: [CodingInForce]
    ) {
        self.submissionID = submissionID
        self.receivedAt = receivedAt
        self.finalSector = finalSector
        self.country = country
        self.publication = publication
        self.level = level
        self.texts = texts
        self.codings = codings
    }

    public let submissionID: String
    public let receivedAt: Date
    public let finalSector: String
    public let country: String?
    public let publication: PublicationChoice
    public let level: String?
    /// The free texts of the latest version, exact, by field.
    public let texts: [OpenTextField: String]
    public let codings: [CodingInForce]
}

/// A role token that coded in a survey.
public struct CodingUser: Sendable, Hashable {
    package init(id: Int64, name: String) {
        self.id = id
        self.name = name
    }

    public let id: Int64
    public let name: String
}

/// One consistent read of a survey's codebook, coders and coded texts; valid only inside
/// ``SQLiteCodedTexts/read(survey:_:)``.
public struct SQLiteCodedTextsSnapshot: CodedTextsSnapshot {
    let db: Database
    let survey: SurveyID

    /// The themes not merged away, parents first (as the analysis lists them).
    public func themes() throws -> [ThemeSummary] {
        try SQLiteThemeCounts.themes(survey: survey, in: db)
    }

    /// The role tokens with a coding in force in the survey, by id.
    public func coders() throws -> [CodingUser] {
        try Row.fetchAll(db, sql: """
            SELECT r.id, r.name FROM role_token r
            WHERE r.id IN (SELECT coder_id FROM coding WHERE survey_id = ? AND removed_at_ms IS NULL) ORDER BY r.id
            """, arguments: [survey.rawValue]).map { CodingUser(id: $0[0], name: $0[1]) }
    }

    /// Streams every submission's latest version, oldest first, with its free texts and codings in force
    /// (three cursors walked side by side in submission order, so memory stays flat).
    public func forEachRespondent(_ body: (CodedRespondent) throws -> Void) throws {
        let submissions = try Row.fetchCursor(db, sql: """
            SELECT seq, id, received_at_ms, final_sector, country, publication, level
            FROM submission WHERE survey_id = ? ORDER BY seq
            """, arguments: [survey.rawValue])
        let range = "BETWEEN (SELECT min(seq) FROM submission WHERE survey_id = ?1) AND (SELECT max(seq) FROM submission WHERE survey_id = ?1)"
        let texts = try Row.fetchCursor(db, sql: """
            SELECT submission_seq, question, kind, \(ExactText.select("text")) FROM open_text
            WHERE submission_seq \(range) ORDER BY submission_seq
            """, arguments: [survey.rawValue])
        let codings = try Row.fetchCursor(db, sql: """
            SELECT c.submission_seq, c.guid, t.guid, c.question, c.kind, c.start_offset, c.end_offset, c.on_earlier_text,
                c.coder_id, c.coded_at_ms
            FROM coding c JOIN theme t ON t.id = c.theme_id
            WHERE c.survey_id = ?1 AND c.removed_at_ms IS NULL AND c.submission_seq \(range)
            ORDER BY c.submission_seq, c.id
            """, arguments: [survey.rawValue])
        var pendingText = try texts.next().map { row -> (Int64, OpenTextField?, String) in
            (row[0], OpenTextField(storedQuestion: row[1], kind: row[2]), ExactText.decode(row[3]) ?? "")
        }
        func nextText() throws {
            pendingText = try texts.next().map { row in (row[0], OpenTextField(storedQuestion: row[1], kind: row[2]), ExactText.decode(row[3]) ?? "") }
        }
        func decodeCoding(_ row: Row) -> (Int64, CodingInForce?) {
            let start: Int? = row[5], end: Int? = row[6]
            let field = OpenTextField(storedQuestion: row[3], kind: row[4])
            return (row[0], field.map { field in
                CodingInForce(
                    guid: row[1], themeGUID: row[2], field: field, span: start.flatMap { start in end.map { start..<$0 } },
                    onEarlierText: row[7], coderID: row[8], codedAt: Date(milliseconds: row[9]))
            })
        }
        var pendingCoding = try codings.next().map(decodeCoding)
        while let row = try submissions.next() {
            let seq: Int64 = row[0]
            var fields: [OpenTextField: String] = [:]
            while let text = pendingText, text.0 <= seq {
                if text.0 == seq, let field = text.1 { fields[field] = text.2 }
                try nextText()
            }
            var coded: [CodingInForce] = []
            while let coding = pendingCoding, coding.0 <= seq {
                if coding.0 == seq, let value = coding.1 { coded.append(value) }
                pendingCoding = try codings.next().map(decodeCoding)
            }
            try body(CodedRespondent(
                submissionID: row[1], receivedAt: Date(milliseconds: row[2]), finalSector: row[3], country: row[4],
                publication: PublicationChoice(stored: row[5]), level: row[6], texts: fields, codings: coded))
        }
    }
}

/// Reads a survey's coded texts for a project export.
public struct SQLiteCodedTexts: CodedTexts {
    let pool: DatabasePool

    /// Runs `body` inside one read transaction, so every pass it makes sees the same data.
    /// Blocks the calling thread: call it off Swift's cooperative threads.
    public func read<T>(survey: SurveyID, _ body: (any CodedTextsSnapshot) throws -> T) throws -> T {
        try pool.read { db in try body(SQLiteCodedTextsSnapshot(db: db, survey: survey)) }
    }
}

extension ConsultDatabase {
    /// The coded texts of surveys, for REFI-QDA projects.
    public var codedTexts: any CodedTexts { SQLiteCodedTexts(pool: pool) }
}
