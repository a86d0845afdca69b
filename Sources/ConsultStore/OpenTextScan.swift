import ConsultCore
import Foundation
import GRDB

/// One free text of the open-text table, read by ``SQLiteOpenTextScan``.
public struct ScannedOpenText {
    package init(question: Int, seq: Int64, submissionID: String, sector: String, publication: PublicationChoice, text: String) {
        self.question = question
        self.seq = seq
        self.submissionID = submissionID
        self.sector = sector
        self.publication = publication
        self.text = text
    }

    /// Which of the scanned questions it answers (its index in the list given to the scan).
    public let question: Int
    /// The submission's storage order: texts arrive in this order, a submission's texts together.
    public let seq: Int64
    public let submissionID: String
    public let sector: String
    public let publication: PublicationChoice
    public let text: String
}

/// Streams the free texts (text, e-mail, "other" text) of several questions in one pass, in
/// submission order, for the analysis' open-text table (issue 19: exports).
///
/// Each question's texts come from the partial index `answer_value_text` in submission order,
/// joined to their submission, so SQLite never sorts them; the questions' streams are merged by
/// submission, so a submission's texts arrive together (its pseudonym is made once). The caller
/// groups them by sector as it needs. All reads run in one read transaction (a consistent
/// snapshot); the call blocks the calling thread for the whole stream: run it off Swift's
/// cooperative threads.
public struct SQLiteOpenTextScan: OpenTextScan {
    let database: ConsultDatabase

    public init(database: ConsultDatabase) {
        self.database = database
    }

    /// Calls `body` with every text of `sources` by respondents with one of its publications,
    /// ordered by submission, then by the order of `sources`, then by the value's position.
    public func forEachText(survey: SurveyID, sources: [OpenTextSource], _ body: (ScannedOpenText) throws -> Void) throws {
        try database.pool.read { db in
            var streams: [(index: Int, cursor: RowCursor, row: Row?)] = []
            for (index, source) in sources.enumerated() where !source.publications.isEmpty {
                guard let code = try Int64.fetchOne(
                    db, sql: "SELECT id FROM answer_code WHERE code = ?", arguments: [source.question.rawValue])
                else { continue }
                let placeholders = Array(repeating: "?", count: source.publications.count).joined(separator: ", ")
                // ORDER BY follows the partial index (question, submission_seq, position): no sort.
                let cursor = try Row.fetchCursor(db, sql: """
                    SELECT a.submission_seq, s.id, s.final_sector, s.publication, \(ExactText.select("a.text"))
                    FROM answer_value a INDEXED BY answer_value_text JOIN submission s ON s.seq = a.submission_seq
                    WHERE a.question = ? AND a.text IS NOT NULL AND s.survey_id = ? AND s.publication IN (\(placeholders))
                    ORDER BY a.question, a.submission_seq, a.position
                    """, arguments: [code, survey.rawValue] + StatementArguments(source.publications.map(\.rawValue)))
                streams.append((index, cursor, try cursor.next()))
            }
            while true {
                // The stream whose next text belongs to the earliest submission (the first such on a tie).
                var next: Int?, nextSeq = Int64.max
                for position in streams.indices {
                    guard let row = streams[position].row else { continue }
                    let seq: Int64 = row[0]
                    if seq < nextSeq { (next, nextSeq) = (position, seq) }
                }
                guard let next, let row = streams[next].row else { return }
                try body(ScannedOpenText(
                    question: streams[next].index, seq: nextSeq, submissionID: row[1], sector: row[2],
                    publication: PublicationChoice(stored: row[3]), text: ExactText.decode(row[4]) ?? ""))
                streams[next].row = try streams[next].cursor.next()
            }
        }
    }
}

/// One question to scan: its id and the publication choices whose texts may be read.
public struct OpenTextSource: Sendable {
    public let question: QuestionID
    public let publications: [PublicationChoice]

    public init(question: QuestionID, publications: [PublicationChoice]) {
        self.question = question
        self.publications = publications
    }
}
