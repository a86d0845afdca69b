import ConsultCore
import ConsultStore
import Foundation

/// The words of attached files' text and of search queries on PostgreSQL, cut and folded by the rules of
/// SQLite's FTS5 `unicode61 remove_diacritics 2` tokenizer (which the SQLite store's search uses), so that one
/// query finds the same files on both engines: letters, digits, private-use characters (and combining marks,
/// which fold away) make words, everything else parts them; case and diacritics are folded.
enum AttachmentSearchWords {
    /// PostgreSQL's limits of a tsvector: a lexeme's bytes, a position, positions per lexeme, the words and
    /// positions together (1 MiB less a margin).
    static let longestLexeme = 2_046
    static let lastPosition = 16_383
    static let positionsPerLexeme = 256
    static let vectorBytes = 1_000_000

    static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            return ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
        }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .decimalNumber,
            .letterNumber, .otherNumber, .privateUse, .nonspacingMark:
            return true
        default:
            return false
        }
    }

    /// Letters FTS5 folds otherwise than by lower case and canonical decomposition (its case folding, and
    /// letters its diacritics table leaves alone).
    static let exceptions: [Unicode.Scalar: String] = [
        "\u{17F}": "s", "\u{1E9B}": "s", "\u{B5}": "\u{3BC}", "\u{3C2}": "\u{3C3}", "\u{3D0}": "\u{3B2}",
        "\u{3D1}": "\u{3B8}", "\u{3D5}": "\u{3C6}", "\u{3D6}": "\u{3C0}", "\u{3F0}": "\u{3BA}", "\u{3F1}": "\u{3C1}",
        "\u{3F5}": "\u{3B5}", "\u{1E0}": "\u{1E1}", "\u{1E1}": "\u{1E1}",
    ]

    /// One letter folded: lower case; a Latin letter without its diacritics (FTS5 keeps those of other
    /// scripts, such as й or ά); a combining mark to nothing.
    static func fold(_ scalar: Unicode.Scalar) -> String {
        if let exception = exceptions[scalar] { return exception }
        var folded = String.UnicodeScalarView()
        for lower in scalar.properties.lowercaseMapping.unicodeScalars where lower.properties.generalCategory != .nonspacingMark {
            let parts = String(lower).decomposedStringWithCanonicalMapping.unicodeScalars
            if let base = parts.first, base.isASCII {
                folded.append(contentsOf: parts.filter { $0.properties.generalCategory != .nonspacingMark })
            } else {
                folded.append(lower)
            }
        }
        return String(folded)
    }

    /// The words of `text`, folded, with where each stands in it.
    static func words(of text: String) -> [(word: String, range: Range<String.Index>)] {
        var words: [(word: String, range: Range<String.Index>)] = []
        var folded: [Unicode.Scalar: String] = [:]
        let scalars = text.unicodeScalars
        var index = scalars.startIndex
        while index < scalars.endIndex {
            guard isWordScalar(scalars[index]) else {
                index = scalars.index(after: index)
                continue
            }
            let start = index
            while index < scalars.endIndex, isWordScalar(scalars[index]) { index = scalars.index(after: index) }
            var letters = String.UnicodeScalarView()
            for scalar in scalars[start..<index] {
                if scalar.isASCII {
                    letters.append(("A"..."Z").contains(scalar) ? Unicode.Scalar(scalar.value + 32)! : scalar)
                } else if let known = folded[scalar] {
                    letters.append(contentsOf: known.unicodeScalars)
                } else {
                    let letter = fold(scalar)
                    folded[scalar] = letter
                    letters.append(contentsOf: letter.unicodeScalars)
                }
            }
            let word = String(letters)
            // A word of combining marks alone folds to nothing: FTS5 drops it too.
            if !word.isEmpty { words.append((word, start..<index)) }
        }
        return words
    }

    /// The tsvector of `text` in PostgreSQL's input syntax: each word with its positions (1, 2, … in text order).
    /// Within PostgreSQL's limits: longer words, and words or positions past a megabyte, are left out.
    static func vector(of text: String) -> String {
        var positions: [String: [Int]] = [:]
        var order: [String] = []
        var bytes = 0
        for (position, word) in words(of: text).map(\.word).enumerated() {
            let size = word.utf8.count
            guard size <= longestLexeme else { continue }
            // A word costs its bytes, an alignment byte and a count; each position two bytes.
            if positions[word] == nil {
                guard bytes + size + 5 <= vectorBytes else { continue }
                bytes += size + 5
                order.append(word)
                positions[word] = [min(position + 1, lastPosition)]
            } else if positions[word]!.count < positionsPerLexeme, bytes + 2 <= vectorBytes {
                bytes += 2
                positions[word]!.append(min(position + 1, lastPosition))
            }
        }
        return order.map { word in
            quoted(word) + ":" + positions[word]!.map(String.init).joined(separator: ",")
        }.joined(separator: " ")
    }

    static func quoted(_ lexeme: String) -> String {
        "'" + lexeme.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "''") + "'"
    }
}
