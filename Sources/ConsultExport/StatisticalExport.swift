import ConsultCore
import ConsultStore
import Foundation

/// The raw responses as an SPSS `.sav` or Stata `.dta` file: one row per submission (its latest
/// version), the variables of ``StatisticalVariables``, written by ReadStat.
///
/// Both formats declare the row count and every string's width before the rows, so the export
/// reads the responses twice from one snapshot: first to measure (the longest text of each string
/// variable, the lowest value of each number question without a declared minimum), then to write.
/// A Stata file with `strL` variables takes a pass more in between, handing ReadStat their texts.
/// Writing blocks: run it off Swift's cooperative threads.
public struct StatisticalExport: Sendable {
    public let survey: Survey
    public let format: StatisticalFileFormat
    let database: any ConsultStorage

    public init(survey: Survey, format: StatisticalFileFormat, database: any ConsultStorage) {
        self.survey = survey
        self.format = format
        self.database = database
    }

    /// Writes the file to `path`; `progress` gets each pass's count so far ("measuring", then "responses").
    public func write(to path: String, generatedAt: Date, progress: (ExportProgress) -> Void = { _ in }) throws {
        let variables = StatisticalVariables(survey: survey, format: format)
        try database.withResponseSnapshot(survey: survey.id) { snapshot in
            let total = try snapshot.count()
            var measure = StatisticalMeasure(count: variables.variables.count)
            try forEachRow(of: snapshot, variables, step: "measuring", total: total, progress: progress) { measure.add($0) }
            let output = try BufferedOutput(path: path)
            let file = try ReadStatFile(format: format, output: output, label: survey.id.rawValue, timestamp: generatedAt)
            var references: [Int] = []
            for (index, variable) in variables.variables.enumerated() {
                let (storage, width) = measure.storage(of: variable, at: index, format: format)
                try file.add(variable, storage: storage, width: width)
                if case .stringRef = storage { references.append(index) }
            }
            if !references.isEmpty {
                // Stata strL texts must all reach ReadStat before the first row: a pass of their own.
                try forEachRow(of: snapshot, variables, step: "long texts", total: total, progress: progress) { values in
                    for index in references {
                        if case .text(let text) = values[index] { try file.keep(text) }
                    }
                }
            }
            try file.begin(rows: total)
            try forEachRow(of: snapshot, variables, step: "responses", total: total, progress: progress) { try file.write($0) }
            try file.finish()
            try output.close()
        }
    }

    private func forEachRow(
        of snapshot: any ResponseSnapshot, _ variables: StatisticalVariables, step: String, total: Int,
        progress: (ExportProgress) -> Void, _ body: ([StatisticalValue]) throws -> Void
    ) throws {
        var layout = ValueLayout.none, answers = RowAnswers(), shown: [Bool] = [], values: [StatisticalValue] = []
        var done = 0
        try snapshot.forEachResponse(codes: { layout = ValueLayout(survey.questions, $0) }) { row in
            answers.group(row.values, by: layout)
            variables.shown(row, answers, into: &shown)
            variables.fill(row, answers, pseudonym: database.pseudonyms.pseudonym(for: row.submissionID), shown: shown, into: &values)
            try body(values)
            done += 1
            if done % 10_000 == 0 { progress(ExportProgress(step: step, done: done, total: total)) }
        }
        progress(ExportProgress(step: step, done: done, total: total))
    }
}

/// What the first pass finds: each variable's longest text (in UTF-8 bytes) and lowest number.
struct StatisticalMeasure {
    private(set) var longest: [Int]
    private(set) var lowest: [Double?]

    init(count: Int) {
        longest = Array(repeating: 0, count: count)
        lowest = Array(repeating: nil, count: count)
    }

    mutating func add(_ values: [StatisticalValue]) {
        for (index, value) in values.enumerated() {
            switch value {
            case .text(let text): longest[index] = max(longest[index], text.utf8.count)
            case .number(let number): lowest[index] = min(lowest[index] ?? number, number)
            case .instant, .missing: break
            }
        }
    }

    /// How variable `index` is stored, and its width: a string as wide as its longest text (at least 1
    /// byte; in Stata a `strL` beyond 2,045 bytes); missing codes below the declared lowest value, or
    /// below the lowest value found when none is declared.
    func storage(of variable: StatisticalVariable, at index: Int, format: StatisticalFileFormat) -> (ReadStatFile.Storage, Int) {
        switch variable.kind {
        case .instant:
            return (.instant, 0)
        case .number:
            let lowest = min(variable.declaredLowest ?? lowest[index] ?? 0, lowest[index] ?? 0, 0)
            return (.number(ten: MissingReason.spssTen(lowest: lowest)), 0)
        case .text:
            let width = max(1, longest[index])
            if format == .dta && width > StatisticalText.stataStringLimit { return (.stringRef, 0) }
            return (.string, width)
        }
    }
}
