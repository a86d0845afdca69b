import ConsultCore

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
