import ConsultCore
import ConsultStore
import Foundation

/// The aggregated analysis of one survey (DESIGN §6): respondents by sector and region,
/// closed questions, scales, levels, open texts, activity per day and the codebook.
///
/// Every table counts the latest version of each submission by its final sector.
/// ``prepare(survey:database:)`` runs the aggregating SQL; ``write(to:only:)`` streams the
/// tables, reading open texts from the database as it goes (so it blocks: run it off
/// Swift's cooperative threads).
public struct SurveyAnalysis: Sendable {
    public let survey: Survey
    let database: any ConsultStorage
    let sectorCounts: [String: Int]
    let countries: [GroupCount]
    let levels: [GroupCount]
    let options: [OptionCount]
    let bases: [QuestionBase]
    /// Scale and matrix answers: (question, item, sector) → value → count, with "all" sectors added.
    let distributions: [String: [Double: Int]]
    /// Number questions: question → sector → n, mean and median.
    let numberSummaries: [String: [String: NumberSummary]]
    let activity: (submissions: [Int64: Int], refused: [String: [Int64: Int]])
    // refiqda: the codebook of themes and its counts per question and sector.
    let themes: [ThemeSummary]
    let themeCounts: [ThemeSectorCount]
    // campaigns: the campaigns table and what the counted-once tables leave out.
    var campaignAnalysis: CampaignAnalysis = .none

    /// The sector every "all sectors" row is labelled with.
    public static let allSectors = "all"

    /// Runs the aggregating queries.
    public static func prepare(survey: Survey, database: any ConsultStorage) async throws -> SurveyAnalysis {
        let id = survey.id
        let scaled = survey.questions.filter { question in
            switch question.kind {
            case .scale, .matrix: true
            default: false
            }
        }
        var distributions: [String: [Double: Int]] = [:]
        for count in try await database.numberCounts(survey: id, questions: scaled.map(\.id)) {
            for sector in [count.sector, allSectors] {
                distributions[seriesKey(count.question, count.item, sector), default: [:]][count.value, default: 0] += count.count
            }
        }
        var numberSummaries: [String: [String: NumberSummary]] = [:]
        for question in survey.questions {
            guard case .number = question.kind else { continue }
            let summaries = try await database.numberSummaries(survey: id, question: question.id, allSectors: allSectors)
            numberSummaries[question.id.rawValue] = Dictionary(uniqueKeysWithValues: summaries.map { ($0.sector, $0) })
        }
        return SurveyAnalysis(
            survey: survey, database: database,
            sectorCounts: try await database.respondentsBySector(survey: id),
            countries: try await database.respondentsByCountry(survey: id),
            levels: try await database.respondentsByLevel(survey: id),
            options: try await database.optionCounts(survey: id),
            bases: try await database.questionBases(survey: id),
            distributions: distributions, numberSummaries: numberSummaries,
            activity: try await database.activityByQuarterHour(survey: id),
            themes: try await database.themeCounts.themes(survey: id),
            themeCounts: try await database.themeCounts.bySector(survey: id),
            campaignAnalysis: try await CampaignAnalysis.load(survey: survey, database: database))
    }

    /// How many submissions the analysis covers.
    public var respondents: Int { sectorCounts.values.reduce(0, +) }

    /// The tables of a survey's analysis, in the order they are written.
    public static func tables(of survey: Survey) -> [TableHeader] {
        var tables = [
            TableHeader(name: "respondents_by_sector", title: "Respondents by sector", columns: [
                Column("sector", .text), Column("label", .text), Column("respondents", .integer), Column("percent", .decimal),
            ]),
            TableHeader(name: "respondents_by_region", title: "Respondents by region", columns: [
                Column("scheme", .text), Column("region", .text), Column("respondents", .integer), Column("percent", .decimal),
            ]),
            TableHeader(name: "respondents_by_sector_region", title: "Respondents by sector and UN M49 region", columns: [
                Column("sector", .text), Column("m49_region", .text), Column("respondents", .integer),
                Column("percent_of_sector", .decimal),
            ]),
            TableHeader(name: "respondents_by_country", title: "Respondents by country", columns: [
                Column("country", .text), Column("name", .text), Column("m49_region", .text), Column("respondents", .integer),
                Column("percent", .decimal),
            ]),
            TableHeader(name: "choices", title: "Closed questions: respondents per option, overall and per sector", columns: [
                Column("question", .text), Column("option", .text), Column("label", .text), Column("sector", .text),
                Column("respondents", .integer), Column("base", .integer), Column("percent", .decimal),
            ]),
            TableHeader(name: "scales", title: "Scales, matrix items and numbers: n, mean and median per sector", columns: [
                Column("question", .text), Column("item", .text), Column("sector", .text), Column("n", .integer),
                Column("mean", .decimal), Column("median", .decimal),
            ]),
            TableHeader(name: "scale_distribution", title: "Scales and matrix items: answers per point and sector", columns: [
                Column("question", .text), Column("item", .text), Column("sector", .text), Column("value", .integer),
                Column("label", .text), Column("respondents", .integer), Column("percent", .decimal),
            ]),
        ]
        if survey.scoring != nil {
            tables.append(TableHeader(name: "levels", title: "Scored level per sector", columns: [
                Column("sector", .text), Column("level", .text), Column("label", .text), Column("respondents", .integer),
                Column("percent", .decimal),
            ]))
        }
        tables += [
            TableHeader(name: "open_text", title: "Open-text answers by question and sector", columns: [
                Column("question", .text), Column("source", .text), Column("sector", .text), Column("respondent", .text),
                Column("text", .text),
            ]),
            TableHeader(name: "activity_per_day", title: "Submissions and refused attempts per day (survey's time zone)", columns: [
                Column("date", .text), Column("submissions", .integer), Column("refused_late", .integer),
                Column("refused_early", .integer),
            ]),
            TableHeader(name: "codebook", title: "Codebook: every question, option, item and point", columns: [
                Column("question", .text), Column("section", .text), Column("type", .text), Column("required", .text),
                Column("code", .text), Column("label", .text), Column("value", .integer),
            ]),
        ]
        tables += themeTables
        // lang (issue 15)
        tables += languageTables
        tables += campaignTables
        return tables
    }

