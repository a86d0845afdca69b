import ConsultCore
import ConsultStore
import Foundation

/// The raw export: one row (CSV) or element (XML) per submission, its latest version,
/// under the same pseudonymous ids and privacy rules as the analysis.
///
/// CSV columns: the respondent's facts, then per question: `q` (single choice, scale,
/// number, text, e-mail, country), `q.<option>` (multiple choice: 1 or 0), `q.<item>`
/// (matrix), and for choices with "other": `q.other` (1 or 0, multiple choice) and
/// `q.other_text`. Every name is unique: a question column whose name is taken already
/// (a fact column, or an earlier column of the same question) gets `.answer` appended.
/// Writing blocks: run it off Swift's cooperative threads.
public struct ResponsesExport: Sendable {
    public let survey: Survey
    let database: any ConsultStorage

    public init(survey: Survey, database: any ConsultStorage) {
        self.survey = survey
        self.database = database
    }

    static let factColumns = [
        "respondent", "received_at", "updated_at", "version", "declared_sector", "other_sector", "final_sector",
        "country", "m49_region", "m49_subregion", "interpol_region", "publication", "level",
        // campaigns: the cluster of look-alike submissions it belongs to (empty: none).
        "cluster",
    ]

    /// The CSV header: the respondent's facts, then the questions' columns in survey order,
    /// each name unique (see ``uniqueName(_:among:)``).
    public var columns: [String] {
        var used = Set(Self.factColumns)
        return Self.factColumns + survey.questions.flatMap(Self.columns(of:)).map { Self.uniqueName($0, among: &used) }
    }

    /// `name`, or if `used` holds it already, `name` with `.answer` appended (as often as needed);
    /// the result is added to `used`. So a question whose id is a fact column's name (`country`,
    /// `publication`) has its column `country.answer`, and a multiple-choice option `other_text`
    /// leaves the "other" text column `q.other_text.answer`.
    static func uniqueName(_ name: String, among used: inout Set<String>) -> String {
        var unique = name
        while !used.insert(unique).inserted { unique += ".answer" }
        return unique
    }

    /// The columns of one question, before they are made unique.
    static func columns(of question: Question) -> [String] {
        let id = question.id.rawValue
        switch question.kind {
        case .singleChoice(let list):
            return [id] + (list.allowsOther ? ["\(id).other_text"] : [])
        case .multipleChoice(let list, _):
            return list.options.map { "\(id).\($0.id)" } + (list.allowsOther ? ["\(id).other", "\(id).other_text"] : [])
        case .matrix(let items, _):
            return items.map { "\(id).\($0.id)" }
        case .scale, .text, .number, .country, .email, .file:
            return [id]
        }
    }

    /// Writes the header and one row per submission; `progress` gets the count written so far.
    public func writeCSV(to writer: CSVWriter, progress: (Int) -> Void = { _ in }) throws {
        try writer.writeHeader(columns)
        try forEachRow(progress: progress) { try writer.writeRow($0) }
    }

