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
            let lines = wrapped(group.label, budget: 40)
            let top = y
            body += textLines(lines, x: 0, firstBaseline: y + barHeight - 3, lineHeight: 14)
            for (index, value) in group.values.enumerated() {
                let width = max(0, value / maximum * barArea)
                body += "<rect x=\"\(labelWidth)\" y=\"\(y)\" width=\"\(format2(width))\" height=\"\(barHeight)\" fill=\"\(color(index))\">"
                body += "<title>\(escape(group.label))\(series.count > 1 ? " – " + escape(series[index]) : ""): \(escape(format(value)))</title></rect>"
                body += "<text x=\"\(format2(labelWidth + width + 4))\" y=\"\(y + barHeight - 3)\">\(escape(format(value)))</text>"
                y += barHeight + gap
            }
            y = max(y, top + Double(lines.count) * 14 + gap)
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

    /// A bar per label for one series, each label wrapped onto lines above its bar: narrow
    /// enough (340 units, 14-unit text) to keep its text readable at phone width without shrinking.
    static func labelledBars(id: String, title: String, bars: [(label: String, value: Double)], format: (Double) -> String) -> String {
        let width = 340.0, valueWidth = 70.0, barHeight = 16.0, lineHeight = 17.0, gap = 12.0
        let barArea = width - valueWidth
        let maximum = max(bars.map(\.value).max() ?? 0, 1)
        var y = 0.0
        var body = ""
        for bar in bars {
            let lines = wrapped(bar.label, budget: 38)
            body += textLines(lines, x: 0, firstBaseline: y + 13, lineHeight: lineHeight)
            y += Double(lines.count) * lineHeight + 3
            let length = max(0, bar.value / maximum * barArea)
            body += "<rect x=\"0\" y=\"\(format2(y))\" width=\"\(format2(length))\" height=\"\(barHeight)\" fill=\"\(color(0))\">"
            body += "<title>\(escape(bar.label)): \(escape(format(bar.value)))</title></rect>"
            body += "<text x=\"\(format2(length + 4))\" y=\"\(format2(y + barHeight - 3))\">\(escape(format(bar.value)))</text>"
            y += barHeight + gap
        }
        let height = max(y, 20)
        let description = bars.map { "\($0.label): \(format($0.value))" }.joined(separator: "; ")
        return """
            <svg class="chart bars" id="\(escape(id))" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(format2(width)) \(format2(height))" \
            width="\(format2(width))" height="\(format2(height))" role="img" aria-labelledby="\(escape(id))-title \(escape(id))-desc" \
            font-family="system-ui, sans-serif" font-size="14" fill="#1b1b1b">\
            <title id="\(escape(id))-title">\(escape(title))</title><desc id="\(escape(id))-desc">\(escape(description))</desc>\
            \(body)</svg>
            """
    }

    /// `text` split at spaces into lines of at most `budget` characters (a longer word stays whole).
    static func wrapped(_ text: String, budget: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: true) {
            if line.isEmpty {
                line = String(word)
            } else if line.count + 1 + word.count <= budget {
                line += " " + word
            } else {
                lines.append(line)
                line = String(word)
            }
        }
        if !line.isEmpty || lines.isEmpty { lines.append(line) }
        return lines
    }

    /// A `<text>` with a `<tspan>` per line (SVG text does not wrap by itself).
    private static func textLines(_ lines: [String], x: Double, firstBaseline: Double, lineHeight: Double) -> String {
        var text = "<text x=\"\(format2(x))\" y=\"\(format2(firstBaseline))\">"
        for (index, line) in lines.enumerated() {
            text += "<tspan x=\"\(format2(x))\" dy=\"\(index == 0 ? "0" : format2(lineHeight))\">\(escape(line))</tspan>"
        }
        return text + "</text>"
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

    private static func format2(_ value: Double) -> String { String(format: "%.1f", value) }
}
