import ConsultCore
import Foundation

/// Writes each table to `<folder>/<table>.csv`.
public final class CSVTableFolder: TableSink {
    let folder: URL
    let options: CSVOptions
    private var output: BufferedOutput?
    private var writer: CSVWriter?
    /// The files written, in order.
    public private(set) var files: [URL] = []

    public init(folder: URL, options: CSVOptions) {
        self.folder = folder
        self.options = options
    }

    public func begin(_ table: TableHeader) throws {
        let file = folder.appendingPathComponent("\(table.name).csv")
        let output = try BufferedOutput(path: file.path)
        let writer = try CSVWriter(output: output, options: options)
        try writer.writeHeader(table.columns.map(\.name))
        self.output = output
        self.writer = writer
        files.append(file)
    }

    public func row(_ cells: [Cell]) throws {
        try writer?.writeRow(cells)
    }

    public func end() throws {
        try output?.close()
        output = nil
        writer = nil
    }
}

/// Writes the analysis as one XML document (namespace `urn:consult:analysis:1`, schema `Exports/analysis.xsd`).
public final class XMLAnalysisDocument: TableSink {
    private let writer: XMLStreamWriter
    private let output: BufferedOutput

    /// Starts the document with the survey's facts; `finish()` ends it.
    public init(output: BufferedOutput, analysis: SurveyAnalysis, generatedAt: Date) throws {
        self.output = output
        writer = try XMLStreamWriter(output: output)
        try writer.startDocument()
        try writer.startElement("analysis")
        try writer.attribute("xmlns", "urn:consult:analysis:1")
        try writer.attribute("survey", analysis.survey.id.rawValue)
        try writer.attribute("title", analysis.survey.title)
        try writer.attribute("generated_at", Instant.utcText(generatedAt))
        try writer.attribute("time_zone", analysis.survey.timeZone.identifier)
        try writer.attribute("submissions", String(analysis.respondents))
        // campaigns: how many submissions the counted-once tables leave out.
        try writer.attribute("counted_once_left_out", String(analysis.leftOutOfCountedOnce))
    }

    public func begin(_ table: TableHeader) throws {
        try writer.startElement("table")
        try writer.attribute("name", table.name)
        try writer.attribute("title", table.title)
        for column in table.columns {
            try writer.startElement("column")
            try writer.attribute("name", column.name)
            try writer.attribute("type", column.type.rawValue)
            try writer.endElement()
        }
    }

    public func row(_ cells: [Cell]) throws {
        try writer.startElement("row")
        for cell in cells {
            if case .empty = cell {
                try writer.startElement("value")
                try writer.endElement()
            } else {
                try writer.element("value", text: cell.text)
            }
        }
        try writer.endElement()
    }

    public func end() throws {
        try writer.endElement()
    }

    /// Ends the document and flushes it into the output.
    public func finish() throws {
        try writer.endDocument()
        try output.flush()
    }
}
