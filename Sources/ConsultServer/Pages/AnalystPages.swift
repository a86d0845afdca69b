import ConsultCore
import ConsultExport
import ConsultStore
import Foundation
import Hummingbird

/// The analysts' pages: the headline tables by sector and region, a bar chart per closed
/// question by sector, and links to every export (downloaded with the browser's session).
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
        view["bySector"] = tables.rows("respondents_by_sector").map {
            ["label": $0["label"] ?? "", "respondents": $0["respondents"] ?? "", "percent": $0["percent"] ?? ""]
        }
        view["byRegion"] = tables.rows("respondents_by_region").filter { $0["scheme"] == "m49_region" }.map {
            ["region": $0["region"] ?? "", "respondents": $0["respondents"] ?? "", "percent": $0["percent"] ?? ""]
        }
        view["levels"] = levelChart(survey, tables.rows("levels"))
        view["questions"] = questionCharts(survey, choices: tables.rows("choices"), sectorRows: tables.rows("respondents_by_sector"))
        view["tables"] = SurveyAnalysis.tables(of: survey).map { ["name": $0.name, "title": $0.title] }
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

    /// A chart per closed question: the percent choosing each option, overall and in each sector with answers.
    private func questionCharts(_ survey: Survey, choices: [[String: String]], sectorRows: [[String: String]]) -> [[String: Any]] {
        let sectorLabels = Dictionary(sectorRows.map { ($0["sector"] ?? "", $0["label"] ?? "") }, uniquingKeysWith: { a, _ in a })
        var byQuestion: [String: [[String: String]]] = [:]
        for row in choices { byQuestion[row["question"] ?? "", default: []].append(row) }
        return survey.questions.compactMap { question -> [String: Any]? in
            guard let rows = byQuestion[question.id.rawValue] else { return nil }
            var sectors: [String] = []
            var bases: [String: String] = [:]
            for row in rows {
                let sector = row["sector"] ?? ""
                if !sectors.contains(sector), (Int(row["base"] ?? "") ?? 0) > 0 { sectors.append(sector) }
                bases[sector] = row["base"]
            }
            var options: [String] = []
            var labels: [String: String] = [:]
            var percents: [String: [String: Double]] = [:]
            for row in rows {
                let option = row["option"] ?? ""
                if labels[option] == nil { options.append(option); labels[option] = row["label"] }
                percents[option, default: [:]][row["sector"] ?? ""] = Double(row["percent"] ?? "") ?? 0
            }
            let groups = options.map { option in
                SVGChart.Group(label: labels[option] ?? option, values: sectors.map { percents[option]?[$0] ?? 0 })
            }
            let series = sectors.map { sector in
                "\(sector == SurveyAnalysis.allSectors ? "All sectors" : sectorLabels[sector] ?? sector) (n = \(bases[sector] ?? "0"))"
            }
            return [
                "text": question.text, "id": question.id.rawValue,
                "chart": sectors.isEmpty ? "" : SVGChart.horizontalBars(
                    id: "chart-\(question.id.rawValue)", title: question.text, groups: groups, series: series,
                    format: { Cell.decimal($0).text + " %" }),
                "noAnswers": sectors.isEmpty,
            ]
        }
    }

    /// The scored levels per sector, for scored instruments.
    private func levelChart(_ survey: Survey, _ rows: [[String: String]]) -> String? {
        guard survey.scoring != nil, !rows.isEmpty else { return nil }
        var sectors: [String] = []
        var levels: [String] = []
        var labels: [String: String] = [:]
        var counts: [String: [String: Double]] = [:]
        for row in rows {
            let sector = row["sector"] ?? "", level = row["level"] ?? ""
            if !sectors.contains(sector) { sectors.append(sector) }
            if !levels.contains(level) { levels.append(level); labels[level] = row["label"] }
            counts[level, default: [:]][sector] = Double(row["respondents"] ?? "") ?? 0
        }
        let shown = sectors.filter { sector in levels.contains { (counts[$0]?[sector] ?? 0) > 0 } }
        return SVGChart.horizontalBars(
            id: "chart-levels", title: "Scored level per sector",
            groups: levels.map { level in SVGChart.Group(label: labels[level] ?? level, values: shown.map { counts[level]?[$0] ?? 0 }) },
            series: shown.map { $0 == SurveyAnalysis.allSectors ? "All sectors" : $0 }, format: { String(Int($0)) })
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
