/// A word-level comparison of two texts (a campaign member beside its representative), for
/// marking the words that differ on a page without JavaScript.
///
/// Words are runs of non-space characters compared exactly; spaces between them are kept as
/// they are and never marked. The words common to both texts are a longest common subsequence;
/// the rest are marked. Texts too long for that (more than ``cellLimit`` word pairs after
/// their common beginning and end) are compared as bags of words instead: a word is marked
/// when the other text has fewer copies of it.
public struct WordDiff: Sendable, Hashable {
    /// A piece of one text: its characters, and whether they are words the other text lacks.
    public struct Segment: Sendable, Hashable {
        public let text: String
        public let differs: Bool

        public init(_ text: String, differs: Bool) {
            self.text = text
            self.differs = differs
        }
    }

    /// The first text (the representative's) in pieces; joined, they give the text back.
    public let left: [Segment]
    /// The second text (the member's) in pieces; joined, they give the text back.
    public let right: [Segment]

    /// The largest word-pair table compared exactly.
    public static let cellLimit = 4_000_000

    public init(_ first: String, _ second: String) {
        let a = Self.tokens(first), b = Self.tokens(second)
        let wordsA = a.indices.filter { !a[$0].isSpace }, wordsB = b.indices.filter { !b[$0].isSpace }
        let (keptA, keptB) = Self.common(wordsA.map { a[$0].text }, wordsB.map { b[$0].text })
        var differsA = Set<Int>(), differsB = Set<Int>()
        for (position, index) in wordsA.enumerated() where !keptA.contains(position) { differsA.insert(index) }
        for (position, index) in wordsB.enumerated() where !keptB.contains(position) { differsB.insert(index) }
        left = Self.segments(a, marked: differsA)
        right = Self.segments(b, marked: differsB)
    }

    /// How many words of each text differ.
    public var differingWords: (left: Int, right: Int) {
        func count(_ segments: [Segment]) -> Int {
            segments.filter(\.differs).reduce(0) { $0 + Self.tokens($1.text).filter { !$0.isSpace }.count }
        }
        return (count(left), count(right))
    }

    private struct Token {
        let text: Substring
        let isSpace: Bool
    }

    private static func tokens(_ text: String) -> [Token] {
        var tokens: [Token] = []
        var start = text.startIndex
        while start < text.endIndex {
            let space = text[start].isWhitespace
            var end = text.index(after: start)
            while end < text.endIndex && text[end].isWhitespace == space { end = text.index(after: end) }
            tokens.append(Token(text: text[start..<end], isSpace: space))
            start = end
        }
        return tokens
    }

    /// Positions of the words kept in common, in each list.
    private static func common(_ a: [Substring], _ b: [Substring]) -> (Set<Int>, Set<Int>) {
        var prefix = 0
        while prefix < a.count && prefix < b.count && a[prefix] == b[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < a.count - prefix && suffix < b.count - prefix && a[a.count - 1 - suffix] == b[b.count - 1 - suffix] {
            suffix += 1
        }
        var keptA = Set(0..<prefix).union((a.count - suffix)..<a.count)
        var keptB = Set(0..<prefix).union((b.count - suffix)..<b.count)
        let middleA = Array(a[prefix..<(a.count - suffix)]), middleB = Array(b[prefix..<(b.count - suffix)])
        let n = middleA.count, m = middleB.count
        if n == 0 || m == 0 { return (keptA, keptB) }
        if n * m > cellLimit {
            var counts: [Substring: Int] = [:]
            for word in middleB { counts[word, default: 0] += 1 }
            var countsA: [Substring: Int] = [:]
            for (index, word) in middleA.enumerated() where (counts[word] ?? 0) > 0 {
                counts[word]! -= 1
                countsA[word, default: 0] += 1
                keptA.insert(prefix + index)
            }
            for (index, word) in middleB.enumerated() where (countsA[word] ?? 0) > 0 {
                countsA[word]! -= 1
                keptB.insert(prefix + index)
            }
            return (keptA, keptB)
        }
        // lengths[i][j]: the longest common subsequence of middleA[i...] and middleB[j...].
        var lengths = [Int32](repeating: 0, count: (n + 1) * (m + 1))
        for i in stride(from: n - 1, through: 0, by: -1) {
            for j in stride(from: m - 1, through: 0, by: -1) {
                lengths[i * (m + 1) + j] = middleA[i] == middleB[j]
                    ? lengths[(i + 1) * (m + 1) + j + 1] + 1
                    : max(lengths[(i + 1) * (m + 1) + j], lengths[i * (m + 1) + j + 1])
            }
        }
        var i = 0, j = 0
        while i < n && j < m {
            if middleA[i] == middleB[j] {
                keptA.insert(prefix + i)
                keptB.insert(prefix + j)
                i += 1
                j += 1
            } else if lengths[(i + 1) * (m + 1) + j] >= lengths[i * (m + 1) + j + 1] {
                i += 1
            } else {
                j += 1
            }
        }
        return (keptA, keptB)
    }

    /// Joins neighbouring tokens of the same kind; a space between two marked words stays marked.
    private static func segments(_ tokens: [Token], marked: Set<Int>) -> [Segment] {
        var segments: [Segment] = []
        for (index, token) in tokens.enumerated() {
            var differs = marked.contains(index)
            if token.isSpace, index > 0, index + 1 < tokens.count { differs = marked.contains(index - 1) && marked.contains(index + 1) }
            if let last = segments.last, last.differs == differs {
                segments[segments.count - 1] = Segment(last.text + token.text, differs: differs)
            } else {
                segments.append(Segment(String(token.text), differs: differs))
            }
        }
        return segments
    }
}
