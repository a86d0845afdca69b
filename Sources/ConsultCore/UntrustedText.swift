import Foundation

/// Text that came from outside (a token holder's name, a reason, an answer) as staff screens
/// and the command line show it: the characters that could reorder, hide or overwrite what
/// surrounds it are named instead of shown raw.
///
/// Those are the C0 and C1 controls (NUL, ESC, newlines …), the bidirectional embeddings,
/// overrides, isolates and marks (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C) and
/// the line and paragraph separators (U+2028, U+2029). Each becomes a marker such as `⟨U+202E⟩`.
public enum UntrustedText {
    /// A run of ordinary text, or one character shown by its code point.
    public enum Piece: Sendable, Hashable {
        case text(String)
        case hidden(Unicode.Scalar)
    }

    /// `text` split into runs of ordinary characters and the characters to be named.
    public static func pieces(of text: String) -> [Piece] {
        var pieces: [Piece] = []
        var run = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if isHidden(scalar) {
                if !run.isEmpty { pieces.append(.text(String(run))) }
                run = String.UnicodeScalarView()
                pieces.append(.hidden(scalar))
            } else {
                run.append(scalar)
            }
        }
        if !run.isEmpty { pieces.append(.text(String(run))) }
        return pieces
    }

    /// `text` with every such character replaced by its marker: safe to print on a terminal.
    public static func visible(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isHidden) else { return text }
        return pieces(of: text).map { piece in
            switch piece {
            case .text(let run): run
            case .hidden(let scalar): "⟨\(codePoint(scalar))⟩"
            }
        }.joined()
    }

    /// "U+202E": how a marker names a character.
    public static func codePoint(_ scalar: Unicode.Scalar) -> String {
        "U+" + String(format: "%04X", scalar.value)
    }

    /// Whether `scalar` could reorder or disguise the text around it.
    public static func isHidden(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: true  // C0, DEL and C1 controls
        case 0x061C, 0x200E, 0x200F: true  // Arabic letter mark, left-to-right and right-to-left marks
        case 0x202A...0x202E, 0x2066...0x2069: true  // embeddings, overrides, isolates and their ends
        case 0x2028, 0x2029: true  // line and paragraph separators
        default: false
        }
    }
}
