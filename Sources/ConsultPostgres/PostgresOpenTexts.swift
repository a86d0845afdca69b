import ConsultCore
import ConsultStore
import Foundation
import PostgresNIO

// issue 18: the reading room's texts on PostgreSQL.

/// Keeps `open_text` equal to the free texts of every submission's latest version, inside the
/// transaction that stores or edits it, under the rules of the SQLite store's `OpenTextIndex`: an
/// edit touches only the texts it changes (an unchanged text keeps its row and id, the search's
/// keyset cursor); a changed or removed text marks the codings made on it `on_earlier_text`, for
/// good. The languages were guessed before the transaction (``VersionContent/languages``).
enum PostgresOpenTexts {
    /// Writes the free texts of newly stored submission `seq`.
    static func insert(
        _ texts: OpenTexts, languages: TextLanguages, words: [OpenTextField: [String]], of seq: Int64, on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        guard !texts.texts.isEmpty else { return }
        var binds = PostgresBindings()
        var values: [String] = []
        for field in texts.fields {
            let text = texts[field] ?? ""
            let columns = TextLanguageColumns.columns(of: languages.guess(for: field, text: text))
            let first = binds.count + 1
            binds.append(seq)
            binds.append(field.storedQuestion)
            binds.append(field.kind.rawValue)
            try binds.append(Data(text.utf8))
            binds.append(try SearchWords.vector(of: text, words: words[field]))
            binds.append(columns.language)
            binds.append(columns.guess)
            binds.append(columns.percent)
            binds.append(columns.reliable)
            values.append("($\(first), $\(first + 1), $\(first + 2), $\(first + 3), $\(first + 4)::tsvector, "
                + "$\(first + 5), $\(first + 6), $\(first + 7), $\(first + 8))")
        }
        try await connection.run(PostgresQuery(
            unsafeSQL: """
                INSERT INTO open_text (submission_seq, question, kind, text, words, language, language_guess, language_percent,
                    language_reliable)
                VALUES \(values.joined(separator: ", "))
                """,
            binds: binds), logger: logger)
    }

    /// Brings the free texts of submission `seq` to `texts` (its new latest version).
    static func replace(
        of seq: Int64, with texts: OpenTexts, languages: TextLanguages, words: [OpenTextField: [String]],
        on connection: PostgresConnection, logger: Logger
    ) async throws {
        let stored = try await connection.all(
            "SELECT id, question, kind, text FROM open_text WHERE submission_seq = \(seq) ORDER BY id",
            as: (Int64, String, String, Data).self, logger: logger)
        var present: Set<OpenTextField> = []
        for (id, question, kind, bytes) in stored {
            let field = OpenTextField(storedQuestion: question, kind: kind)
            if let field, let new = texts[field] {
                present.insert(field)
                // Compared as bytes: canonically equivalent texts differ in code points (the codings' offsets).
                guard Data(new.utf8) != bytes else { continue }
                let columns = TextLanguageColumns.columns(of: languages.guess(for: field, text: new))
                try await connection.run(
                    """
                    UPDATE open_text SET text = \(Data(new.utf8)), words = \(try SearchWords.vector(of: new, words: words[field]))::tsvector,
                        language = \(columns.language), language_guess = \(columns.guess), language_percent = \(columns.percent),
                        language_reliable = \(columns.reliable)
                    WHERE id = \(id)
                    """, logger: logger)
            } else {
                try await connection.run("DELETE FROM open_text WHERE id = \(id)", logger: logger)
            }
            try await connection.run(
                """
                UPDATE coding SET on_earlier_text = true
                WHERE submission_seq = \(seq) AND question = \(question) AND kind = \(kind) AND NOT on_earlier_text
                """, logger: logger)
        }
        try await insert(
            OpenTexts(texts.texts.filter { !present.contains($0.key) }), languages: languages, words: words, of: seq,
            on: connection, logger: logger)
    }
}

extension PostgresStore {
    /// The storing transaction's reading-room part for new submission `seq` (`id`): its pseudonym and texts.
    func readingRoomStored(_ content: VersionContent, id: String, seq: Int64, on connection: PostgresConnection) async throws {
        try await connection.run(
            "INSERT INTO respondent_pseudonym (pseudonym, submission_seq) VALUES (\(pseudonyms.pseudonym(for: id)), \(seq))",
            logger: logger)
        try await PostgresOpenTexts.insert(
            content.openTexts, languages: content.languages, words: content.searchWords, of: seq, on: connection, logger: logger)
    }

    /// The editing transaction's reading-room part: the texts of submission `seq` brought to `content`'s.
    func readingRoomEdited(_ content: VersionContent, seq: Int64, on connection: PostgresConnection) async throws {
        try await PostgresOpenTexts.replace(
            of: seq, with: content.openTexts, languages: content.languages, words: content.searchWords, on: connection, logger: logger)
    }
}
