import ConsultCore
import ConsultLanguage
import GRDB

/// CLD2's guess for each free text of one version, made before the write transaction (like the
/// other prepared data) so the single writer only stores it. About 10–40 µs per text (BENCHMARKS.md).
package struct TextLanguages: Sendable {
    package let guesses: [OpenTextField: LanguageGuess]
    /// Whether a text without a prepared guess is guessed when stored (always, but for ``none``).
    private let guessing: Bool

    /// Guesses the language of every text in `texts`.
    package init(_ texts: OpenTexts) {
        guesses = texts.texts.mapValues(LanguageIdentifier.guess)
        guessing = true
    }

    private init(guesses: [OpenTextField: LanguageGuess], guessing: Bool) {
        self.guesses = guesses
        self.guessing = guessing
    }

    /// No guesses, every text stored as undetermined: for stores that keep no reading-room texts, and
    /// the ingest benchmark's run without the guess.
    package static let none = TextLanguages(guesses: [:], guessing: false)

    /// CLD2's answer when it found no language.
    package static let noGuess = LanguageGuess(code: TextLanguage.undeterminedCode, percent: 0, letterBytes: 0, isReliable: false)

    /// The guess for `text` (made now if it was not prepared).
    package func guess(for field: OpenTextField, text: String) -> LanguageGuess {
        guesses[field] ?? (guessing ? LanguageIdentifier.guess(text) : Self.noGuess)
    }
}

/// The language columns of `open_text`: the language ``LanguageRule`` assigns (`und` when
/// undetermined), and CLD2's own guess, share and reliability behind it.
package enum TextLanguageColumns {
    /// `language = ?, language_guess = ?, language_percent = ?, language_reliable = ?` in this order.
    static func values(of guess: LanguageGuess) -> [DatabaseValueConvertible] {
        let columns = columns(of: guess)
        return [columns.language, columns.guess, columns.percent, columns.reliable]
    }

    /// The columns' values for `guess`, on every engine.
    package static func columns(of guess: LanguageGuess) -> (language: String, guess: String, percent: Int, reliable: Bool) {
        (LanguageRule.language(of: guess).code, guess.code, guess.percent, guess.isReliable)
    }

    /// Adds the columns and fills them for every text already stored (migration "v12-text-language").
    /// The texts are read and judged in batches, so a large store needs no memory for all of them.
    static func migrate(_ db: Database) throws {
        try db.execute(sql: """
            -- The language consult assigns the text (LanguageRule: a code, or 'und' when the text is too
            -- short or too mixed to judge), and CLD2's guess, its share of the letters and its reliability.
            ALTER TABLE open_text ADD COLUMN language TEXT NOT NULL DEFAULT 'und';
            ALTER TABLE open_text ADD COLUMN language_guess TEXT NOT NULL DEFAULT 'und';
            ALTER TABLE open_text ADD COLUMN language_percent INTEGER NOT NULL DEFAULT 0
                CHECK (language_percent BETWEEN 0 AND 100);
            ALTER TABLE open_text ADD COLUMN language_reliable INTEGER NOT NULL DEFAULT 0
                CHECK (language_reliable IN (0, 1));
            """)
        let update = try db.makeStatement(sql: """
            UPDATE open_text SET language = ?, language_guess = ?, language_percent = ?, language_reliable = ? WHERE id = ?
            """)
        var after: Int64 = 0
        while true {
            let rows = try Row.fetchAll(
                db, sql: "SELECT id, \(ExactText.select("text")) AS bytes FROM open_text WHERE id > ? ORDER BY id LIMIT 1000",
                arguments: [after])
            guard let last = rows.last else { break }
            for row in rows {
                let guess = LanguageIdentifier.guess(ExactText.decode(row["bytes"]) ?? "")
                try update.execute(arguments: StatementArguments(values(of: guess) + [row["id"] as Int64]))
            }
            after = last["id"]
        }
    }
}

/// `consult_language_verdict(language, survey_language)`: ``LanguageRule/verdict(of:surveyLanguage:)``
/// in SQL ('survey-language', 'foreign' or 'undetermined'), so filters and counts use the one rule.
enum LanguageVerdictFunction {
    static let function = DatabaseFunction("consult_language_verdict", argumentCount: 2, pure: true) { values in
        guard let language = String.fromDatabaseValue(values[0]), let survey = String.fromDatabaseValue(values[1]) else { return nil }
        return LanguageRule.verdict(of: TextLanguage(code: language), surveyLanguage: survey).rawValue
    }
}
