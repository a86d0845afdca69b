import ConsultCore
import ConsultExport

/// The analysis's `themes_by_sector` table as the themes page shows it: the rows where a theme
/// was found, read through the same analysis as the exports so the page and the files agree.
enum ThemeTableView {
    static func rows(_ survey: Survey, consultation: Consultation) async throws -> [[String: Any]] {
        let analysis = try await consultation.storing {
            try await SurveyAnalysis.prepareThemeTables(survey: survey, database: consultation.database)
        }
        let tables = TableCollector()
        try analysis.write(to: tables, only: ["themes_by_sector"])
        return tables.rows("themes_by_sector").compactMap { row -> [String: Any]? in
            guard let respondents = row["respondents"], respondents != "0" else { return nil }
            let question = row["question"] ?? ""
            let sector = row["sector"] ?? ""
            return [
                "question": survey.question(QuestionID(question))?.text ?? question,
                "theme": row["name"] ?? "",
                "sector": SurveyAnalysis.sectorLabel(sector, in: survey),
                "respondents": respondents, "base": row["base"] ?? "",
                "percent": row["percent"].flatMap(Double.init).map(PercentText.display) ?? "",
            ]
        }
    }
}
