import ConsultStore
import Foundation

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
