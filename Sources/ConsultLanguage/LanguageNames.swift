import ConsultCore
import Foundation

/// Names of languages for pages, notes and exports, in English (the pages' language).
public enum LanguageNames {
    /// "French" for `fr`; the code itself when Foundation knows no name for it.
    public static func name(_ code: String) -> String {
        if code == TextLanguage.undeterminedCode { return "undetermined" }
        return Locale(identifier: "en").localizedString(forLanguageCode: code) ?? code
    }

    /// The reading room's language filter choices (value, label), besides "Any".
    public static func filterChoices(surveyLanguage: String) -> [(String, String)] {
        let name = name(surveyLanguage)
        return [
            (LanguageVerdict.surveyLanguage.rawValue, "In \(name), the survey's language"),
            (LanguageVerdict.foreign.rawValue, "Not in \(name) (flagged)"),
            (LanguageVerdict.undetermined.rawValue, "Undetermined (too short or mixed to judge)"),
        ]
    }
}
