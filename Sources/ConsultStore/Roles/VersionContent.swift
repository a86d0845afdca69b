import ConsultCore
import Foundation

/// What one version of a submission's answers stores, on every engine: the canonical answers and
/// their hash (the receipt's), the respondent's profile (sector, country, publication), the level,
/// and one aggregation row per chosen option, rated item or value.
package struct VersionContent: Sendable {
    package let canonical: String
    package let answersSHA256: String
    package let profile: RespondentProfile
    package let level: String?
    package let rows: [AnswerRows.Row]

    /// The version's free texts, for the reading room (issue 18).
    package let openTexts: OpenTexts
    /// Their languages, guessed here, before any transaction (``TextLanguages/none`` unless `guessingLanguages`).
    package let languages: TextLanguages

    package init(_ answers: AnswerSet, of survey: Survey, guessingLanguages: Bool = true) {
        canonical = answers.canonicalText
        answersSHA256 = Receipt.answersHash(canonical)
        profile = survey.profile(of: answers)
        level = survey.level(for: answers)?.rawValue
        rows = AnswerRows.rows(of: answers)
        openTexts = OpenTexts(answers: answers, otherSectorText: profile.otherSectorText)
        languages = guessingLanguages ? TextLanguages(openTexts) : .none
    }

    /// The version's counts in the tallies, in `sector` (its final sector).
    package func tallies(survey: SurveyID, sector: String, sign: Int = 1) -> TallyDelta {
        var tallies = TallyDelta()
        tallies.add(rows, survey: survey.rawValue, sector: sector, sign: sign)
        return tallies
    }
}
