// lang (issue 15): the languages of the free texts by sector.
import ConsultCore
import ConsultLanguage
import ConsultStore

extension SurveyAnalysis {
    /// Free texts by language and final sector, with each language's verdict against the survey's.
    static let languageTables = [
        TableHeader(name: "languages_by_sector", title: "Free texts by language and sector (und: too short or mixed to judge)", columns: [
            Column("sector", .text), Column("language", .text), Column("name", .text), Column("verdict", .text),
            Column("texts", .integer), Column("respondents", .integer), Column("percent", .decimal),
        ]),
    ]

    /// Every sector group ("all" first) × every language found, zeros included, so the grid is whole;
    /// languages by their number of texts, `und` last. `percent` is the share of the sector's texts.
    func writeLanguagesBySector(to sink: some TableSink) throws {
        let counts = try database.textLanguageCounts.bySector(of: survey)
        var texts: [String: [String: Int]] = [:]
        var respondents: [String: [String: Int]] = [:]
        for count in counts {
            for sector in [count.sector, Self.allSectors] {
                texts[sector, default: [:]][count.language, default: 0] += count.texts
                // A respondent has one final sector, so the sectors' counts add up to the count over all.
                respondents[sector, default: [:]][count.language, default: 0] += count.respondents
            }
        }
        let overall = texts[Self.allSectors] ?? [:]
        let languages = overall.keys.sorted { a, b in
            let undetermined = TextLanguage.undeterminedCode
            if (a == undetermined) != (b == undetermined) { return b == undetermined }
            return (overall[a] ?? 0, b) > (overall[b] ?? 0, a)
        }
        for sector in sectorGroups {
            let total = texts[sector]?.values.reduce(0, +) ?? 0
            for language in languages {
                let count = texts[sector]?[language] ?? 0
                try sink.row([
                    .text(sector), .text(language), .text(LanguageNames.name(language)),
                    .text(LanguageRule.verdict(of: TextLanguage(code: language), surveyLanguage: survey.language).rawValue),
                    .integer(count), .integer(respondents[sector]?[language] ?? 0), percent(count, of: total),
                ])
            }
        }
    }
}
