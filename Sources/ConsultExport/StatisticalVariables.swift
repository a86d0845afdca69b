import ConsultCore
import ConsultStore
import Foundation

/// One variable of an SPSS or Stata file of the raw responses.
struct StatisticalVariable: Sendable {
    enum Kind: Sendable, Equatable {
        /// A string (UTF-8); empty when there is no text to show.
        case text
        /// An instant, as the format's date-time (SPSS DATETIME, Stata %tc), in UTC.
        case instant
        /// A number; question variables may hold ``MissingReason``s.
        case number
    }

    enum Measure: Sendable {
        case nominal, ordinal, scale
    }

    let name: String
    /// The question text (with the option or item in brackets), cut to the format's limit.
    let label: String
    let kind: Kind
    /// Labels of the valid values (codes of single choices, scale points, 0/1 of multiple choices).
    let valueLabels: [(value: Int, label: String)]
    /// Whether the variable takes ``MissingReason``s (every numeric question variable).
    let takesMissing: Bool
    /// The lowest valid value the survey declares (nil for a number question without minimum: its
    /// lowest value is then measured in the data).
    let declaredLowest: Double?
    let measure: Measure
}

/// A cell of one row of the file.
enum StatisticalValue: Sendable {
    case number(Double)
    case text(String)
    case instant(Date)
    case missing(MissingReason)
}

/// The variables of the SPSS or Stata file of a survey's raw responses, and the values of each
/// submission: the raw CSV's columns (``ResponsesExport/columns``), renamed by ``VariableNamer``,
/// labelled with the question texts, options, items and scale points, coded as numbers where the
/// answer is closed. The privacy rule is ``PublicationChoice``'s, as in every export.
struct StatisticalVariables: Sendable {
    let format: StatisticalFileFormat
    let survey: Survey
    let variables: [StatisticalVariable]
    /// Per question: the number each option id (and "other") is coded as in a single-choice variable.
    private let choiceNumbers: [[String: Int]]
    /// Per question: its display condition as (index of the question it looks at, option ids, scale values).
    private let conditions: [(question: Int, options: Set<String>, points: Set<Double>)?]

    static let otherLabel = "Other (please specify)"

    init(survey: Survey, format: StatisticalFileFormat) {
        self.format = format
        self.survey = survey
        var namer = VariableNamer(format: format)
        var variables: [StatisticalVariable] = []
        func add(_ column: String, _ label: String, _ kind: StatisticalVariable.Kind, labels: [(value: Int, label: String)] = [],
                 missing: Bool = false, lowest: Double? = nil, measure: StatisticalVariable.Measure = .nominal) {
            variables.append(StatisticalVariable(
                name: namer.name(for: column), label: StatisticalText.label(label, for: format), kind: kind,
                valueLabels: labels.map { (value: $0.value, label: StatisticalText.valueLabel($0.label, for: format)) },
                takesMissing: missing, declaredLowest: lowest, measure: measure))
        }
        let factLabels: [String: (String, StatisticalVariable.Kind)] = [
            "respondent": ("Respondent (pseudonymous id)", .text), "received_at": ("First submitted (UTC)", .instant),
            "updated_at": ("Last edited (UTC)", .instant), "version": ("Version of the submission", .number),
            "declared_sector": ("Sector declared by the respondent", .text),
            "other_sector": ("Sector named under \"other\"", .text), "final_sector": ("Sector after review", .text),
            "country": ("Country (ISO 3166-1 alpha-2)", .text), "m49_region": ("UN M49 region", .text),
            "m49_subregion": ("UN M49 sub-region", .text), "interpol_region": ("INTERPOL region", .text),
            "publication": ("Publication choice", .text), "level": ("Score level", .text),
            "cluster": ("Cluster of look-alike submissions", .text),
        ]
        for column in ResponsesExport.factColumns {
            let (label, kind) = factLabels[column] ?? (column, .text)
            add(column, label, kind, measure: kind == .number ? .scale : .nominal)
        }
        var choiceNumbers: [[String: Int]] = []
        var usedColumns = Set(ResponsesExport.factColumns)
        for question in survey.questions {
            // The CSV's column names, `.answer` appended where taken, so `country.answer` becomes `country_answer`.
            let columns = ResponsesExport.columns(of: question).map { ResponsesExport.uniqueName($0, among: &usedColumns) }
            var numbers: [String: Int] = [:]
            switch question.kind {
            case .singleChoice(let list):
                var labels: [(value: Int, label: String)] = list.options.enumerated().map { (value: $0.offset + 1, label: $0.element.label) }
                if list.allowsOther { labels.append((value: list.options.count + 1, label: Self.otherLabel)) }
                for (index, option) in list.options.enumerated() { numbers[option.id.rawValue] = index + 1 }
                if list.allowsOther { numbers[ChoiceList.otherID.rawValue] = list.options.count + 1 }
                add(columns[0], question.text, .number, labels: labels, missing: true, lowest: 1)
                if list.allowsOther { add(columns[1], "[\(Self.otherLabel): text] \(question.text)", .text) }
            case .multipleChoice(let list, _):
                let chosen = [(value: 0, label: "not chosen"), (value: 1, label: "chosen")]
                for (column, option) in zip(columns, list.options) {
                    add(column, "[\(option.label)] \(question.text)", .number, labels: chosen, missing: true, lowest: 0)
                }
                if list.allowsOther {
                    add(columns[list.options.count], "[\(Self.otherLabel)] \(question.text)", .number, labels: chosen,
                        missing: true, lowest: 0)
                    add(columns[list.options.count + 1], "[\(Self.otherLabel): text] \(question.text)", .text)
                }
            case .matrix(let items, let scale):
                for (column, item) in zip(columns, items) {
                    add(column, "[\(item.label)] \(question.text)", .number, labels: Self.labels(of: scale), missing: true,
                        lowest: Double(scale.range.lowerBound), measure: .ordinal)
                }
            case .scale(let scale):
                add(columns[0], question.text, .number, labels: Self.labels(of: scale), missing: true,
                    lowest: Double(scale.range.lowerBound), measure: .ordinal)
            case .number(let range):
                add(columns[0], question.text, .number, missing: true, lowest: range.min, measure: .scale)
            case .text, .email, .country, .file:
                add(columns[0], question.text, .text)
            }
            choiceNumbers.append(numbers)
        }
        self.variables = variables
        self.choiceNumbers = choiceNumbers
        let indexByID = Dictionary(survey.questions.enumerated().map { ($1.id, $0) }, uniquingKeysWith: min)
        conditions = survey.questions.map { question in
            guard let condition = question.showIf else { return nil }
            var options: Set<String> = [], points: Set<Double> = []
            for value in condition.values {
                switch value {
                case .option(let id): options.insert(id.rawValue)
                case .scaleValue(let point): points.insert(Double(point))
                }
            }
            return (indexByID[condition.question] ?? -1, options, points)
        }
    }

