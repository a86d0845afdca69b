import ConsultCore
import ConsultStore
import Foundation

/// The raw export: one row (CSV) or element (XML) per submission, its latest version,
/// under the same pseudonymous ids and privacy rules as the analysis.
///
/// CSV columns: the respondent's facts, then per question: `q` (single choice, scale,
/// number, text, e-mail, country), `q.<option>` (multiple choice: 1 or 0), `q.<item>`
/// (matrix), and for choices with "other": `q.other` (1 or 0, multiple choice) and
/// `q.other_text`. Writing blocks: run it off Swift's cooperative threads.
public struct ResponsesExport: Sendable {
    public let survey: Survey
    let database: ConsultDatabase

    public init(survey: Survey, database: ConsultDatabase) {
        self.survey = survey
        self.database = database
    }

    static let factColumns = [
        "respondent", "received_at", "updated_at", "version", "declared_sector", "other_sector", "final_sector",
        "country", "m49_region", "m49_subregion", "interpol_region", "publication", "level",
    ]

    /// The CSV header: the respondent's facts, then the questions' columns in survey order.
    public var columns: [String] {
        Self.factColumns + survey.questions.flatMap { question -> [String] in
            let id = question.id.rawValue
            switch question.kind {
            case .singleChoice(let list):
                return [id] + (list.allowsOther ? ["\(id).other_text"] : [])
            case .multipleChoice(let list, _):
                return list.options.map { "\(id).\($0.id)" } + (list.allowsOther ? ["\(id).other", "\(id).other_text"] : [])
            case .matrix(let items, _):
                return items.map { "\(id).\($0.id)" }
            case .scale, .text, .number, .country, .email:
                return [id]
            }
        }
    }

    /// Writes the header and one row per submission; `progress` gets the count written so far.
    public func writeCSV(to writer: CSVWriter, progress: (Int) -> Void = { _ in }) throws {
        try writer.writeHeader(columns)
        var written = 0
        try database.forEachResponse(survey: survey.id) { row in
            try writer.writeRow(try cells(of: row))
            written += 1
            if written % 10_000 == 0 { progress(written) }
        }
        progress(written)
    }

    /// Writes the `<responses>` document; `progress` gets the count written so far.
    public func writeXML(to writer: XMLStreamWriter, generatedAt: Date, progress: (Int) -> Void = { _ in }) throws {
        try writer.startDocument()
        try writer.startElement("responses")
        try writer.attribute("xmlns", "urn:consult:responses:1")
        try writer.attribute("survey", survey.id.rawValue)
        try writer.attribute("generated_at", Instant.utcText(generatedAt))
        try writer.attribute("time_zone", survey.timeZone.identifier)
        var written = 0
        try database.forEachResponse(survey: survey.id) { row in
            try writeElement(of: row, to: writer)
            written += 1
            if written % 10_000 == 0 { progress(written) }
        }
        try writer.endDocument()
        progress(written)
    }

    // MARK: CSV

    private func cells(of row: ResponseRow) throws -> [Cell] {
        let answers = row.answers
        let country = row.country.flatMap(CountryTable.country)
        let confidential = row.publication == PublicationChoice.confidential.rawValue
        var cells: [Cell] = [
            .text(database.pseudonyms.pseudonym(for: row.submissionID)), .text(Instant.utcText(row.receivedAt)),
            .text(Instant.utcText(row.updatedAt)), .integer(row.version), .text(row.declaredSector),
            confidential ? .empty : row.otherSectorText.map(Cell.text) ?? .empty, .text(row.finalSector),
            row.country.map(Cell.text) ?? .empty, country?.m49Region.map(Cell.text) ?? .empty,
            country?.m49SubRegion.map(Cell.text) ?? .empty, country?.interpolRegion.map(Cell.text) ?? .empty,
            .text(row.publication), row.level.map(Cell.text) ?? .empty,
        ]
        for question in survey.questions {
            cells += questionCells(question, answers[question.id.rawValue], publication: row.publication)
        }
        return cells
    }

