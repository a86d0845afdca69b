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

/// A checked ``TextQuery`` as FTS5 reads it, for PostgreSQL: a tree of phrases, AND, OR and "and not".
indirect enum AttachmentSearchQuery: Equatable {
    /// Words next to each other; `prefix`: the last one begins a word.
    case phrase([String], prefix: Bool)
    case and(AttachmentSearchQuery, AttachmentSearchQuery)
    case or(AttachmentSearchQuery, AttachmentSearchQuery)
    case andNot(AttachmentSearchQuery, AttachmentSearchQuery)
    /// A term without words (punctuation in quotes): FTS5 finds nothing for it.
    case nothing

    init(_ query: TextQuery) {
        // TextQuery checked the text: the tokens parse.
        var parser = Parser(tokens: (try? TextQuery.tokens(of: query.text)) ?? [])
        self = parser.or()
    }

    /// The query in tsquery syntax, or nil when it finds nothing.
    var tsquery: String? {
        switch simplified {
        case .nothing: nil
        case let other: other.text
        }
    }

    /// The phrases a found file's snippet highlights: those not behind a NOT.
    var highlighted: [(words: [String], prefix: Bool)] {
        switch self {
        case .phrase(let words, let prefix): words.isEmpty ? [] : [(words, prefix)]
        case .and(let left, let right), .or(let left, let right): left.highlighted + right.highlighted
        case .andNot(let left, _): left.highlighted
        case .nothing: []
        }
    }

    private var simplified: AttachmentSearchQuery {
        switch self {
        case .phrase(let words, _): return words.isEmpty ? .nothing : self
        case .and(let left, let right):
            let (left, right) = (left.simplified, right.simplified)
            return left == .nothing || right == .nothing ? .nothing : .and(left, right)
        case .or(let left, let right):
            let (left, right) = (left.simplified, right.simplified)
            return left == .nothing ? right : right == .nothing ? left : .or(left, right)
        case .andNot(let left, let right):
            let (left, right) = (left.simplified, right.simplified)
            return left == .nothing ? .nothing : right == .nothing ? left : .andNot(left, right)
        case .nothing: return .nothing
        }
    }

    private var text: String {
        switch self {
        case .phrase(let words, let prefix):
            "(" + words.enumerated().map { index, word in
                AttachmentSearchWords.quoted(word) + (prefix && index == words.count - 1 ? ":*" : "")
            }.joined(separator: " <-> ") + ")"
        case .and(let left, let right): "(\(left.text) & \(right.text))"
        case .or(let left, let right): "(\(left.text) | \(right.text))"
        case .andNot(let left, let right): "(\(left.text) & !\(right.text))"
        case .nothing: ""
        }
    }

    /// FTS5's precedence: NOT binds closest, then AND (or words side by side), then OR.
    private struct Parser {
        let tokens: [TextQuery.Token]
        var position = 0

        mutating func or() -> AttachmentSearchQuery {
            var node = and()
            while position < tokens.count, tokens[position] == .or {
                position += 1
                node = .or(node, and())
            }
            return node
        }

        mutating func and() -> AttachmentSearchQuery {
            var node = not()
            while position < tokens.count {
                switch tokens[position] {
                case .and:
                    position += 1
                    node = .and(node, not())
                case .term, .open: node = .and(node, not())
                default: return node
                }
            }
            return node
        }

        mutating func not() -> AttachmentSearchQuery {
            var node = primary()
            while position < tokens.count, tokens[position] == .not {
                position += 1
                node = .andNot(node, primary())
            }
            return node
        }

        mutating func primary() -> AttachmentSearchQuery {
            guard position < tokens.count else { return .nothing }
            let token = tokens[position]
            position += 1
            switch token {
            case .term(let text, let prefix):
                let inner = text.hasPrefix("\"") && text.hasSuffix("\"") && text.count >= 2 ? String(text.dropFirst().dropLast()) : text
                return .phrase(AttachmentSearchWords.words(of: inner).map(\.word), prefix: prefix)
            case .open:
                let node = or()
                if position < tokens.count, tokens[position] == .close { position += 1 }
                return node
            default:
                return .nothing
            }
        }
    }
}

/// A found file's snippet as FTS5's `snippet(…, 24)` makes it: up to 24 words around the most matches, the
/// matched words between ``HighlightedSnippet`` marks, "…" where the text goes on.
enum AttachmentSnippet {
    static let words = 24

    static func marked(_ text: String, query: AttachmentSearchQuery) -> String {
        let found = AttachmentSearchWords.words(of: text)
        guard !found.isEmpty else { return "" }
        // Each instance of a phrase is one highlighted span, as FTS5 marks it.
        var matches = [Bool](repeating: false, count: found.count)
        var joined = [Bool](repeating: false, count: found.count)
        for (phrase, prefix) in query.highlighted where phrase.count <= found.count {
            for start in 0...(found.count - phrase.count) {
                let isInstance = phrase.indices.allSatisfy { offset in
                    let word = found[start + offset].word
                    return prefix && offset == phrase.count - 1 ? word.hasPrefix(phrase[offset]) : word == phrase[offset]
                }
                guard isInstance else { continue }
                for offset in phrase.indices {
                    matches[start + offset] = true
                    if offset > 0 { joined[start + offset] = true }
                }
            }
        }
        // The window with the most matched words, the earliest of equals, moved so its matches sit in its middle.
        var best = (start: 0, count: -1)
        var count = 0
        for index in found.indices {
            if matches[index] { count += 1 }
            if index >= words, matches[index - words] { count -= 1 }
            let start = max(0, index - words + 1)
            if count > best.count { best = (start, count) }
        }
        var start = best.start
        if let first = (start..<min(found.count, start + words)).first(where: { matches[$0] }),
            let last = (start..<min(found.count, start + words)).last(where: { matches[$0] })
        {
            start = max(0, min(first - (words - (last - first + 1)) / 2, found.count - words))
        }
        let end = min(found.count, start + words)
        func slice(_ range: Range<String.Index>) -> String { String(String.UnicodeScalarView(text.unicodeScalars[range])) }
        var marked = start == 0 ? slice(text.startIndex..<found[0].range.lowerBound) : "…"
        let (open, close) = (String(HighlightedSnippet.open), String(HighlightedSnippet.close))
        for index in start..<end {
            let continues = index > start && joined[index]
            if index > start {
                if matches[index - 1], !continues { marked += close }
                marked += slice(found[index - 1].range.upperBound..<found[index].range.lowerBound)
            }
            if matches[index], !continues { marked += open }
            marked += slice(found[index].range)
        }
        if matches[end - 1] { marked += close }
        marked += end == found.count ? slice(found[end - 1].range.upperBound..<text.endIndex) : "…"
        return marked
    }
}
