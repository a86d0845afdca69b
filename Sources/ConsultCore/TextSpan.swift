/// A stretch of a free text, [start, end) counted in Unicode scalars (code points) — the unit
/// codings store, independent of how any client counts UTF-16 units or grapheme clusters.
public struct TextSpan: Sendable, Hashable {
    public let start: Int
    public let end: Int

    /// The span if 0 ≤ start < end ≤ the text's length in Unicode scalars; else nil.
    public init?(start: Int, end: Int, in text: String) {
        guard start >= 0, end > start, end <= text.unicodeScalars.count else { return nil }
        self.start = start
        self.end = end
    }

    /// A span read back from the store, already checked when it was made.
    public init(stored start: Int, end: Int) {
        self.start = start
        self.end = end
    }

    /// The words of `text` the span covers, or nil when the text is shorter than the span.
    public func words(of text: String) -> String? {
        let scalars = text.unicodeScalars
        guard end <= scalars.count else { return nil }
        let from = scalars.index(scalars.startIndex, offsetBy: start)
        let to = scalars.index(from, offsetBy: end - start)
        return String(scalars[from..<to])
    }

    /// `text` cut into the part before the span, the span and the part after, for highlighting.
    public func split(_ text: String) -> (before: String, span: String, after: String)? {
        let scalars = text.unicodeScalars
        guard end <= scalars.count else { return nil }
        let from = scalars.index(scalars.startIndex, offsetBy: start)
        let to = scalars.index(from, offsetBy: end - start)
        return (String(scalars[..<from]), String(scalars[from..<to]), String(scalars[to...]))
    }
}