    private static func labels(of scale: Scale) -> [(value: Int, label: String)] {
        scale.points.map { (value: $0.value, label: $0.label) }
    }

    /// Which questions `row` was shown, in survey order (as the answer check decides it: a question
    /// with a display condition is shown when the question it looks at was shown and its answer is,
    /// or includes, one of the condition's values).
    func shown(_ row: ResponseRow, _ answers: RowAnswers, into shown: inout [Bool]) {
        let layout = answers.layout
        shown.removeAll(keepingCapacity: true)
        for index in layout.questions.indices {
            guard let condition = conditions[index] else {
                shown.append(true)
                continue
            }
            guard condition.question >= 0, condition.question < index, shown[condition.question],
                let values = answers.values(of: condition.question, in: row.values)
            else {
                shown.append(false)
                continue
            }
            shown.append(values.contains { value in
                if let id = layout.id(value.option) { return condition.options.contains(id) }
                return value.item == nil && value.number.map(condition.points.contains) == true
            })
        }
    }

    /// The values of `row`, one per variable, into `values` (emptied first).
    func fill(
        _ row: ResponseRow, _ answers: RowAnswers, pseudonym: String, shown: [Bool], into values: inout [StatisticalValue]
    ) {
        values.removeAll(keepingCapacity: true)
        let country = row.country.flatMap(CountryTable.country)
        func text(_ text: String?) -> StatisticalValue { .text(text.map { StatisticalText.value($0, for: format) } ?? "") }
        values += [
            text(pseudonym), .instant(row.receivedAt), .instant(row.updatedAt), .number(Double(row.version)),
            text(row.declaredSector), text(row.publication.disclosesOtherSectorText ? row.otherSectorText : nil),
            text(row.finalSector), text(row.country), text(country?.m49Region), text(country?.m49SubRegion),
            text(country?.interpolRegion), text(row.publication.rawValue), text(row.level),
            // campaigns: the cluster of look-alike submissions.
            text(row.cluster.map { String($0) }),
        ]
        let layout = answers.layout
        for (index, question) in layout.questions.enumerated() {
            let given = answers.values(of: index, in: row.values)
            let reason: MissingReason? =
                !shown[index] ? .notShown : !row.publication.disclosesAnswer(to: question) ? .withheld : given == nil ? .notAnswered : nil
            let showsText = reason == nil && row.publication.disclosesText(of: question)
            let otherText = showsText ? ResponsesExport.otherText(in: given, layout) : nil
            func closed(_ number: Double?) -> StatisticalValue {
                reason.map(StatisticalValue.missing) ?? number.map(StatisticalValue.number) ?? .missing(.notAnswered)
            }
            switch question.kind {
            case .singleChoice(let list):
                values.append(closed(layout.id(given?.first?.option).flatMap { choiceNumbers[index][$0] }.map(Double.init)))
                if list.allowsOther { values.append(text(otherText)) }
            case .multipleChoice(let list, _):
                for code in layout.optionCodes[index] {
                    values.append(closed(given?.contains { $0.option != nil && $0.option == code } == true ? 1 : 0))
                }
                if list.allowsOther {
                    values.append(closed(given?.contains { $0.option != nil && $0.option == layout.otherCode } == true ? 1 : 0))
                    values.append(text(otherText))
                }
            case .matrix:
                for code in layout.itemCodes[index] {
                    values.append(closed(given?.first { $0.item != nil && $0.item == code }?.number))
                }
            case .scale, .number:
                values.append(closed(given?.first?.number))
            case .country:
                values.append(text(reason == nil ? layout.id(given?.first?.option) : nil))
            case .text, .email:
                values.append(text(showsText ? given?.first?.text : nil))
            case .file:
                // Position papers: the files leave only through the attachments export.
                values.append(text(nil))
            }
        }
    }
}
