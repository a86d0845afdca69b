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
    /// Their languages, guessed here, before any transaction (``TextLanguages/none`` unless `preparingReadingRoom`).
    package let languages: TextLanguages
    /// Their words as FTS5 cuts them (``FTS5Scratch``), for an engine that indexes them itself: cut here,
    /// before any transaction (empty unless `preparingReadingRoom`; a text missing here is cut when stored).
    package let searchWords: [OpenTextField: [String]]

    /// `preparingReadingRoom`: guess the texts' languages and cut their words now (the SQLite store
    /// guesses languages its own way and lets FTS5 cut the words).
    package init(_ answers: AnswerSet, of survey: Survey, preparingReadingRoom: Bool = true) {
        canonical = answers.canonicalText
        answersSHA256 = Receipt.answersHash(canonical)
        profile = survey.profile(of: answers)
        level = survey.level(for: answers)?.rawValue
        rows = AnswerRows.rows(of: answers)
        openTexts = OpenTexts(answers: answers, otherSectorText: profile.otherSectorText)
        languages = preparingReadingRoom ? TextLanguages(openTexts) : .none
        searchWords = preparingReadingRoom ? openTexts.texts.compactMapValues { try? FTS5Scratch.shared.words(of: $0) } : [:]
    }

    /// The version's counts in the tallies, in `sector` (its final sector).
    package func tallies(survey: SurveyID, sector: String, sign: Int = 1) -> TallyDelta {
        var tallies = TallyDelta()
        tallies.add(rows, survey: survey.rawValue, sector: sector, sign: sign)
        return tallies
    }
}
