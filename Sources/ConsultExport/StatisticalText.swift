import Foundation

/// How texts are fitted into SPSS and Stata files (Exports/README.md, "SPSS and Stata").
enum StatisticalText {
    /// The longest SPSS string (a "very long string"), in bytes.
    static let spssStringLimit = 32_767
    /// The longest Stata `str#`, in bytes; longer texts go into a `strL`, which has no practical limit.
    static let stataStringLimit = 2_045

    /// A text value as written: U+0000 (which neither format's strings can hold through ReadStat) becomes
    /// U+FFFD; in SPSS a text longer than 32,767 bytes is cut there, at a character boundary.
    static func value(_ text: String, for format: StatisticalFileFormat) -> String {
        let clean = text.utf8.contains(0) ? text.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}") : text
        guard format == .sav, clean.utf8.count > spssStringLimit else { return clean }
        return cut(clean, bytes: spssStringLimit, characters: nil, mark: false)
    }

    /// A variable label: SPSS 256 bytes, Stata 80 characters (and 320 bytes); a longer one is cut and ends in "…".
    static func label(_ text: String, for format: StatisticalFileFormat) -> String {
        switch format {
        case .sav: cut(value(text, for: format), bytes: 256, characters: nil, mark: true)
        case .dta: cut(value(text, for: format), bytes: 320, characters: 80, mark: true)
        }
    }

    /// A value label: SPSS 120 bytes, Stata 32,000 bytes; a longer one is cut and ends in "…".
    static func valueLabel(_ text: String, for format: StatisticalFileFormat) -> String {
        switch format {
        case .sav: cut(value(text, for: format), bytes: 120, characters: nil, mark: true)
        case .dta: cut(value(text, for: format), bytes: 32_000, characters: nil, mark: true)
        }
    }

    /// `text` if it fits in `bytes` UTF-8 bytes (and `characters` Unicode scalars); else its longest
    /// prefix of whole scalars that fits with "…" appended when `mark` is set.
    static func cut(_ text: String, bytes: Int, characters: Int?, mark: Bool) -> String {
        let scalars = text.unicodeScalars
        if text.utf8.count <= bytes && (characters.map { scalars.count <= $0 } ?? true) { return text }
        let ellipsis: Unicode.Scalar = "\u{2026}"
        let byteRoom = bytes - (mark ? ellipsis.utf8.count : 0)
        let scalarRoom = (characters ?? Int.max) - (mark ? 1 : 0)
        var kept = String.UnicodeScalarView()
        var used = 0, count = 0
        for scalar in scalars {
            guard used + scalar.utf8.count <= byteRoom, count < scalarRoom else { break }
            kept.append(scalar)
            used += scalar.utf8.count
            count += 1
        }
        if mark { kept.append(ellipsis) }
        return String(kept)
    }
}
