import Foundation

/// A reading-room search query, checked against the part of SQLite's FTS5 query syntax that
/// consult documents: words, "quoted phrases", prefixes (`safe*`, `"data prot"*`), `AND`, `OR`,
/// `NOT` (upper case; "and not": `a NOT b`) and parentheses. Words next to each other must all
/// occur. Column filters, `NEAR`, `^` and `+` are refused, and so is any other punctuation outside
/// quotes, each with a sentence saying what is wrong, so a malformed query never reaches SQLite.
public struct TextQuery: Sendable, Hashable {
    /// The query as given (trimmed), which FTS5 reads.
    public let text: String

    /// The longest query accepted, in characters.
    public static let maximumLength = 500

    /// Checks `text`; throws ``TextQueryError`` saying what is wrong.
    public init(_ text: String) throws(TextQueryError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw TextQueryError("The query is empty: give a word, a \"phrase\" or a prefix*.") }
        guard trimmed.count <= Self.maximumLength else {
            throw TextQueryError("The query has \(trimmed.count) characters; at most \(Self.maximumLength) are allowed.")
        }
        var parser = Parser(tokens: try Self.tokens(of: trimmed))
        try parser.parseQuery()
        self.text = trimmed
    }

    /// A query taken as it is, unchecked: only for tests of what happens when SQLite refuses one.
    init(unchecked text: String) {
        self.text = text
    }

    enum Token: Equatable {
        case term(String)
        case and, or, not
        case open, close
    }

    /// Splits the query into terms (words or phrases, with a trailing `*`), operators and parentheses.
    static func tokens(of text: String) throws(TextQueryError) -> [Token] {
        var tokens: [Token] = []
        let scalars = Array(text.unicodeScalars)
        var index = 0
        func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
            // FTS5 barewords: letters, digits, "_", U+001A and every non-ASCII character.
            scalar.value > 127 || scalar.value == 0x1A || scalar == "_"
                || (scalar.properties.isAlphabetic && scalar.isASCII) || ("0"..."9").contains(scalar)
        }
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar.properties.isWhitespace {
                index += 1
            } else if scalar == "(" {
                tokens.append(.open)
                index += 1
            } else if scalar == ")" {
                tokens.append(.close)
                index += 1
            } else if scalar == "\"" {
                var phrase = String.UnicodeScalarView()
                index += 1
                var closed = false
                while index < scalars.count {
                    if scalars[index] == "\"" {
                        if index + 1 < scalars.count, scalars[index + 1] == "\"" {
                            phrase.append("\"")
                            index += 2
                            continue
                        }
                        closed = true
                        index += 1
                        break
                    }
                    phrase.append(scalars[index])
                    index += 1
                }
                guard closed else {
                    throw TextQueryError("A quotation mark is not closed: a phrase goes between two \" marks, as in \"data protection\".")
                }
                let end = try prefixStar(after: index, in: scalars)
                tokens.append(.term("\"" + String(phrase) + "\"" + (end > index ? "*" : "")))
                index = end
            } else if isWordScalar(scalar) {
                var word = String.UnicodeScalarView()
                while index < scalars.count, isWordScalar(scalars[index]) {
                    word.append(scalars[index])
                    index += 1
                }
                let text = String(word)
                if index < scalars.count, scalars[index] == ":" {
                    throw TextQueryError("\"\(text):\" looks like a column filter, which is not supported: use the filters of the search instead.")
                }
                switch text {
                case "AND": tokens.append(.and)
                case "OR": tokens.append(.or)
                case "NOT": tokens.append(.not)
                case "NEAR":
                    throw TextQueryError("NEAR is not supported: search for a \"phrase\" or combine words with AND.")
                default:
                    let end = try prefixStar(after: index, in: scalars)
                    tokens.append(.term(end > index ? text + "*" : text))
                    index = end
                }
            } else if scalar == "*" {
                throw TextQueryError("\"*\" must follow a word or phrase directly, as in safe* (it matches every word that begins so).")
            } else if scalar == "{" || scalar == "}" || scalar == ":" {
                throw TextQueryError("Column filters ({…} and :) are not supported: use the filters of the search instead.")
            } else {
                let shown = scalar.properties.isWhitespace || scalar.value < 32 ? "U+" + String(scalar.value, radix: 16, uppercase: true) : String(scalar)
                throw TextQueryError(
                    "\"\(shown)\" is not allowed outside quotation marks: put words with punctuation in quotes, as in \"well-being\".")
            }
        }
        return tokens
    }

    /// Skips a prefix `*` right after a term; refuses a second one or one followed by a word.
    private static func prefixStar(after index: Int, in scalars: [Unicode.Scalar]) throws(TextQueryError) -> Int {
        guard index < scalars.count, scalars[index] == "*" else { return index }
        let next = index + 1
        if next < scalars.count, scalars[next] == "*" || scalars[next] == "\"" || scalars[next].properties.isAlphabetic
            || ("0"..."9").contains(scalars[next])
        {
            throw TextQueryError("\"*\" can only end a word or phrase, as in safe*; it cannot stand inside one.")
        }
        return next
    }

    /// query := expression; expression := and-group (OR and-group)*; and-group := not-group ((AND)? not-group)*;
    /// not-group := primary (NOT primary)*; primary := term | "(" expression ")".
    struct Parser {
        let tokens: [Token]
        var position = 0

        @discardableResult
        mutating func parseQuery() throws(TextQueryError) -> Expression {
            let expression = try parseOr()
            if position < tokens.count {
                if tokens[position] == .close {
                    throw TextQueryError("A \")\" has no \"(\" before it.")
                }
                throw TextQueryError("The query could not be read past \(describe(tokens[position])).")
            }
            return expression
        }

        private mutating func parseOr() throws(TextQueryError) -> Expression {
            var expression = try parseAnd()
            while position < tokens.count, tokens[position] == .or {
                position += 1
                try operand(after: "OR")
                expression = .or(expression, try parseAnd())
            }
            return expression
        }

        private mutating func parseAnd() throws(TextQueryError) -> Expression {
            var expression = try parseNot()
            while position < tokens.count {
                switch tokens[position] {
                case .and:
                    position += 1
                    try operand(after: "AND")
                    expression = .and(expression, try parseNot())
                case .term, .open:
                    expression = .and(expression, try parseNot())
                default:
                    return expression
                }
            }
            return expression
        }

        private mutating func parseNot() throws(TextQueryError) -> Expression {
            var expression = try parsePrimary()
            while position < tokens.count, tokens[position] == .not {
                position += 1
                try operand(after: "NOT")
                expression = .andNot(expression, try parsePrimary())
            }
            return expression
        }

        private mutating func parsePrimary() throws(TextQueryError) -> Expression {
            guard position < tokens.count else {
                throw TextQueryError("The query ends where a word or phrase was expected.")
            }
            switch tokens[position] {
            case .term(let text):
                position += 1
                return Expression.term(text)
            case .open:
                position += 1
                guard position < tokens.count, tokens[position] != .close else {
                    throw TextQueryError("\"()\" is empty: put words between the parentheses.")
                }
                let inner = try parseOr()
                guard position < tokens.count, tokens[position] == .close else {
                    throw TextQueryError("A \"(\" is not closed with \")\".")
                }
                position += 1
                return inner
            case .not:
                throw TextQueryError("NOT needs a word before it: it means \"and not\", as in privacy NOT police.")
            case .and, .or:
                throw TextQueryError("\(describe(tokens[position])) needs a word or phrase on both sides, as in privacy \(describe(tokens[position])) consent.")
            case .close:
                throw TextQueryError("A \")\" has no \"(\" before it.")
            }
        }

        /// Refuses an operator that has nothing after it.
        private func operand(after name: String) throws(TextQueryError) {
            guard position < tokens.count else {
                throw TextQueryError("\(name) needs a word or phrase after it, as in privacy \(name) consent.")
            }
            switch tokens[position] {
            case .term, .open: return
            case .close: throw TextQueryError("\(name) needs a word or phrase after it, not \")\".")
            case let other:
                throw TextQueryError("\(name) is followed by \(describe(other)); a word or phrase must come between them.")
            }
        }

        private func describe(_ token: Token) -> String {
            switch token {
            case .term(let text): text
            case .and: "AND"
            case .or: "OR"
            case .not: "NOT"
            case .open: "\"(\""
            case .close: "\")\""
            }
        }
    }
}

// issue 18 (reading room on PostgreSQL): the query as a tree, for engines that do not read FTS5's syntax.
extension TextQuery {
    /// A query read as FTS5 reads it: NOT binds tighter than AND (or two terms side by side), AND tighter than OR.
    package indirect enum Expression: Sendable, Hashable {
        /// A word or a `"phrase"` (as written, quotes included), with a trailing `*` for a prefix.
        case term(String)
        case and(Expression, Expression)
        case or(Expression, Expression)
        /// The left side without the right one (FTS5's binary NOT).
        case andNot(Expression, Expression)
    }

    /// The query's tree; nil only for an unchecked query that does not parse.
    package var expression: Expression? {
        guard let tokens = try? Self.tokens(of: text) else { return nil }
        var parser = Parser(tokens: tokens)
        return try? parser.parseQuery()
    }
}

/// Why a search query cannot be read, in one sentence for the person who wrote it.
public struct TextQueryError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