    /// Writes the tables (all, or only those named) to `sink`, reporting each table as it is done.
    public func write(to sink: some TableSink, only names: Set<String>? = nil, progress: (TableHeader) -> Void = { _ in })
        throws
    {
        for table in Self.tables(of: survey) where names?.contains(table.name) ?? true {
            try sink.begin(table)
            try writeRows(of: table.name, to: sink)
            try sink.end()
            progress(table)
        }
    }

    private func writeRows(of name: String, to sink: some TableSink) throws {
        switch name {
        case "respondents_by_sector": try writeSectors(to: sink)
        case "respondents_by_region": try writeRegions(to: sink)
        case "respondents_by_sector_region": try writeSectorRegions(to: sink)
        case "respondents_by_country": try writeCountries(to: sink)
        case "choices": try writeChoices(to: sink)
        case "scales": try writeScales(to: sink)
        case "scale_distribution": try writeDistributions(to: sink)
        case "levels": try writeLevels(to: sink)
        case "open_text": try writeOpenTexts(to: sink)
        case "activity_per_day": try writeActivity(to: sink)
        case "codebook": try writeCodebook(to: sink)
        case "themes": try writeThemes(to: sink)
        case "themes_by_sector": try writeThemesBySector(to: sink)
        case "languages_by_sector": try writeLanguagesBySector(to: sink)
        case "campaigns": try writeCampaigns(to: sink)
        case "sectors_counted_once": try writeSectorsCountedOnce(to: sink)
        case "choices_counted_once": try writeChoicesCountedOnce(to: sink)
        default: break
        }
    }

    // MARK: Sectors, regions, countries

    /// The survey's sectors and `unclassified`, as final sectors.
    var sectorIDs: [String] {
        survey.sectors.map(\.id.rawValue) + [RespondentProfile.unclassified.rawValue]
    }

    /// "all" and then every sector.
    var sectorGroups: [String] { [Self.allSectors] + sectorIDs }

    /// The label of a sector group: "All respondents" for ``allSectors``, else the survey's sector label.
    public static func sectorLabel(_ id: String, in survey: Survey) -> String {
        id == allSectors ? "All respondents" : survey.sectorLabel(id)
    }

    func sectorLabel(_ id: String) -> String { Self.sectorLabel(id, in: survey) }

    private func writeSectors(to sink: some TableSink) throws {
        for sector in sectorIDs + [Self.allSectors] {
            let count = sector == Self.allSectors ? respondents : sectorCounts[sector] ?? 0
            try sink.row([.text(sector), .text(sectorLabel(sector)), .integer(count), percent(count, of: respondents)])
        }
    }

    /// The region schemes, each mapping a country to a region name.
    static let regionSchemes: [(name: String, region: @Sendable (Country) -> String?)] = [
        ("m49_region", \.m49Region), ("m49_subregion", \.m49SubRegion), ("interpol_region", \.interpolRegion),
    ]

    /// The name a region column shows for respondents without a known region.
    static let unknownRegion = CountryTable.unknownRegion

    static func region(of code: String?, in scheme: (Country) -> String?) -> String {
        code.flatMap(CountryTable.country).flatMap(scheme) ?? unknownRegion
    }

