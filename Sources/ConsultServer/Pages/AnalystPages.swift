import ConsultCore
import ConsultExport
import ConsultStore
import Foundation
import Hummingbird

/// The analysts' pages: the headline tables by sector and region, a heat map per closed
/// question by sector (with a chart of all respondents), and links to every export
/// (downloaded with the browser's session).
struct AnalystPages {
    let consultation: Consultation
    let renderer: PageRenderer

    func addRoutes(to router: Router<ConsultRequestContext>) {
        router.get("/analyst", use: surveys)
        router.get("/analyst/s/{survey_id}", use: dashboard)
        router.get("/analyst/s/{survey_id}/download/{file}", use: download)
        router.get("/analyst/s/{survey_id}/download/analysis/{file}", use: downloadTable)
    }

    @Sendable func surveys(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let visit = try await PageVisit(request, consultation: consultation)
        _ = try visit.requireStaff([.analyst, .organizer])
        return visit.page(renderer, "staff-surveys", try await StaffViews.surveyList(consultation, role: "analyst"))
    }

    @Sendable func dashboard(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        let visit = try await PageVisit(request, consultation: consultation)
        _ = try visit.requireStaff([.analyst, .organizer])
        let analysis = try await consultation.storing {
            try await SurveyAnalysis.prepare(survey: survey, database: consultation.database)
        }
        let tables = TableCollector()
        try analysis.write(to: tables, only: ["respondents_by_sector", "respondents_by_region", "choices", "levels"])
        let window = try await consultation.storing { try await consultation.database.window(of: survey) }
        var view = PageDates.deadline(window, zone: survey.timeZone, now: consultation.clock.now())
        view["wide"] = true
        view["title"] = "Analysis – \(survey.title)"
        view["surveyId"] = survey.id.rawValue
        view["surveyTitle"] = survey.title
        view["respondents"] = analysis.respondents
        view["hasSubmissions"] = analysis.respondents > 0
        view["bySector"] = tables.rows("respondents_by_sector").map {
            ["label": $0["label"] ?? "", "respondents": $0["respondents"] ?? "", "percent": Self.percentText($0["percent"])]
        }
        view["byRegion"] = tables.rows("respondents_by_region").filter { $0["scheme"] == "m49_region" }.map {
            [
                "region": CountryTable.regionLabel($0["region"] ?? ""), "respondents": $0["respondents"] ?? "",
                "percent": Self.percentText($0["percent"]),
            ]
        }
        view["levels"] = levelHeatMap(survey, tables.rows("levels"))
        view["questions"] = questionHeatMaps(survey, choices: tables.rows("choices"))
        view["tables"] = SurveyAnalysis.tables(of: survey).map { ["name": $0.name, "title": $0.title] }
        // refiqda: the codebook and the theme tables are offered once the survey has themes.
        view["hasThemes"] = analysis.hasThemes
        if !analysis.hasThemes {
            view["tables"] = SurveyAnalysis.tables(of: survey).filter { !SurveyAnalysis.themeTableNames.contains($0.name) }
                .map { ["name": $0.name, "title": $0.title] }
        }
        return visit.page(renderer, "analyst", view)
    }

    @Sendable func download(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        let visit = try await PageVisit(request, consultation: consultation)
        let principal = try visit.requireStaff([.analyst, .organizer])
        let export: ExportDownload
        switch context.parameters.get("file") ?? "" {
        case "analysis.zip": export = ExportDownload(.analysis, .zip)
        case "analysis.xml": export = ExportDownload(.analysis, .xml)
        case "responses.csv": export = ExportDownload(.raw, .csv)
        case "responses.xml": export = ExportDownload(.raw, .xml)
        case "analysis.xlsx": export = ExportDownload(.analysis, .xlsx)
        case "responses.xlsx": export = ExportDownload(.raw, .xlsx)
        // SPSS and Stata (issue #17).
        case "responses.sav": export = ExportDownload(.raw, .sav)
        case "responses.dta": export = ExportDownload(.raw, .dta)
        // refiqda: the REFI-QDA project and codebook.
        case "project.qdpx": export = ExportDownload(.analysis, .qdpx)
        // Position papers (extract).
        case "attachments.zip": export = ExportDownload(.raw, .attachments)
        case "codebook.qdc":
            return try await REFIQDAController.downloadCodebook(of: survey, by: principal, consultation: consultation, context: context)
        default: throw Problem.notFound("There is no such export; the page lists them all.")
        }
        return try await AnalystController.download(export, of: survey, by: principal, consultation: consultation, context: context)
    }

