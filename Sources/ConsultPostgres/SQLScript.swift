/// A migration file's text cut into single statements, because PostgresNIO speaks only the extended query protocol,
/// which takes one statement per query.
///
/// Cuts at semicolons outside quotes ('…', "…", E'…\'…'), dollar-quoted bodies ($$…$$, $tag$…$tag$) and
/// comments (-- to the line's end, nested /* … */). Statements holding nothing but blanks and comments are dropped.
public enum SQLScript {
    /// The statements of `text`, in order, each without its closing semicolon.
    /// - Throws: ``SQLScriptError`` when a quote, dollar quote or block comment is never closed.
    public static func statements(in text: String) throws(SQLScriptError) -> [String] {
        let characters = Array(text.unicodeScalars)
        var statements: [String] = []
        var current = String.UnicodeScalarView()
        var hasCode = false
        var index = 0

        func flush() {
            if hasCode {
                statements.append(String(current).trimmingWhitespace())
            }
            current = String.UnicodeScalarView()
            hasCode = false
        }
        func at(_ offset: Int) -> Unicode.Scalar? {
            index + offset < characters.count ? characters[index + offset] : nil
        }
        /// Copies up to and including the scalar sequence `end`, or throws `error` if the text ends first.
        func copy(through end: [Unicode.Scalar], startingAt start: Int, error: SQLScriptError) throws(SQLScriptError) {
            var position = start
            while position + end.count <= characters.count {
                if Array(characters[position..<(position + end.count)]) == end {
                    current.append(contentsOf: characters[index..<(position + end.count)])
                    index = position + end.count
                    return
                }
                position += 1
            }
            throw error
        }

        while index < characters.count {
            let scalar = characters[index]
            switch scalar {
            case ";":
                index += 1
                flush()
            case "-" where at(1) == "-":
                while index < characters.count, characters[index] != "\n" {
                    current.append(characters[index])
                    index += 1
                }
            case "/" where at(1) == "*":
                let start = index
                var depth = 0
                repeat {
                    guard index < characters.count else { throw .unclosedComment(line: line(of: start, in: characters)) }
                    if characters[index] == "/", at(1) == "*" {
                        depth += 1
                        current.append(contentsOf: characters[index...(index + 1)])
                        index += 2
                    } else if characters[index] == "*", at(1) == "/" {
                        depth -= 1
                        current.append(contentsOf: characters[index...(index + 1)])
                        index += 2
                    } else {
                        current.append(characters[index])
                        index += 1
                    }
                } while depth > 0
            case "'":
                hasCode = true
                let escapes = index > 0 && (characters[index - 1] == "E" || characters[index - 1] == "e")
                    && (index < 2 || !isIdentifierPart(characters[index - 2]))
                let start = index
                current.append(scalar)
                index += 1
                while true {
                    guard index < characters.count else { throw .unclosedQuote(line: line(of: start, in: characters)) }
                    let next = characters[index]
                    if escapes, next == "\\", index + 1 < characters.count {
                        current.append(contentsOf: characters[index...(index + 1)])
                        index += 2
                    } else if next == "'", at(1) == "'" {
                        current.append(contentsOf: characters[index...(index + 1)])
                        index += 2
                    } else {
                        current.append(next)
                        index += 1
                        if next == "'" { break }
                    }
                }
            case "\"":
                hasCode = true
                try copy(
                    through: ["\""], startingAt: index + 1, error: .unclosedQuote(line: line(of: index, in: characters))
                )
            case "$" where index == 0 || !isIdentifierPart(characters[index - 1]):
                hasCode = true
                if let tag = dollarTag(at: index, in: characters) {
                    try copy(
                        through: tag, startingAt: index + tag.count,
                        error: .unclosedDollarQuote(line: line(of: index, in: characters))
                    )
                } else {
                    current.append(scalar)
                    index += 1
                }
            default:
                if !scalar.properties.isWhitespace { hasCode = true }
                current.append(scalar)
                index += 1
            }
        }
        flush()
        return statements
    }

    /// `$tag$` or `$$` starting at `start`, or nil for a positional parameter such as `$1`.
    private static func dollarTag(at start: Int, in characters: [Unicode.Scalar]) -> [Unicode.Scalar]? {
        var position = start + 1
        while position < characters.count, characters[position] != "$" {
            let scalar = characters[position]
            let allowed = position == start + 1 ? isIdentifierStart(scalar) : isIdentifierPart(scalar)
            guard allowed else { return nil }
            position += 1
        }
        guard position < characters.count else { return nil }
        return Array(characters[start...position])
    }

    private static func isIdentifierStart(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "_" || scalar.properties.isAlphabetic
    }

    private static func isIdentifierPart(_ scalar: Unicode.Scalar) -> Bool {
        isIdentifierStart(scalar) || ("0"..."9").contains(scalar) || scalar == "$"
    }

    private static func line(of index: Int, in characters: [Unicode.Scalar]) -> Int {
        characters[..<index].reduce(1) { $0 + ($1 == "\n" ? 1 : 0) }
    }
}

/// A migration file that cannot be cut into statements.
public enum SQLScriptError: Error, Sendable, Equatable, CustomStringConvertible {
    case unclosedQuote(line: Int)
    case unclosedDollarQuote(line: Int)
    case unclosedComment(line: Int)

    public var description: String {
        switch self {
        case let .unclosedQuote(line): return "line \(line): a quote is never closed"
        case let .unclosedDollarQuote(line): return "line \(line): a dollar quote is never closed"
        case let .unclosedComment(line): return "line \(line): a /* comment is never closed"
        }
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[first...last])
    }
}
