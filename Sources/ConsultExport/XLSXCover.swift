import ConsultCore
import Foundation

/// The facts on an XLSX workbook's first sheet: the survey, its deadline in UTC and in the survey's
/// zone, when the export was made, how many submissions it covers, and the privacy rules applied
/// (read from ``PublicationChoice``, where they live).
struct XLSXCover {
    var rows: [(String, Cell)]
    /// When the export was made: also the workbook's creation date.
    let generatedAt: Date

    init(survey: Survey, window: SurveyWindow, generatedAt: Date, submissions: Int, content: ExportContent) {
        self.generatedAt = generatedAt
        let zone = survey.timeZone
        rows = [
            ("survey", .text(survey.id.rawValue)),
            ("title", .text(survey.title)),
            ("export", .text(content == .raw
                ? "raw responses: one row per submission (its latest version)"
                : "analysis: one sheet per table; Exports/README.md explains every column")),
            ("submissions", .integer(submissions)),
            ("deadline (UTC)", .text(Instant.utcText(window.closesAt))),
            ("deadline (\(zone.identifier))", .text(Instant.localText(window.closesAt, in: zone))),
            ("generated at (UTC)", .text(Instant.utcText(generatedAt))),
            ("generated at (\(zone.identifier))", .text(Instant.localText(generatedAt, in: zone))),
            ("respondent ids", .text("pseudonyms (r- and 16 hex digits of a keyed hash of the submission id), "
                + "the same in every export; they cannot be turned back into submissions")),
            ("versions and sectors", .text("each submission counts once, with its latest version; "
                + "tables group by final sector")),
        ]
        rows += PublicationChoice.allCases.map { choice in
            ("privacy: \(choice.rawValue)", Cell.text(Self.rule(for: choice, in: survey)))
        }
        rows.append(("text cells", .text("written as text, never as formulas; control characters as _xHHHH_ "
            + "escapes; texts over 32,767 characters cut with a note (Exports/README.md)")))
    }

    /// What the exports withhold from respondents who made `choice`, question by question.
    static func rule(for choice: PublicationChoice, in survey: Survey) -> String {
        let withheldAnswers = survey.questions.filter { !choice.disclosesAnswer(to: $0) }.map(\.id.rawValue)
        let withheldTexts = survey.questions.filter { question in
            choice.disclosesAnswer(to: question) && !choice.disclosesText(of: question) && hasText(question)
        }.map(\.id.rawValue)
        var parts = ["counted in every table"]
        parts.append(withheldAnswers.isEmpty
            ? "no answer withheld" : "answers withheld (personal): " + withheldAnswers.joined(separator: ", "))
        parts.append(withheldTexts.isEmpty
            ? "every text shown" : "texts withheld (free and \"other\" texts): " + withheldTexts.joined(separator: ", "))
        parts.append(choice.disclosesOtherSectorText ? "\"other\" sector text shown" : "\"other\" sector text withheld")
        return parts.joined(separator: "; ")
    }

    /// Whether a question takes text: a free text, an e-mail, or an "other" text.
    private static func hasText(_ question: Question) -> Bool {
        switch question.kind {
        case .text, .email: true
        case .singleChoice(let list), .multipleChoice(let list, _): list.allowsOther
        default: false
        }
    }
}
