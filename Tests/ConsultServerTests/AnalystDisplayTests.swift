import ConsultCore
import ConsultExport
import Foundation
import SurveyFiles
import Testing

@testable import ConsultServer

/// How the analyst page shows figures: one-decimal percents, shaded heat-map cells, wrapped chart labels.
@Suite struct AnalystDisplayTests {
    @Test(arguments: [
        (42.857142857, "42.9 %"), (100.0, "100.0 %"), (0.0, "0.0 %"), (33.333333, "33.3 %"), (4.96, "5.0 %"),
        (12.5, "12.5 %"), (66.666666, "66.7 %"),
    ])
    func aPercentShowsWithOneDecimal(value: Double, text: String) {
        #expect(PercentText.display(value) == text)
    }

    @Test(arguments: [(0.0, "heat-0"), (9.99, "heat-0"), (10.0, "heat-1"), (42.9, "heat-4"), (89.9, "heat-8"),
                      (90.0, "heat-9"), (100.0, "heat-9")])
    func aCellIsShadedByItsPercent(value: Double, shade: String) {
        #expect(HeatMap.shade(value) == shade)
    }

    @Test func aLongLabelWrapsWithinTheBudgetAndKeepsEveryWord() {
        let label = "Another agency or organisation working with law enforcement on investigations"
        let lines = SVGChart.wrapped(label, budget: 38)
        #expect(lines.count > 1)
        #expect(lines.allSatisfy { $0.count <= 38 })
        #expect(lines.joined(separator: " ") == label)
        #expect(SVGChart.wrapped("Short", budget: 38) == ["Short"])
    }

    @Test func theHeatMapLabelsColumnsPutsAllRespondentsFirstAndDropsEmptySectors() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let survey = try SurveyFile.load(path: root.appendingPathComponent("Surveys/ai-risk-assessment.yaml").path)
        let entries = [
            HeatMap.Entry(row: "yes", rowLabel: "Yes", sector: "police", base: 3, percent: 66.666),
            HeatMap.Entry(row: "yes", rowLabel: "Yes", sector: "customs_border", base: 0, percent: nil),
            HeatMap.Entry(row: "yes", rowLabel: "Yes", sector: "unclassified", base: 1, percent: 0),
            HeatMap.Entry(row: "yes", rowLabel: "Yes", sector: SurveyAnalysis.allSectors, base: 4, percent: 50),
            HeatMap.Entry(row: "no", rowLabel: "No", sector: "police", base: 3, percent: 33.333),
            HeatMap.Entry(row: "no", rowLabel: "No", sector: "customs_border", base: 0, percent: nil),
            HeatMap.Entry(row: "no", rowLabel: "No", sector: "unclassified", base: 1, percent: 100),
            HeatMap.Entry(row: "no", rowLabel: "No", sector: SurveyAnalysis.allSectors, base: 4, percent: 50),
        ]
        let map = HeatMap(id: "q", caption: "Q", rowHeading: "Option", entries: entries, survey: survey)
        #expect(map.columns.map(\.label) == ["All respondents", "Police", "Unclassified"])
        #expect(map.columns.map(\.base) == [4, 3, 1])
        #expect(map.rows.map(\.label) == ["Yes", "No"])
        #expect(map.rows[0].percents == [50, 66.666, 0])
        #expect(!map.isEmpty)
        let empty = HeatMap(id: "q", caption: "Q", rowHeading: "Option", entries: entries.map {
            HeatMap.Entry(row: $0.row, rowLabel: $0.rowLabel, sector: $0.sector, base: 0, percent: nil)
        }, survey: survey)
        #expect(empty.isEmpty)
    }
}
