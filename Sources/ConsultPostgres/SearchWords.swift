import ConsultCore
import ConsultStore
import Foundation

// issue 18: full-text search on PostgreSQL with FTS5's words.

/// The reading room's search on PostgreSQL: texts and queries cut into words by SQLite's own FTS5
/// tokenizer (``FTS5Scratch``), so that both engines find the same texts. PostgreSQL's parsers cut
/// words otherwise ("well-being" is three words there, an e-mail address or "3.5" one), which would
/// change what phrases and prefixes find; its `tsvector` and `tsquery` are only given the words.
enum SearchWords {
    /// The highest word position a `tsvector` keeps (later words all get this one).
    static let lastPosition = 16_383
    /// The longest word a `tsvector` keeps, in bytes; longer words are left out of the index.
    static let longestWord = 2_046
    /// The positions a `tsvector` keeps of one word.
    static let positionsPerWord = 256
    /// The size a `tsvector` may have (about a megabyte): an attached file's text may hold more words.
    static let vectorBytes = 1_000_000

    /// The `tsvector` of `text` in PostgreSQL's text form: each word with its positions (from 1). `words`: the
    /// text's words if they were cut already. Within PostgreSQL's limits: longer words, a word's positions past
    /// 256, and words past a megabyte are left out.
    static func vector(of text: String, words: [String]? = nil) throws -> String {
        var positions: [String: [Int]] = [:]
        var order: [String] = []
        var bytes = 0
        for (index, word) in try (words ?? FTS5Scratch.shared.words(of: text)).enumerated() {
            let size = word.utf8.count
            guard size <= longestWord else { continue }
            let position = min(index + 1, lastPosition)
            // A word costs its bytes, an alignment byte and a count; each position two bytes.
            if positions[word] == nil {
                guard bytes + size + 5 <= vectorBytes else { continue }
                bytes += size + 5
                order.append(word)
                positions[word] = [position]
            } else if positions[word]!.count < positionsPerWord, positions[word]!.last != position, bytes + 2 <= vectorBytes {
                bytes += 2
                positions[word]!.append(position)
            }
        }
        return order.map { word in quoted(word) + ":" + positions[word]!.map(String.init).joined(separator: ",") }
            .joined(separator: " ")
    }

    /// The `tsquery` (text form) that finds what FTS5 finds for `query`, or nil when it finds nothing
    /// (FTS5 reads a term without words, such as "—", as matching no text).
    static func query(_ query: TextQuery) throws -> String? {
        guard let expression = query.expression else {
            throw ReadingRoomRefusal.malformedQuery("syntax error in \(query.text)")
        }
        return try self.query(expression)
    }

    private static func query(_ expression: TextQuery.Expression) throws -> String? {
        switch expression {
        case .term(let term):
            return try phrase(term)
        case .and(let left, let right):
            guard let left = try query(left), let right = try query(right) else { return nil }
            return "(\(left) & \(right))"
        case .or(let left, let right):
            let (left, right) = (try query(left), try query(right))
            guard let left else { return right }
            guard let right else { return left }
            return "(\(left) | \(right))"
        case .andNot(let left, let right):
            guard let left = try query(left) else { return nil }
            guard let right = try query(right) else { return left }
            return "(\(left) & !\(right))"
        }
    }

    /// A word, a `"phrase"` (quotes doubled inside) and either with a trailing `*`: its words one
    /// after the other, the last one a prefix when starred.
    private static func phrase(_ term: String) throws -> String? {
        var text = Substring(term)
        let prefix = text.hasSuffix("*")
        if prefix { text = text.dropLast() }
        var inner = String(text)
        if text.hasPrefix("\""), text.hasSuffix("\""), text.count >= 2 {
            inner = String(text.dropFirst().dropLast()).replacingOccurrences(of: "\"\"", with: "\"")
        }
        let words = try FTS5Scratch.shared.words(of: inner)
        // A word too long for the index is in no text's `tsvector`.
        guard !words.isEmpty, words.allSatisfy({ $0.utf8.count <= longestWord }) else { return nil }
        let parts = words.enumerated().map { index, word in
            quoted(word) + (prefix && index == words.count - 1 ? ":*" : "")
        }
        return "(" + parts.joined(separator: " <-> ") + ")"
    }

    /// A lexeme quoted for `tsvector`/`tsquery` input.
    private static func quoted(_ word: String) -> String {
        "'" + word.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "''") + "'"
    }
}