    private func writeRegions(to sink: some TableSink) throws {
        for scheme in Self.regionSchemes {
            var counts: [String: Int] = [:]
            for group in countries { counts[Self.region(of: group.key, in: scheme.region), default: 0] += group.count }
            for region in counts.keys.sorted() {
                try sink.row([.text(scheme.name), .text(region), .integer(counts[region] ?? 0), percent(counts[region] ?? 0, of: respondents)])
            }
        }
    }

    private func writeSectorRegions(to sink: some TableSink) throws {
        var counts: [String: [String: Int]] = [:]
        var regions: Set<String> = []
        for group in countries {
            let region = Self.region(of: group.key, in: \.m49Region)
            regions.insert(region)
            counts[group.sector, default: [:]][region, default: 0] += group.count
        }
        for sector in sectorIDs {
            let total = sectorCounts[sector] ?? 0
            for region in regions.sorted() {
                let count = counts[sector]?[region] ?? 0
                try sink.row([.text(sector), .text(region), .integer(count), percent(count, of: total)])
            }
        }
    }

    private func writeCountries(to sink: some TableSink) throws {
        var counts: [String: Int] = [:]
        for group in countries { counts[group.key ?? Self.unknownRegion, default: 0] += group.count }
        for code in counts.keys.sorted() {
            let country = CountryTable.country(code)
            try sink.row([
                .text(code), .text(country?.name ?? ""), .text(country?.m49Region ?? Self.unknownRegion),
                .integer(counts[code] ?? 0), percent(counts[code] ?? 0, of: respondents),
            ])
        }
    }

    // MARK: Closed questions

    /// Respondents per question and sector (with "all"), and per question, option and sector.
    func indexedCounts() -> (bases: [String: [String: Int]], options: [String: [String: [String: Int]]]) {
        var bases: [String: [String: Int]] = [:]
        for base in self.bases {
            bases[base.question, default: [:]][base.sector, default: 0] += base.respondents
            bases[base.question, default: [:]][Self.allSectors, default: 0] += base.respondents
        }
        var options: [String: [String: [String: Int]]] = [:]
        for count in self.options {
            options[count.question, default: [:]][count.option, default: [:]][count.sector, default: 0] += count.respondents
            options[count.question, default: [:]][count.option, default: [:]][Self.allSectors, default: 0] += count.respondents
        }
        return (bases, options)
    }

    private func writeChoices(to sink: some TableSink) throws {
        let (bases, options) = indexedCounts()
        try writeChoices(to: sink, bases: bases, options: options)
    }

    /// The choices table from these counts (campaigns: also the counted-once counts).
    func writeChoices(to sink: some TableSink, bases: [String: [String: Int]], options: [String: [String: [String: Int]]]) throws {
        for question in survey.questions {
            let list: ChoiceList
            switch question.kind {
            case .singleChoice(let choices), .multipleChoice(let choices, _): list = choices
            default: continue
            }
            let codes = list.options.map { ($0.id.rawValue, $0.label) }
                + (list.allowsOther ? [(ChoiceList.otherID.rawValue, "Other (please specify)")] : [])
            for sector in sectorGroups {
                let base = bases[question.id.rawValue]?[sector] ?? 0
                for (code, label) in codes {
                    let count = options[question.id.rawValue]?[code]?[sector] ?? 0
                    try sink.row([
                        .text(question.id.rawValue), .text(code), .text(label), .text(sector), .integer(count),
                        .integer(base), percent(count, of: base),
                    ])
                }
            }
        }
    }

    // MARK: Scales, matrices, numbers

    /// The numeric questions and items, in survey order: (question, item, scale if any).
    private var numericSeries: [(question: Question, item: MatrixItem?, scale: Scale?)] {
        survey.questions.flatMap { question -> [(question: Question, item: MatrixItem?, scale: Scale?)] in
            switch question.kind {
            case .scale(let scale): [(question, nil, scale)]
            case .matrix(let items, let scale): items.map { (question, $0, scale) }
            case .number: [(question, nil, nil)]
            default: []
            }
        }
    }

    static func seriesKey(_ question: String, _ item: String?, _ sector: String) -> String {
        "\(question)|\(item ?? "")|\(sector)"
    }

    /// Value → count for one scale or matrix item and sector ("all" for every sector).
    private func distribution(question: QuestionID, item: MatrixItem?, sector: String) -> [Double: Int] {
        distributions[Self.seriesKey(question.rawValue, item?.id.rawValue, sector)] ?? [:]
    }

    private func writeScales(to sink: some TableSink) throws {
        for series in numericSeries {
            for sector in sectorGroups {
                let n: Int, mean: Double?, median: Double?
                if series.scale == nil {
                    let summary = numberSummaries[series.question.id.rawValue]?[sector]
                    (n, mean, median) = (summary?.n ?? 0, summary?.mean, summary?.median)
                } else {
                    let counts = distribution(question: series.question.id, item: series.item, sector: sector)
                    n = counts.values.reduce(0, +)
                    mean = n == 0 ? nil : counts.reduce(0.0) { $0 + $1.key * Double($1.value) } / Double(n)
                    median = Self.median(counts)
                }
                try sink.row([
                    .text(series.question.id.rawValue), .text(series.item?.id.rawValue ?? ""), .text(sector), .integer(n),
                    mean.map(Cell.decimal) ?? .empty, median.map(Cell.decimal) ?? .empty,
                ])
            }
        }
    }