    /// Hands `body` each submission's row, cells in the order of ``columns`` (CSV, XLSX);
    /// `progress` gets the count written so far.
    func forEachRow(progress: (Int) -> Void, _ body: ([Cell]) throws -> Void) throws {
        var written = 0
        var layout = ValueLayout.none, answers = RowAnswers(), cells: [Cell] = []
        try database.forEachResponse(survey: survey.id, codes: { layout = ValueLayout(survey.questions, $0) }) { row in
            answers.group(row.values, by: layout)
            cells.removeAll(keepingCapacity: true)
            appendCells(of: row, answers, to: &cells)
            try body(cells)
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
        var layout = ValueLayout.none, answers = RowAnswers()
        try database.forEachResponse(survey: survey.id, codes: { layout = ValueLayout(survey.questions, $0) }) { row in
            answers.group(row.values, by: layout)
            try writeElement(of: row, answers, to: writer)
            written += 1
            if written % 10_000 == 0 { progress(written) }
        }
        try writer.endDocument()
        progress(written)
    }

    // MARK: CSV

    private func appendCells(of row: ResponseRow, _ answers: RowAnswers, to cells: inout [Cell]) {
        let country = row.country.flatMap(CountryTable.country)
        cells += [
            .text(database.pseudonyms.pseudonym(for: row.submissionID)), .text(Instant.utcText(row.receivedAt)),
            .text(Instant.utcText(row.updatedAt)), .integer(row.version), .text(row.declaredSector),
            row.publication.disclosesOtherSectorText ? row.otherSectorText.map(Cell.text) ?? .empty : .empty,
            .text(row.finalSector),
            row.country.map(Cell.text) ?? .empty, country?.m49Region.map(Cell.text) ?? .empty,
            country?.m49SubRegion.map(Cell.text) ?? .empty, country?.interpolRegion.map(Cell.text) ?? .empty,
            .text(row.publication.rawValue), row.level.map(Cell.text) ?? .empty,
            row.cluster.map { Cell.text(String($0)) } ?? .empty,
        ]
        for index in answers.layout.questions.indices {
            appendQuestionCells(index, answers.values(of: index, in: row.values), publication: row.publication, layout: answers.layout, to: &cells)
        }
    }

    private func appendQuestionCells(
        _ index: Int, _ values: ArraySlice<CodedValue>?, publication: PublicationChoice, layout: ValueLayout, to cells: inout [Cell]
    ) {
        let question = layout.questions[index]
        let showsText = publication.disclosesText(of: question)
        let closedShown = publication.disclosesAnswer(to: question)
        switch question.kind {
        case .singleChoice(let list):
            cells.append(closedShown ? values?.first.flatMap { layout.id($0.option) }.map(Cell.text) ?? .empty : .empty)
            if list.allowsOther { cells.append(showsText ? Self.otherText(in: values, layout).map(Cell.text) ?? .empty : .empty) }
        case .multipleChoice(let list, _):
            let answered = values != nil && closedShown
            for code in layout.optionCodes[index] {
                cells.append(answered ? .integer(values?.contains { $0.option == code } == true ? 1 : 0) : .empty)
            }
            if list.allowsOther {
                cells.append(answered ? .integer(values?.contains { $0.option == layout.otherCode } == true ? 1 : 0) : .empty)
                cells.append(showsText ? Self.otherText(in: values, layout).map(Cell.text) ?? .empty : .empty)
            }
        case .matrix:
            for code in layout.itemCodes[index] {
                guard let values, closedShown else {
                    cells.append(.empty)
                    continue
                }
                cells.append(values.first { $0.item == code }?.number.map(Cell.number) ?? .empty)
            }
        case .scale, .number:
            cells.append(closedShown ? values?.first?.number.map(Cell.number) ?? .empty : .empty)
        case .country:
            cells.append(closedShown ? values?.first.flatMap { layout.id($0.option) }.map(Cell.text) ?? .empty : .empty)
        case .text, .email:
            cells.append(showsText ? values?.first?.text.map(Cell.text) ?? .empty : .empty)
        case .file:
            // Position papers: the files leave only through the attachments export.
            cells.append(.empty)
        }
    }

    // MARK: XML

    private func writeElement(of row: ResponseRow, _ answers: RowAnswers, to writer: XMLStreamWriter) throws {
        let country = row.country.flatMap(CountryTable.country)
        try writer.startElement("response")
        try writer.attribute("respondent", database.pseudonyms.pseudonym(for: row.submissionID))
        try writer.attribute("received_at", Instant.utcText(row.receivedAt))
        try writer.attribute("updated_at", Instant.utcText(row.updatedAt))
        try writer.attribute("version", String(row.version))
        try writer.attribute("declared_sector", row.declaredSector)
        try writer.attribute("final_sector", row.finalSector)
        try writer.attribute("publication", row.publication.rawValue)
        if let code = row.country { try writer.attribute("country", code) }
        if let region = country?.m49Region { try writer.attribute("m49_region", region) }
        if let region = country?.m49SubRegion { try writer.attribute("m49_subregion", region) }
        if let region = country?.interpolRegion { try writer.attribute("interpol_region", region) }
        if let level = row.level { try writer.attribute("level", level) }
        if let cluster = row.cluster { try writer.attribute("cluster", String(cluster)) }
        if let other = row.otherSectorText, row.publication.disclosesOtherSectorText {
            try writer.element("other_sector", text: other)
        }
        for index in answers.layout.questions.indices {
            guard let values = answers.values(of: index, in: row.values) else { continue }
            let question = answers.layout.questions[index]
            try writer.startElement("answer")
            try writer.attribute("question", question.id.rawValue)
            try writeAnswer(index, values, publication: row.publication, layout: answers.layout, to: writer)
            try writer.endElement()
        }
        try writer.endElement()
    }

    private func writeAnswer(
        _ index: Int, _ values: ArraySlice<CodedValue>, publication: PublicationChoice, layout: ValueLayout, to writer: XMLStreamWriter
    ) throws {
        let question = layout.questions[index]
        let withholding = publication.withholding(question)
        if withholding == .personal {
            try writer.attribute("withheld", PublicationChoice.Withholding.personal.rawValue)
            return
        }
        switch question.kind {
        case .singleChoice, .multipleChoice:
            for value in values { if let choice = layout.id(value.option) { try writer.element("choice", text: choice) } }
            if let other = Self.otherText(in: values, layout), withholding == nil { try writer.element("other", text: other) }
        case .matrix(let items, _):
            for (item, code) in zip(items, layout.itemCodes[index]) {
                guard let number = values.first(where: { $0.item == code })?.number else { continue }
                try writer.startElement("rating")
                try writer.attribute("item", item.id.rawValue)
                try writer.text(Cell.number(number).text)
                try writer.endElement()
            }
        case .scale, .number:
            try writer.element("value", text: values.first?.number.map { Cell.number($0).text } ?? "")
        case .country:
            try writer.element("value", text: values.first.flatMap { layout.id($0.option) } ?? "")
        case .text, .email:
            if let withholding {
                try writer.attribute("withheld", withholding.rawValue)
            } else {
                try writer.element("text", text: values.first?.text ?? "")
            }
        case .file:
            // Position papers: the files leave only through the attachments export.
            break
        }
    }

    // MARK: Reading stored answers

    /// The text given with "other", if chosen.
    static func otherText(in values: ArraySlice<CodedValue>?, _ layout: ValueLayout) -> String? {
        values?.first { $0.option != nil && $0.option == layout.otherCode }?.text
    }
}

/// The survey's questions in order, with the answer codes of the file they are read from:
/// which question each code belongs to, and the codes of every option and matrix item.
struct ValueLayout {
    let questions: [Question]
    let ids: [Int64: String]
    let questionIndex: [Int64: Int]
    /// Per question: the codes of its options (multiple choice) or items (matrix), in survey order.
    let optionCodes: [[Int64?]]
    let itemCodes: [[Int64?]]
    let otherCode: Int64?

