import ConsultCore
import ConsultExport
import Foundation

/// Percentages as the pages show them: one decimal and a percent sign ("42.9 %"). Exports keep
/// their full precision; this is for reading only.
enum PercentText {
    static func display(_ percent: Double) -> String {
        String(format: "%.1f %%", percent)
    }
}

/// A row × sector table of percentages (options of a closed question, or scored levels), each cell
/// shaded by its percent, with the base n of every column, and a bar chart of all respondents beside it.
/// Many sectors stay readable this way where a group of bars per row would not.
struct HeatMap {
    /// One figure of the source table: the percent of `sector`'s base that falls in `row`.
    struct Entry {
        let row: String
        let rowLabel: String
        let sector: String
        let base: Int
        /// Nil when the base is zero.
        let percent: Double?
    }

    struct Column {
        let sector: String
        let label: String
        let base: Int
    }

    struct Row {
        let label: String
        /// One per column.
        let percents: [Double?]
    }

    let id: String
    let caption: String
    /// The heading of the row labels' column, e.g. "Option".
    let rowHeading: String
    let columns: [Column]
    let rows: [Row]

    /// Columns: all respondents first, then every sector with a base above zero, in the source's order.
    init(id: String, caption: String, rowHeading: String, entries: [Entry], survey: Survey) {
        self.id = id
        self.caption = caption
        self.rowHeading = rowHeading
        var columns: [Column] = []
        var rowOrder: [String] = []
        var labels: [String: String] = [:]
        var percents: [String: [String: Double]] = [:]
        for entry in entries {
            if !columns.contains(where: { $0.sector == entry.sector }),
                entry.sector == SurveyAnalysis.allSectors || entry.base > 0
            {
                columns.append(Column(
                    sector: entry.sector, label: SurveyAnalysis.sectorLabel(entry.sector, in: survey), base: entry.base))
            }
            if labels[entry.row] == nil {
                rowOrder.append(entry.row)
                labels[entry.row] = entry.rowLabel
            }
            if let percent = entry.percent { percents[entry.row, default: [:]][entry.sector] = percent }
        }
        let ordered = columns.filter { $0.sector == SurveyAnalysis.allSectors } + columns.filter { $0.sector != SurveyAnalysis.allSectors }
        self.columns = ordered
        self.rows = rowOrder.map { row in
            Row(label: labels[row] ?? row, percents: ordered.map { $0.base > 0 ? percents[row]?[$0.sector] ?? 0 : nil })
        }
    }

    /// Whether anyone is counted at all.
    var isEmpty: Bool { !columns.contains { $0.base > 0 } }

    /// The shade class of a percent: `heat-0` (under 10 %) … `heat-9` (90 % and more).
    static func shade(_ percent: Double) -> String {
        "heat-\(min(9, max(0, Int(percent / 10))))"
    }

    /// What the template reads.
    func view() -> [String: Any] {
        var chart = "", allBase = 0
        if !isEmpty, let all = columns.firstIndex(where: { $0.sector == SurveyAnalysis.allSectors }) {
            allBase = columns[all].base
            chart = SVGChart.labelledBars(
                id: "bars-\(id)", title: "All respondents (n = \(columns[all].base)) – \(caption)",
                bars: rows.map { ($0.label, $0.percents[all] ?? 0) }, format: PercentText.display)
        }
        return [
            "id": id, "caption": caption, "rowHeading": rowHeading,
            "columns": columns.map { ["label": $0.label, "base": $0.base] },
            "rows": rows.map { row in
                [
                    "label": row.label,
                    "cells": row.percents.map { percent -> [String: Any] in
                        guard let percent else { return ["text": "–", "shade": "heat-none"] }
                        return ["text": PercentText.display(percent), "shade": Self.shade(percent)]
                    },
                ] as [String: Any]
            },
            "chart": chart, "allBase": allBase,
        ]
    }
}
