import ConsultCore
import ConsultStore
import Foundation
import GRDB

/// Themes and codings inserted with SQL into an export fixture's database (the themes and coding
/// store types belong to another part of the reading room), and what the test expects of them.
struct REFIQDASeed {
    struct Theme {
        let id: Int64
        let guid: String
        let name: String
        let parent: Int64?
        let retired: Bool
    }

    struct Coding {
        let guid: String
        let themeID: Int64
        let seq: Int64
        let submissionID: String
        let field: OpenTextField
        let span: Range<Int>?
        let removed: Bool
        let onEarlierText: Bool
        let coderID: Int64
        /// The coded text as stored (exact).
        let text: String
        let publication: PublicationChoice
        let sector: String
    }

    var themes: [Theme] = []
    var codings: [Coding] = []
    var coders: [Int64: String] = [:]
    /// The submission whose first answer text was given CR LF line endings, and the coding on it.
    var crlfCoding: String = ""

    /// A small deterministic generator, so a failure can be replayed.
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    /// Fills open_text from the stored answers (as the ingest of the search part will), adds two coders,
    /// five themes (three levels, one retired) and codings on `textCount` texts.
    static func insert(into path: String, survey: Survey, textCount: Int, seed: UInt64) throws -> REFIQDASeed {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        var result = REFIQDASeed()
        try queue.write { db in
            try db.execute(sql: """
                INSERT OR IGNORE INTO open_text (submission_seq, question, kind, text)
                    SELECT a.submission_seq, q.code, CASE WHEN a.option IS NULL THEN 'answer' ELSE 'other' END, a.text
                    FROM answer_value a JOIN answer_code q ON q.id = a.question
                    WHERE a.text IS NOT NULL ORDER BY a.submission_seq, a.position;
                INSERT OR IGNORE INTO open_text (submission_seq, question, kind, text)
                    SELECT seq, '', 'sector', other_sector_text FROM submission WHERE other_sector_text IS NOT NULL ORDER BY seq;
                """)
            for name in ["Ada Analyst", "Bo Coder"] {
                try db.execute(sql: """
                    INSERT INTO role_token (role, name, token_hash, created_at_ms) VALUES ('analyst', ?, randomblob(32), 1)
                    """, arguments: [name])
                result.coders[db.lastInsertedRowID] = name
            }
            func theme(_ name: String, parent: Int64?, depth: Int, colour: String, retired: Bool = false) throws -> Int64 {
                let guid = UUID().uuidString
                try db.execute(sql: """
                    INSERT INTO theme (survey_id, guid, parent_id, depth, name, description, colour, created_at_ms, retired_at_ms)
                    VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?)
                    """, arguments: [survey.id.rawValue, guid, parent, depth, name, "About \(name) & <more>", colour, retired ? 2 : nil])
                let id = db.lastInsertedRowID
                result.themes.append(Theme(id: id, guid: guid, name: name, parent: parent, retired: retired))
                return id
            }
            let risks = try theme("Risks", parent: nil, depth: 1, colour: "#CC0000")
            let privacy = try theme("Privacy", parent: risks, depth: 2, colour: "#AA3300")
            _ = try theme("Neural data", parent: privacy, depth: 3, colour: "#881100")
            _ = try theme("Uses", parent: nil, depth: 1, colour: "#0055AA")
            _ = try theme("Old framing", parent: nil, depth: 1, colour: "#777777", retired: true)

            // One public respondent's answer text gets CR LF line endings and a coding after them.
            let crlfText = "First line\r\nsecond line\r\nthe coded words here"
            let crlfRow = try Row.fetchOne(db, sql: """
                SELECT o.id, o.submission_seq, o.question FROM open_text o JOIN submission s ON s.seq = o.submission_seq
                WHERE s.survey_id = ? AND s.publication = 'public_anonymous' AND o.kind = 'answer' AND o.question = 'uses_comments'
                ORDER BY o.id LIMIT 1
                """, arguments: [survey.id.rawValue])!
            try db.execute(sql: "UPDATE open_text SET text = ? WHERE id = ?", arguments: [crlfText, crlfRow[0] as Int64])
            let crlfID: Int64 = crlfRow[0]

            var generator = Generator(state: seed)
            let coderIDs = result.coders.keys.sorted()
            let rows = try Row.fetchAll(db, sql: """
                SELECT o.id, o.submission_seq, s.id, o.question, o.kind, CAST(o.text AS BLOB), s.publication, s.final_sector
                FROM open_text o JOIN submission s ON s.seq = o.submission_seq
                WHERE s.survey_id = ? ORDER BY o.id LIMIT ?
                """, arguments: [survey.id.rawValue, textCount])
            for row in rows {
                let id: Int64 = row[0]
                let text = String(decoding: row[5] as Data, as: UTF8.self)
                let scalars = text.unicodeScalars.count
                guard scalars > 0, let field = OpenTextField(storedQuestion: row[3], kind: row[4]) else { continue }
                let codings = id == crlfID ? 0 : generator.next(3)
                for _ in 0..<codings {
                    let theme = result.themes[generator.next(result.themes.count)]
                    var span: Range<Int>?
                    if generator.next(3) > 0 {
                        let start = generator.next(scalars)
                        span = start..<(start + 1 + generator.next(scalars - start))
                    }
                    result.codings.append(Coding(
                        guid: UUID().uuidString, themeID: theme.id, seq: row[1], submissionID: row[2], field: field, span: span,
                        removed: generator.next(10) == 0, onEarlierText: generator.next(10) == 0,
                        coderID: coderIDs[generator.next(coderIDs.count)], text: text,
                        publication: PublicationChoice(rawValue: row[6])!, sector: row[7]))
                }
            }
            let crlfSubmission = try String.fetchOne(db, sql: "SELECT id FROM submission WHERE seq = ?", arguments: [crlfRow[1] as Int64])!
            let crlfStart = "First line\r\nsecond line\r\nthe ".unicodeScalars.count
            result.crlfCoding = UUID().uuidString
            result.codings.append(Coding(
                guid: result.crlfCoding, themeID: result.themes[3].id, seq: crlfRow[1], submissionID: crlfSubmission,
                field: OpenTextField(question: QuestionID("uses_comments"), kind: .answer), span: crlfStart..<(crlfStart + "coded words".count),
                removed: false, onEarlierText: false, coderID: coderIDs[0], text: crlfText, publication: .publicAnonymous,
                sector: try String.fetchOne(db, sql: "SELECT final_sector FROM submission WHERE seq = ?", arguments: [crlfRow[1] as Int64])!))

            for coding in result.codings {
                try db.execute(sql: """
                    INSERT INTO coding (guid, survey_id, theme_id, submission_seq, question, kind, version, start_offset, end_offset,
                        on_earlier_text, coder_id, coded_at_ms, removed_at_ms, removed_by)
                    VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, 1795000000000, ?, ?)
                    """, arguments: [
                        coding.guid, survey.id.rawValue, coding.themeID, coding.seq, coding.field.storedQuestion, coding.field.kind.rawValue,
                        coding.span?.lowerBound, coding.span?.upperBound, coding.onEarlierText, coding.coderID,
                        coding.removed ? 1_795_000_100_000 : nil, coding.removed ? coding.coderID : nil,
                    ])
            }
        }
        return result
    }

    /// Whether a coding's text may leave in a project export (the publication rule of Disclosure.swift).
    func exported(_ coding: Coding, in survey: Survey) -> Bool {
        guard !coding.removed, !coding.onEarlierText else { return false }
        guard let question = coding.field.question else { return coding.publication.disclosesOtherSectorText }
        guard let definition = survey.questions.first(where: { $0.id == question }) else { return false }
        return coding.publication.disclosesText(of: definition)
    }

    /// The words a coding selects, with line endings made LF as in the project's sources.
    static func selectedWords(_ coding: Coding) -> String {
        let scalars = Array(coding.text.unicodeScalars)
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[coding.span ?? 0..<scalars.count])
        return String(view).replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
    }
}
