import ConsultCore
import ConsultLanguage
import Foundation

/// The polite note a respondent reads when a long answer does not look like the survey's language.
/// It never refuses anything: the answer is stored as written, and the team sees it flagged.
enum LanguageNote {
    /// The note for `text` in `survey`, or nil when the text is in the survey's language or too
    /// short or mixed to judge (``LanguageRule``).
    static func note(for text: String, survey: Survey) -> String? {
        let language = LanguageIdentifier.language(of: text)
        guard LanguageRule.verdict(of: language, surveyLanguage: survey.language) == .foreign else { return nil }
        return note(looksLike: language, survey: survey)
    }

    static func note(looksLike language: TextLanguage, survey: Survey) -> String {
        let expected = LanguageNames.name(survey.language)
        return "This answer does not seem to be written in \(expected) (it looks like \(LanguageNames.name(language.code))). "
            + "The call says: “\(callRule(of: survey))” You can still send it as it is: it will not be refused, "
            + "and the team will see that it may need a translation."
    }

    /// The call's own words on its language: the first sentence of the survey's description that
    /// names the language (“The consultation is in English only.”), else a sentence made from `language`.
    static func callRule(of survey: Survey) -> String {
        let name = LanguageNames.name(survey.language)
        let words = (survey.description ?? "").split(whereSeparator: \.isWhitespace).joined(separator: " ")
        var sentence = ""
        for character in words {
            sentence.append(character)
            guard ".!?".contains(character) else { continue }
            let trimmed = sentence.trimmingCharacters(in: .whitespaces)
            if trimmed.localizedCaseInsensitiveContains(name) { return trimmed }
            sentence = ""
        }
        return "This consultation is held in \(name)."
    }
}