    /// The median of values given with their counts: the middle value, or the mean of the two middle ones.
    static func median(_ counts: [Double: Int]) -> Double? {
        let n = counts.values.reduce(0, +)
        guard n > 0 else { return nil }
        func value(at position: Int) -> Double {
            var seen = 0
            for value in counts.keys.sorted() {
                seen += counts[value] ?? 0
                if seen > position { return value }
            }
            return counts.keys.max() ?? 0
        }
        return n % 2 == 1 ? value(at: n / 2) : (value(at: n / 2 - 1) + value(at: n / 2)) / 2
    }

    private func writeDistributions(to sink: some TableSink) throws {
        for series in numericSeries {
            guard let scale = series.scale else { continue }
            for sector in sectorGroups {
                let counts = distribution(question: series.question.id, item: series.item, sector: sector)
                let n = counts.values.reduce(0, +)
                for point in scale.points {
                    let count = counts[Double(point.value)] ?? 0
                    try sink.row([
                        .text(series.question.id.rawValue), .text(series.item?.id.rawValue ?? ""), .text(sector),
                        .integer(point.value), .text(point.label), .integer(count), percent(count, of: n),
                    ])
                }
            }
        }
    }

    // MARK: Levels

    private func writeLevels(to sink: some TableSink) throws {
        guard let scoring = survey.scoring else { return }
        let codes = scoring.levels.map { ($0.id.rawValue, $0.label) } + [("none", "No level (score not computed)")]
        for sector in sectorGroups {
            var counts: [String: Int] = [:]
            for group in levels where sector == Self.allSectors || group.sector == sector {
                counts[group.key ?? "none", default: 0] += group.count
            }
            let total = counts.values.reduce(0, +)
            for (code, label) in codes {
                try sink.row([.text(sector), .text(code), .text(label), .integer(counts[code] ?? 0), percent(counts[code] ?? 0, of: total)])
            }
        }
    }

    // MARK: Open texts

    private func writeOpenTexts(to sink: some TableSink) throws {
        try OpenTextTable(survey: survey, database: database).write(to: sink)
    }

    // MARK: Activity

    private func writeActivity(to sink: some TableSink) throws {
        for day in DailyActivity.days(activity, in: survey.timeZone) {
            try sink.row([.text(day.date), .integer(day.submissions), .integer(day.late), .integer(day.early)])
        }
    }

    // MARK: Codebook

    private func writeCodebook(to sink: some TableSink) throws {
        try Self.writeCodebook(of: survey, to: sink)
    }

    /// The codebook needs no answers: the raw XLSX workbook writes it too.
    static func writeCodebook(of survey: Survey, to sink: some TableSink) throws {
        for section in survey.sections {
            for question in section.questions {
                func row(_ code: Cell, _ label: String, _ value: Int? = nil) throws {
                    try sink.row([
                        .text(question.id.rawValue), .text(section.id.rawValue), .text(question.kind.type.rawValue),
                        .text(question.isRequired ? "yes" : "no"), code, .text(label), value.map(Cell.integer) ?? .empty,
                    ])
                }
                try row(.empty, question.text)
                switch question.kind {
                case .singleChoice(let list), .multipleChoice(let list, _):
                    for option in list.options { try row(.text(option.id.rawValue), option.label, option.points) }
                    if list.allowsOther { try row(.text(ChoiceList.otherID.rawValue), "Other (please specify)") }
                case .scale(let scale):
                    // A scale point's code is its value: a number, written as one (never neutralised).
                    for point in scale.points { try row(.integer(point.value), point.label, point.value) }
                case .matrix(let items, let scale):
                    for item in items { try row(.text(item.id.rawValue), item.label) }
                    for point in scale.points { try row(.integer(point.value), point.label, point.value) }
                case .text, .number, .country, .email, .file:
                    break
                }
            }
        }
        for sector in survey.sectors { try sink.row([.text(""), .text(""), .text("sector"), .text(""), .text(sector.id.rawValue), .text(sector.label), .empty]) }
        if let scoring = survey.scoring {
            for level in scoring.levels { try sink.row([.text(""), .text(""), .text("level"), .text(""), .text(level.id.rawValue), .text(level.label), .empty]) }
        }
    }

    func percent(_ count: Int, of base: Int) -> Cell {
        base == 0 ? .empty : .decimal(Double(count) * 100 / Double(base))
    }
}
