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

    package init(_ answers: AnswerSet, of survey: Survey) {
        canonical = answers.canonicalText
        answersSHA256 = Receipt.answersHash(canonical)
        profile = survey.profile(of: answers)
        level = survey.level(for: answers)?.rawValue
        rows = AnswerRows.rows(of: answers)
    }

    /// The version's counts in the tallies, in `sector` (its final sector).
    package func tallies(survey: SurveyID, sector: String, sign: Int = 1) -> TallyDelta {
        var tallies = TallyDelta()
        tallies.add(rows, survey: survey.rawValue, sector: sector, sign: sign)
        return tallies
    }
}
