import Foundation

/// Bar charts drawn on the server as inline SVG: no script, no external file, readable by
/// screen readers through their title and description, colours distinguishable on white.
enum SVGChart {
    /// One labelled bar (or group of bars, one per series).
    struct Group {
        let label: String
        /// One value per series, in the order of the chart's series.
        let values: [Double]
    }

    /// Colours of the series, with at least 3:1 contrast against white.
    static let palette = ["#0b4f8a", "#b45f06", "#00703c", "#6f3c97", "#b10e1e", "#00626b", "#7a5b00", "#505a5f", "#1d70b8"]

    /// A horizontal bar chart: a row per group, a bar per series, each bar labelled with its
    /// value (`format` turns a value into the label, e.g. "42" or "12.5 %").
    static func horizontalBars(
        id: String, title: String, groups: [Group], series: [String], format: (Double) -> String
    ) -> String {
        let labelWidth = 260.0, barArea = 380.0, valueWidth = 70.0
        let barHeight = 14.0, gap = 3.0, groupGap = 10.0
        let maximum = max(groups.flatMap(\.values).max() ?? 0, 1)
        let legendHeight = series.count > 1 ? Double(series.count) * 18 + 8 : 0
        var y = legendHeight
        var body = ""
        if series.count > 1 {
            for (index, name) in series.enumerated() {
                let top = Double(index) * 18
                body += "<rect x=\"0\" y=\"\(top + 2)\" width=\"12\" height=\"12\" fill=\"\(color(index))\"/>"
                body += "<text x=\"18\" y=\"\(top + 12)\">\(escape(name))</text>"
            }
        }
        for group in groups {
            let groupHeight = Double(group.values.count) * (barHeight + gap)
            body += "<text x=\"0\" y=\"\(y + min(groupHeight, barHeight) - 3)\">\(escape(truncated(group.label, 42)))</text>"
            for (index, value) in group.values.enumerated() {
                let width = max(0, value / maximum * barArea)
                body += "<rect x=\"\(labelWidth)\" y=\"\(y)\" width=\"\(format2(width))\" height=\"\(barHeight)\" fill=\"\(color(index))\">"
                body += "<title>\(escape(group.label))\(series.count > 1 ? " – " + escape(series[index]) : ""): \(escape(format(value)))</title></rect>"
                body += "<text x=\"\(format2(labelWidth + width + 4))\" y=\"\(y + barHeight - 3)\">\(escape(format(value)))</text>"
                y += barHeight + gap
            }
            y += groupGap
        }
        let width = labelWidth + barArea + valueWidth
        let height = max(y, 20)
        let description = groups.map { group in
            "\(group.label): " + zip(series, group.values).map { "\($0) \(format($1))" }.joined(separator: ", ")
        }.joined(separator: "; ")
        return """
            <svg class="chart" id="\(escape(id))" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(format2(width)) \(format2(height))" \
            width="\(format2(width))" height="\(format2(height))" role="img" aria-labelledby="\(escape(id))-title \(escape(id))-desc" \
            font-family="system-ui, sans-serif" font-size="12" fill="#1b1b1b">\
            <title id="\(escape(id))-title">\(escape(title))</title><desc id="\(escape(id))-desc">\(escape(description))</desc>\
            \(body)</svg>
            """
    }

    static func color(_ index: Int) -> String { palette[index % palette.count] }

    /// Text escaped for SVG (XML) content and attributes.
    static func escape(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }

    private static func truncated(_ text: String, _ length: Int) -> String {
        text.count <= length ? text : String(text.prefix(length - 1)) + "…"
    }

    private static func format2(_ value: Double) -> String { String(format: "%.1f", value) }
}
