import ConsultCore
import Foundation
import GRDB

/// Restores the free texts that versions before ``ExactText`` cut at their first U+0000.
///
/// The answer rows and the "other" sector text lost everything after the NUL, but each version's
/// canonical answers JSON kept the text whole (as `\u0000`): the repair reads the latest version's
/// JSON of every submission that has such an escape and writes its texts back exactly.
enum CutTextRepair {
    static func run(_ db: Database) throws {
        let versions = try Row.fetchAll(db, sql: """
            SELECT s.seq, \(ExactText.select("s.other_sector_text")), v.answers_json FROM submission s
            JOIN submission_version v ON v.submission_seq = s.seq AND v.version = s.version
            WHERE instr(v.answers_json, '\\u0000') > 0
            """)
        for version in versions {
            let seq: Int64 = version[0]
            let answers = try JSONDecoder().decode(JSONValue.self, from: Data((version[2] as String).utf8))
            guard case .object(let byQuestion) = answers else { continue }
            var otherTexts: [String] = []
            let rows = try Row.fetchAll(db, sql: """
                SELECT a.position, q.code FROM answer_value a JOIN answer_code q ON q.id = a.question
                WHERE a.submission_seq = ? AND a.text IS NOT NULL
                """, arguments: [seq])
            for row in rows {
                guard let answer = byQuestion[row[1] as String], let text = wholeText(of: answer) else { continue }
                if case .string = answer {
                    // A text or e-mail answer, not an "other" text.
                } else {
                    otherTexts.append(text)
                }
                try db.execute(
                    sql: "UPDATE answer_value SET text = CAST(? AS TEXT) WHERE submission_seq = ? AND position = ?",
                    arguments: [ExactText.bindable(text), seq, row[0]])
            }
            // The "other" sector text is the sector question's "other" text: the one whose cut form it is.
            if let cut = ExactText.decode(version[1]) {
                let candidates = Set(otherTexts.filter { $0.contains("\u{0}") && cutAtNUL($0) == cut })
                if candidates.count == 1, let whole = candidates.first {
                    try db.execute(
                        sql: "UPDATE submission SET other_sector_text = CAST(? AS TEXT) WHERE seq = ?",
                        arguments: [ExactText.bindable(whole), seq])
                }
            }
        }
    }

    /// The text an answer stored in its row: a text or e-mail, or the "other" text of a choice.
    private static func wholeText(of answer: JSONValue) -> String? {
        switch answer {
        case .string(let text): return text
        case .object(let members):
            if case .string(let other)? = members["other"] { return other }
            return nil
        case .array(let choices):
            for case .object(let members) in choices {
                if case .string(let other)? = members["other"] { return other }
            }
            return nil
        default: return nil
        }
    }

    /// What a C string made of `text`: everything before the first NUL.
    private static func cutAtNUL(_ text: String) -> String {
        String(decoding: text.utf8.prefix { $0 != 0 }, as: UTF8.self)
    }
}