    private func questionCells(_ question: Question, _ values: [StoredValue]?, publication: String) -> [Cell] {
        let showsText = Disclosure.showsText(of: question, publication: publication)
        let closedShown = !question.isPersonal || publication == PublicationChoice.publicNamed.rawValue
        switch question.kind {
        case .singleChoice(let list):
            let (choices, other) = Self.choices(in: values)
            var cells: [Cell] = [closedShown ? choices.first.map(Cell.text) ?? .empty : .empty]
            if list.allowsOther { cells.append(showsText ? other.map(Cell.text) ?? .empty : .empty) }
            return cells
        case .multipleChoice(let list, _):
            let (choices, other) = Self.choices(in: values)
            let answered = values != nil && closedShown
            var cells = list.options.map { option -> Cell in
                answered ? .integer(choices.contains(option.id.rawValue) ? 1 : 0) : .empty
            }
            if list.allowsOther {
                cells.append(answered ? .integer(choices.contains(ChoiceList.otherID.rawValue) ? 1 : 0) : .empty)
                cells.append(showsText ? other.map(Cell.text) ?? .empty : .empty)
            }
            return cells
        case .matrix(let items, _):
            guard let values, closedShown else { return items.map { _ in .empty } }
            return items.map { item in
                values.first { $0.item == item.id.rawValue }?.number.map(Cell.decimal) ?? .empty
            }
        case .scale, .number:
            return [closedShown ? values?.first?.number.map(Cell.decimal) ?? .empty : .empty]
        case .country:
            return [closedShown ? values?.first?.option.map(Cell.text) ?? .empty : .empty]
        case .text, .email:
            return [showsText ? values?.first?.text.map(Cell.text) ?? .empty : .empty]
        }
    }

    // MARK: XML

    private func writeElement(of row: ResponseRow, to writer: XMLStreamWriter) throws {
        let answers = row.answers
        let country = row.country.flatMap(CountryTable.country)
        let confidential = row.publication == PublicationChoice.confidential.rawValue
        try writer.startElement("response")
        try writer.attribute("respondent", database.pseudonyms.pseudonym(for: row.submissionID))
        try writer.attribute("received_at", Instant.utcText(row.receivedAt))
        try writer.attribute("updated_at", Instant.utcText(row.updatedAt))
        try writer.attribute("version", String(row.version))
        try writer.attribute("declared_sector", row.declaredSector)
        try writer.attribute("final_sector", row.finalSector)
        try writer.attribute("publication", row.publication)
        if let code = row.country { try writer.attribute("country", code) }
        if let region = country?.m49Region { try writer.attribute("m49_region", region) }
        if let region = country?.m49SubRegion { try writer.attribute("m49_subregion", region) }
        if let region = country?.interpolRegion { try writer.attribute("interpol_region", region) }
        if let level = row.level { try writer.attribute("level", level) }
        if let other = row.otherSectorText, !confidential { try writer.element("other_sector", text: other) }
        for question in survey.questions {
            guard let values = answers[question.id.rawValue] else { continue }
            try writer.startElement("answer")
            try writer.attribute("question", question.id.rawValue)
            try writeAnswer(question, values, publication: row.publication, to: writer)
            try writer.endElement()
        }
        try writer.endElement()
    }

    private func writeAnswer(_ question: Question, _ values: [StoredValue], publication: String, to writer: XMLStreamWriter)
        throws
    {
        let showsText = Disclosure.showsText(of: question, publication: publication)
        if question.isPersonal && publication != PublicationChoice.publicNamed.rawValue {
            try writer.attribute("withheld", "personal")
            return
        }
        switch question.kind {
        case .singleChoice, .multipleChoice:
            let (choices, other) = Self.choices(in: values)
            for choice in choices { try writer.element("choice", text: choice) }
            if let other, showsText { try writer.element("other", text: other) }
        case .matrix(let items, _):
            for item in items {
                guard let number = values.first(where: { $0.item == item.id.rawValue })?.number else { continue }
                try writer.startElement("rating")
                try writer.attribute("item", item.id.rawValue)
                try writer.text(Cell.decimal(number).text)
                try writer.endElement()
            }
        case .scale, .number:
            try writer.element("value", text: values.first?.number.map { Cell.decimal($0).text } ?? "")
        case .country:
            try writer.element("value", text: values.first?.option ?? "")
        case .text, .email:
            if showsText {
                try writer.element("text", text: values.first?.text ?? "")
            } else {
                try writer.attribute("withheld", "confidential")
            }
        }
    }

    // MARK: Reading stored answers

    /// The option ids chosen, in storage order, and the "other" text.
    static func choices(in values: [StoredValue]?) -> (ids: [String], other: String?) {
        let values = values ?? []
        return (values.compactMap(\.option), values.first { $0.option == ChoiceList.otherID.rawValue }?.text)
    }
}
