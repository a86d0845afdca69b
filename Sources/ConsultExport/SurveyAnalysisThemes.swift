// refiqda: the theme tables of the analysis.
import ConsultCore
import ConsultStore

extension SurveyAnalysis {
    /// The codebook of themes and the framework grid of themes by question and sector.
    static let themeTables = [
        TableHeader(name: "themes", title: "Themes: the codebook analysts code with, and how often each is used", columns: [
            Column("theme", .text), Column("parent", .text), Column("depth", .integer), Column("name", .text),
            Column("description", .text), Column("colour", .text), Column("status", .text), Column("codings", .integer),
            Column("respondents", .integer),
        ]),
        TableHeader(name: "themes_by_sector", title: "Themes per open question and sector: respondents whose answer carries the theme", columns: [
            Column("question", .text), Column("theme", .text), Column("name", .text), Column("sector", .text),
            Column("respondents", .integer), Column("base", .integer), Column("percent", .decimal),
        ]),
    ]

    /// Only what the theme tables read (the themes, their counts and the questions' bases), for
    /// pages that show them after every coding without the cost of the whole analysis.
    public static func prepareThemeTables(survey: Survey, database: any ConsultStorage) async throws -> SurveyAnalysis {
        let id = survey.id
        return SurveyAnalysis(
            survey: survey, database: database, sectorCounts: [:], countries: [], levels: [], options: [],
            bases: try await database.questionBases(survey: id), distributions: [:], numberSummaries: [:],
            activity: ([:], [:]),
            themes: try await database.themeCounts.themes(survey: id),
            themeCounts: try await database.themeCounts.bySector(survey: id))
    }

    /// The names of the theme tables.
    public static var themeTableNames: Set<String> { Set(themeTables.map(\.name)) }

    /// Whether the survey has themes (not merged away), so the codebook and theme tables have rows.
    public var hasThemes: Bool { !themes.isEmpty }

    /// The questions whose answers hold free text analysts code: text and e-mail questions, and
    /// choice questions with an "other, please specify" text.
    var codableQuestions: [Question] {
        survey.questions.filter { question in
            switch question.kind {
            case .text, .email: true
            case .singleChoice(let list), .multipleChoice(let list, _): list.allowsOther
            default: false
            }
        }
    }

    func writeThemes(to sink: some TableSink) throws {
        for theme in themes {
            try sink.row([
                .text(theme.guid), .text(theme.parentGUID ?? ""), .integer(theme.depth), .text(theme.name),
                .text(theme.description), .text(theme.colour), .text(theme.retired ? "retired" : "active"),
                .integer(theme.codings), .integer(theme.respondents),
            ])
        }
    }

    /// Every question × theme × sector ("all" first), zeros included, so the grid is whole.
    func writeThemesBySector(to sink: some TableSink) throws {
        let bases = indexedCounts().bases
        var counts: [String: Int] = [:]
        func key(_ question: String, _ theme: Int64, _ sector: String) -> String { "\(question)|\(theme)|\(sector)" }
        for count in themeCounts {
            counts[key(count.question, count.themeID, count.sector), default: 0] += count.respondents
            // A respondent has one final sector, so the sectors' counts add up to the count over all.
            counts[key(count.question, count.themeID, Self.allSectors), default: 0] += count.respondents
        }
        for question in codableQuestions {
            for theme in themes {
                for sector in sectorGroups {
                    let base = bases[question.id.rawValue]?[sector] ?? 0
                    let count = counts[key(question.id.rawValue, theme.id, sector)] ?? 0
                    try sink.row([
                        .text(question.id.rawValue), .text(theme.guid), .text(theme.name), .text(sector), .integer(count),
                        .integer(base), percent(count, of: base),
                    ])
                }
            }
        }
    }
}
