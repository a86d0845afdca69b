import CCLD2
import ConsultCore

/// Guesses the language of free texts with CLD2 (Compact Language Detector 2). Thread-safe and
/// allocation-light: CLD2 keeps its tables in read-only memory, so any task may call it.
public enum LanguageIdentifier {
    /// CLD2's guess for `text` (plain text, never markup). The rule that makes a language of it is
    /// ``LanguageRule``; ``language(of:)`` applies it.
    public static func guess(_ text: String) -> LanguageGuess {
        var result = ccld2_guess()
        var text = interchangeValid(text)
        text.withUTF8 { bytes in
            // CLD2 takes an int length; texts longer than that are judged on their first 2 GB.
            let length = Int32(clamping: bytes.count)
            bytes.withMemoryRebound(to: CChar.self) { ccld2_detect($0.baseAddress, length, &result) }
        }
        let code = withUnsafeBytes(of: result.language) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        return LanguageGuess(
            code: code, percent: Int(result.percent), letterBytes: Int(result.textBytes), isReliable: result.reliable != 0)
    }

    /// `text` with the characters CLD2 refuses replaced by spaces: it judges only "interchange-valid"
    /// UTF-8 and calls a whole text unknown for one control character (a NUL, an ESC) or noncharacter
    /// in it. Texts without such bytes (nearly all) are returned as they are, after a scan of their bytes.
    static func interchangeValid(_ text: String) -> String {
        let suspect = text.utf8.contains { byte in
            (byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D) || byte == 0x7F || byte == 0xC2 || byte == 0xEF
                || byte >= 0xF0
        }
        guard suspect else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            let refused = (scalar.properties.generalCategory == .control && !["\t", "\n", "\r"].contains(scalar))
                || scalar.properties.isNoncharacterCodePoint
            scalars.append(refused ? " " : scalar)
        }
        return String(scalars)
    }

    /// The language ``LanguageRule`` assigns to `text`.
    public static func language(of text: String) -> TextLanguage {
        LanguageRule.language(of: guess(text))
    }
}
