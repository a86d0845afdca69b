import Foundation
import GRDB

// issue 18 (reading room on PostgreSQL): the one tokenizer and snippet of the reading room's search.

/// SQLite's FTS5 (`unicode61 remove_diacritics 2`, the reading room's tokenizer) run on one text at a
/// time in a private in-memory database, for an engine that indexes the texts itself: its words are
/// FTS5's own (same case folding, same diacritics removed, same separators), so that a search finds
/// the same texts on both engines, and its snippets are FTS5's `snippet()`.
package final class FTS5Scratch: @unchecked Sendable {
    /// The tokenizer of `open_text_search` (ReadingRoomSchema).
    package static let tokenizer = "unicode61 remove_diacritics 2"

    /// Scratch databases not in use: each holds one text at a time, so callers on several threads
    /// take one each (a new one when all are taken) instead of waiting for one another.
    private var idle: [DatabaseQueue] = []
    private let lock = NSLock()

    /// The process's scratch databases.
    package static let shared = FTS5Scratch()

    private static func makeQueue() throws -> DatabaseQueue {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: """
                CREATE VIRTUAL TABLE scratch USING fts5(text, tokenize = '\(tokenizer)');
                CREATE VIRTUAL TABLE scratch_words USING fts5vocab(scratch, 'instance');
                """)
        }
        return queue
    }

    /// Runs `body` on a scratch database of its own.
    private func withScratch<T>(_ body: (Database) throws -> T) throws -> T {
        let queue = try lock.withLock { idle.popLast() } ?? Self.makeQueue()
        defer { lock.withLock { idle.append(queue) } }
        return try queue.inDatabase(body)
    }

    /// The words of `text` as FTS5 indexes them, in their order (the first word is at position 0).
    package func words(of text: String) throws -> [String] {
        try withScratch { db in
            try db.execute(sql: "DELETE FROM scratch")
            try db.execute(
                sql: "INSERT INTO scratch (rowid, text) VALUES (1, CAST(? AS TEXT))", arguments: [ExactText.bindable(text)])
            return try String.fetchAll(db, sql: "SELECT term FROM scratch_words ORDER BY offset")
        }
    }

    /// The page snippet of `text` for the FTS5 query `query` (matches between U+E000 and U+E001,
    /// as ``SQLiteTextSearch`` makes it), or nil when the query does not match the text.
    package func snippet(of text: String, query: String) throws -> HighlightedSnippet? {
        try withScratch { db in
            try db.execute(sql: "DELETE FROM scratch")
            try db.execute(
                sql: "INSERT INTO scratch (rowid, text) VALUES (1, CAST(? AS TEXT))", arguments: [ExactText.bindable(text)])
            let bytes = try Data.fetchOne(
                db, sql: "SELECT CAST(snippet(scratch, 0, ?, ?, '…', 24) AS BLOB) FROM scratch WHERE scratch MATCH ?",
                arguments: [String(HighlightedSnippet.open), String(HighlightedSnippet.close), query])
            guard let bytes else { return nil }
            return HighlightedSnippet(marked: ExactText.decode(bytes) ?? "", textHasMarks: HighlightedSnippet.hasMarks(text))
        }
    }
}

extension HighlightedSnippet {
    /// The snippet of a page without a query: the text's first 240 characters (code points, as
    /// SQLite's `substr` counts them), with "…" when there is more.
    package static func opening(of text: String) -> HighlightedSnippet {
        let scalars = text.unicodeScalars
        let cut = scalars.count > 240
        let shown = String(String.UnicodeScalarView(scalars.prefix(240))) + (cut ? "…" : "")
        return HighlightedSnippet(marked: shown, textHasMarks: hasMarks(text))
    }

    /// Whether `text` itself holds one of the marks, so that marks could not be told from the text.
    package static func hasMarks(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0 == open || $0 == close }
    }
}