    @Sendable func downloadTable(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        let visit = try await PageVisit(request, consultation: consultation)
        let principal = try visit.requireStaff([.analyst, .organizer])
        let file = context.parameters.get("file") ?? ""
        let table = file.hasSuffix(".csv") ? String(file.dropLast(4)) : ""
        guard SurveyAnalysis.tables(of: survey).contains(where: { $0.name == table }) else {
            throw Problem.notFound("There is no table \"\(file)\"; the page lists them all.")
        }
        return try await AnalystController.download(
            ExportDownload(.analysis, .csv, table: table), of: survey, by: principal, consultation: consultation,
            context: context)
    }

    /// A table's percent cell for reading: one decimal, empty when there is no base.
    private static func percentText(_ cell: String?) -> String {
        cell.flatMap(Double.init).map(PercentText.display) ?? ""
    }

    /// A heat map per closed question: the percent choosing each option, overall and in each sector with answers.
    private func questionHeatMaps(_ survey: Survey, choices: [[String: String]]) -> [[String: Any]] {
        var byQuestion: [String: [[String: String]]] = [:]
        for row in choices { byQuestion[row["question"] ?? "", default: []].append(row) }
        return survey.questions.compactMap { question -> [String: Any]? in
            guard let rows = byQuestion[question.id.rawValue] else { return nil }
            let entries = rows.map { row in
                HeatMap.Entry(
                    row: row["option"] ?? "", rowLabel: row["label"] ?? "", sector: row["sector"] ?? "",
                    base: Int(row["base"] ?? "") ?? 0, percent: Double(row["percent"] ?? ""))
            }
            let map = HeatMap(id: question.id.rawValue, caption: question.text, rowHeading: "Option", entries: entries, survey: survey)
            return ["text": question.text, "id": question.id.rawValue, "heatMap": map.view(), "noAnswers": map.isEmpty]
        }
    }

    /// The scored levels per sector, for scored instruments, as a heat map of percents.
    private func levelHeatMap(_ survey: Survey, _ rows: [[String: String]]) -> [String: Any]? {
        guard survey.scoring != nil, !rows.isEmpty else { return nil }
        var bases: [String: Int] = [:]
        for row in rows { bases[row["sector"] ?? "", default: 0] += Int(row["respondents"] ?? "") ?? 0 }
        let entries = rows.map { row in
            HeatMap.Entry(
                row: row["level"] ?? "", rowLabel: row["label"] ?? "", sector: row["sector"] ?? "",
                base: bases[row["sector"] ?? ""] ?? 0, percent: Double(row["percent"] ?? ""))
        }
        let map = HeatMap(id: "levels", caption: "Scored level per sector", rowHeading: "Level", entries: entries, survey: survey)
        return ["heatMap": map.view(), "noAnswers": map.isEmpty]
    }
}

/// Keeps the rows of small analysis tables in memory, as column name → text, for a page.
final class TableCollector: TableSink {
    private var current: TableHeader?
    private var tables: [String: [[String: String]]] = [:]

    func begin(_ table: TableHeader) throws {
        current = table
        tables[table.name] = []
    }

    func row(_ cells: [Cell]) throws {
        guard let current else { return }
        tables[current.name, default: []].append(
            Dictionary(zip(current.columns.map(\.name), cells.map(\.text)), uniquingKeysWith: { a, _ in a }))
    }

    func end() throws {
        current = nil
    }

    func rows(_ table: String) -> [[String: String]] { tables[table] ?? [] }
}
