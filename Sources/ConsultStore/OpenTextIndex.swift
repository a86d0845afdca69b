import ConsultCore
import Foundation
import GRDB

/// Keeps `open_text` (and through its triggers the FTS5 index `open_text_search`) equal to the
/// free texts of every submission's latest version, inside the transaction that stores or edits it.
///
/// An edit touches only the texts it changes: an unchanged text keeps its row, its id (the search's
/// keyset cursor) and its index entry. When an edit changes or removes a text, the codings made on
/// it are marked `on_earlier_text`: they keep pointing at the words of the version they were made
/// on (their `version`), never at the new words. The mark is never taken back, even if a later edit
/// restores the words. A sector re-assignment changes no text: searches read the final sector from
/// `submission`.
enum OpenTextIndex {
    /// Writes the free texts of a newly stored submission `seq`, with their `languages`.
    static func insert(_ texts: OpenTexts, languages: TextLanguages, of seq: Int64, in db: Database) throws {
        guard !texts.texts.isEmpty else { return }
        let insert = try db.cachedStatement(sql: """
            INSERT INTO open_text (submission_seq, question, kind, text, language, language_guess, language_percent, language_reliable)
            VALUES (?, ?, ?, CAST(? AS TEXT), ?, ?, ?, ?)
            """)
        for field in texts.fields {
            let text = texts[field] ?? ""
            try insert.execute(arguments: StatementArguments(
                [seq, field.storedQuestion, field.kind.rawValue, ExactText.bindable(text)]
                    + TextLanguageColumns.values(of: languages.guess(for: field, text: text))))
        }
    }

    /// Brings the free texts of submission `seq` to `texts` (its new latest version).
    static func replace(of seq: Int64, with texts: OpenTexts, languages: TextLanguages, in db: Database) throws {
        let stored = try Row.fetchAll(
            db, sql: "SELECT id, question, kind, \(ExactText.select("text")) AS bytes FROM open_text WHERE submission_seq = ?",
            arguments: [seq])
        var present: Set<OpenTextField> = []
        for row in stored {
            let id: Int64 = row["id"]
            let question: String = row["question"], kind: String = row["kind"]
            let field = OpenTextField(storedQuestion: question, kind: kind)
            let new = field.flatMap { texts[$0] }
            let old = ExactText.decode(row["bytes"]) ?? ""
            if let field, let new {
                present.insert(field)
                // Compared as bytes: Swift's == equates canonically equivalent texts, whose code points
                // (and so the codings' offsets) differ.
                guard !new.utf8.elementsEqual(old.utf8) else { continue }
                try db.execute(
                    sql: """
                        UPDATE open_text SET text = CAST(? AS TEXT), language = ?, language_guess = ?, language_percent = ?,
                            language_reliable = ?
                        WHERE id = ?
                        """,
                    arguments: StatementArguments(
                        [ExactText.bindable(new)] + TextLanguageColumns.values(of: languages.guess(for: field, text: new)) + [id]))
            } else {
                try db.execute(sql: "DELETE FROM open_text WHERE id = ?", arguments: [id])
            }
            try db.execute(
                sql: """
                    UPDATE coding SET on_earlier_text = 1
                    WHERE submission_seq = ? AND question = ? AND kind = ? AND on_earlier_text = 0
                    """,
                arguments: [seq, question, kind])
        }
        try insert(OpenTexts(texts.texts.filter { !present.contains($0.key) }), languages: languages, of: seq, in: db)
    }
}