    static let none = ValueLayout([], AnswerCodes(ids: [:]))

    init(_ questions: [Question], _ codes: AnswerCodes) {
        self.questions = questions
        ids = codes.ids
        let byID = Dictionary(codes.ids.map { ($1, $0) }, uniquingKeysWith: min)
        questionIndex = Dictionary(
            questions.enumerated().compactMap { index, question in byID[question.id.rawValue].map { ($0, index) } },
            uniquingKeysWith: min)
        optionCodes = questions.map { question in
            guard case .multipleChoice(let list, _) = question.kind else { return [] }
            return list.options.map { byID[$0.id.rawValue] }
        }
        itemCodes = questions.map { question in
            guard case .matrix(let items, _) = question.kind else { return [] }
            return items.map { byID[$0.id.rawValue] }
        }
        otherCode = byID[ChoiceList.otherID.rawValue]
    }

    func id(_ code: Int64?) -> String? { code.flatMap { ids[$0] } }
}

/// Where each question's values lie among one submission's values (a question's values are stored
/// next to each other). Reused from row to row.
struct RowAnswers {
    private(set) var layout = ValueLayout.none
    private var ranges: [Range<Int>?] = []

    mutating func group(_ values: [CodedValue], by layout: ValueLayout) {
        self.layout = layout
        if ranges.count == layout.questions.count {
            for index in ranges.indices { ranges[index] = nil }
        } else {
            ranges = Array(repeating: nil, count: layout.questions.count)
        }
        var start = 0
        while start < values.count {
            var end = start + 1
            while end < values.count && values[end].question == values[start].question { end += 1 }
            if let index = layout.questionIndex[values[start].question] { ranges[index] = start..<end }
            start = end
        }
    }

    /// The values answering question `index` among the row's `values`, or nil when it was not answered.
    func values(of index: Int, in values: [CodedValue]) -> ArraySlice<CodedValue>? {
        ranges[index].map { values[$0] }
    }
}
