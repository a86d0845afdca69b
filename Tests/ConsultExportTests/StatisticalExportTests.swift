@testable import ConsultExport
import ConsultCore
import ConsultStore
import Foundation
import SurveyFiles
import Testing

/// The SPSS and Stata files, read back by pyreadstat: every value equals what was stored (under the
/// privacy rule, with the documented missing reasons), every variable label and value label equals
/// the survey's codebook (cut as documented), every name is valid and unique.
@Suite struct StatisticalExportTests {
    /// What pyreadstat reads from one file.
    struct ReadBack: Decodable {
        let names: [String]
        let labels: [String?]
        let types: [String: String]
        /// Variable → value (as text: "1", "-99", or a Stata tag "a") → label.
        let valueLabels: [String: [String: String]]
        /// SPSS user-missing values by variable.
        let missing: [String: [Double]]
        let rows: [[Cell]]

        enum CodingKeys: String, CodingKey {
            case names, labels, types, valueLabels = "value_labels", missing, rows
        }
    }

    /// One value read back: a number, a text, an instant (milliseconds since 1970) or a Stata tag.
    enum Cell: Decodable, Equatable, CustomStringConvertible {
        case number(Double), text(String), instant(Int64), tag(String), none

        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .none
            } else if let number = try? container.decode(Double.self) {
                self = .number(number)
            } else if let text = try? container.decode(String.self) {
                self = .text(text)
            } else {
                let object = try container.decode([String: Int64?].self)
                if let ms = object["instant"] ?? nil { self = .instant(ms) } else { self = .tag(String(object.keys.first { $0 != "instant" } ?? "")) }
            }
        }

        var description: String {
            switch self {
            case .number(let n): "\(n)"
            case .text(let t): t.debugDescription
            case .instant(let ms): "@\(ms)"
            case .tag(let t): ".\(t)"
            case .none: "none"
            }
        }
    }

    static let reader = """
        import json, math, sys, datetime, pyreadstat
        path = sys.argv[1]
        read = pyreadstat.read_sav if path.endswith('.sav') else pyreadstat.read_dta
        df, meta = read(path, user_missing=True)
        def cell(v, kind):
            if v is None: return None
            if isinstance(v, str):
                return {v: None} if kind == 'tagged' else v
            if hasattr(v, 'timestamp'):
                return {'instant': int(round(v.timestamp() * 1000))}
            if isinstance(v, float) and math.isnan(v): return None
            return float(v)
        kinds = {name: ('text' if meta.readstat_variable_types[name] == 'string' else 'tagged' if path.endswith('.dta') else 'number') for name in meta.column_names}
        rows = [[cell(v, kinds[name]) for name, v in zip(meta.column_names, row)] for row in df.itertuples(index=False, name=None)]
        def key(k):
            return k if isinstance(k, str) else str(int(k)) if float(k).is_integer() else str(k)
        out = {
            'names': meta.column_names, 'labels': meta.column_labels, 'types': meta.readstat_variable_types,
            'value_labels': {n: {key(k): v for k, v in labels.items()} for n, labels in meta.variable_value_labels.items()},
            'missing': {n: [r['lo'] for r in ranges] for n, ranges in (meta.missing_ranges or {}).items()},
            'rows': rows,
        }
        json.dump(out, sys.stdout, ensure_ascii=False)
        """

    static func read(_ file: URL) throws -> ReadBack {
        let result = try ExportFixture.run("/usr/bin/env", ["python3", "-c", reader, file.path])
        #expect(result.status == 0, "\(result.errors.suffix(2_000))")
        return try JSONDecoder().decode(ReadBack.self, from: Data(result.output.utf8))
    }

    /// What a cell must read back as, from what was stored.
    enum Expected {
        case number(Double), text(String), missing(MissingReason)
    }

    /// The values of one stored submission, question variables only, in the variables' order —
    /// derived from the checked answers the fixture kept, not from the store.
    static func expected(_ answers: AnswerSet, _ publication: PublicationChoice, of survey: Survey) -> [Expected] {
        var shown: Set<QuestionID> = []
        var values: [Expected] = []
        for question in survey.questions {
            let isShown = question.showIf.map { condition in
                shown.contains(condition.question) && (answers[condition.question]?.matches(condition.values) ?? false)
            } ?? true
            if isShown { shown.insert(question.id) }
            let answer = answers[question.id]
            let reason: MissingReason? = !isShown ? .notShown : !publication.disclosesAnswer(to: question) ? .withheld
                : answer == nil ? .notAnswered : nil
            let text = reason == nil && publication.disclosesText(of: question)
            func closed(_ number: Double?) -> Expected { reason.map(Expected.missing) ?? number.map(Expected.number) ?? .missing(.notAnswered) }
            switch (question.kind, answer) {
            case (.singleChoice(let list), let answer):
                var code: Double?, other: String?
                if case .choice(let id, let given)? = answer {
                    code = Double((list.options.firstIndex { $0.id == id } ?? list.options.count) + 1)
                    other = given
                }
                values.append(closed(code))
                if list.allowsOther { values.append(.text(text ? other ?? "" : "")) }
            case (.multipleChoice(let list, _), let answer):
                var ids: [OptionID] = [], other: String?
                if case .choices(let chosen, let given)? = answer { (ids, other) = (chosen, given) }
                for option in list.options { values.append(closed(ids.contains(option.id) ? 1 : 0)) }
                if list.allowsOther {
                    values.append(closed(ids.contains(ChoiceList.otherID) ? 1 : 0))
                    values.append(.text(text ? other ?? "" : ""))
                }
            case (.matrix(let items, _), let answer):
                var ratings: [MatrixItemID: Int] = [:]
                if case .ratings(let given)? = answer { ratings = given }
                for item in items { values.append(closed(ratings[item.id].map(Double.init))) }
            case (.scale, .scale(let value)?): values.append(closed(Double(value)))
            case (.number, .number(let value)?): values.append(closed(value))
            case (.scale, _), (.number, _): values.append(closed(nil))
            case (.country, .country(let code)?): values.append(.text(reason == nil ? code : ""))
            case (.text, .text(let given)?), (.email, .email(let given)?): values.append(.text(text ? given : ""))
            case (.country, _), (.text, _), (.email, _): values.append(.text(""))
            case (.file, _): values.append(.text(""))
            }
        }
        return values
    }

    /// The labels the codebook gives each question variable, in order: (variable label, value labels).
    static func codebook(of survey: Survey) -> [(String, [Int: String])] {
        var variables: [(String, [Int: String])] = []
        for question in survey.questions {
            switch question.kind {
            case .singleChoice(let list):
                var labels = Dictionary(uniqueKeysWithValues: list.options.enumerated().map { ($0.offset + 1, $0.element.label) })
                if list.allowsOther { labels[list.options.count + 1] = "Other (please specify)" }
                variables.append((question.text, labels))
                if list.allowsOther { variables.append(("[Other (please specify): text] \(question.text)", [:])) }
            case .multipleChoice(let list, _):
                for option in list.options { variables.append(("[\(option.label)] \(question.text)", [0: "not chosen", 1: "chosen"])) }
                if list.allowsOther {
                    variables.append(("[Other (please specify)] \(question.text)", [0: "not chosen", 1: "chosen"]))
                    variables.append(("[Other (please specify): text] \(question.text)", [:]))
                }
            case .matrix(let items, let scale):
                let labels = Dictionary(uniqueKeysWithValues: scale.points.map { ($0.value, $0.label) })
                for item in items { variables.append(("[\(item.label)] \(question.text)", labels)) }
            case .scale(let scale):
                variables.append((question.text, Dictionary(uniqueKeysWithValues: scale.points.map { ($0.value, $0.label) })))
            case .number, .text, .email, .country, .file:
                variables.append((question.text, [:]))
            }
        }
        return variables
    }

    /// A label as the format keeps it: SPSS 256 bytes, Stata 80 characters, cut with "…".
    static func fitted(_ label: String, _ format: StatisticalFileFormat) -> String {
        let (bytes, characters) = format == .sav ? (256, Int.max) : (320, 80)
        if label.utf8.count <= bytes && label.unicodeScalars.count <= characters { return label }
        var kept = "", used = 0, count = 0
        for scalar in label.unicodeScalars {
            if used + scalar.utf8.count > bytes - 3 || count == characters - 1 { break }
            kept.unicodeScalars.append(scalar)
            used += scalar.utf8.count
            count += 1
        }
        return kept + "…"
    }

    /// A text as the documented rules write it: U+0000 as U+FFFD; in SPSS at most 32,767 bytes, cut
    /// between characters.
    static func written(_ text: String, _ format: StatisticalFileFormat) -> String {
        var result = String.UnicodeScalarView()
        var bytes = 0
        for scalar in text.unicodeScalars {
            let kept: Unicode.Scalar = scalar == "\u{0}" ? "\u{FFFD}" : scalar
            if format == .sav && bytes + kept.utf8.count > 32_767 { break }
            result.append(kept)
            bytes += kept.utf8.count
        }
        return String(result)
    }

    static let spssCodes: [MissingReason: Double] = [.notAnswered: -99, .notShown: -98, .withheld: -97]
    static let stataTags: [MissingReason: String] = [.notShown: "a", .notAnswered: "b", .withheld: "c"]

    static func check(_ cell: Cell, is expected: Expected, _ format: StatisticalFileFormat, _ what: String) {
        switch expected {
        case .number(let number): #expect(cell == .number(number), "\(what): \(cell) is not \(number)")
        case .text(let text):
            let written = Self.written(text, format)
            #expect(cell == .text(written), "\(what): \(cell) is not \(written.debugDescription)")
        case .missing(let reason):
            let wanted: Cell = format == .sav ? .number(spssCodes[reason] ?? 0) : .tag(stataTags[reason] ?? "")
            #expect(cell == wanted, "\(what): \(cell) is not \(reason)")
        }
    }

    @Test(arguments: StatisticalFileFormat.allCases)
    func valuesAndLabelsEqualTheStoredAnswersAndTheCodebook(_ format: StatisticalFileFormat) async throws {
        let fixture = try await ExportFixture(surveyFile: "Surveys/neurotech-2025.yaml", count: 300, seed: 17)
        defer { fixture.remove() }
        let survey = fixture.survey
        let file = try #require(try await fixture.export(.raw, format == .sav ? .sav : .dta).first)
        #expect(file.lastPathComponent == "responses.\(format.rawValue)")
        let read = try Self.read(file)
        let csv = try #require(try ExportFixture.parseCSV(try await fixture.export(.raw, .csv))["responses"])
        let columns = ResponsesExport(survey: survey, database: fixture.database).columns

        // Names: one per CSV column, valid and unique in the format.
        #expect(read.names.count == columns.count)
        let pattern = format == .sav ? /[A-Za-z][A-Za-z0-9_]{0,63}/ : /[A-Za-z][A-Za-z0-9_]{0,31}/
        #expect(read.names.allSatisfy { $0.wholeMatch(of: pattern) != nil }, "\(read.names)")
        #expect(Set(read.names.map { format == .sav ? $0.uppercased() : $0 }).count == read.names.count)

        // Labels: the codebook's, cut as documented.
        let facts = ResponsesExport.factColumns.count
        let codebook = Self.codebook(of: survey)
        #expect(codebook.count == columns.count - facts)
        for (index, (label, values)) in codebook.enumerated() {
            let name = read.names[facts + index]
            #expect(read.labels[facts + index] == Self.fitted(label, format), "label of \(name)")
            var expectedLabels = Dictionary(uniqueKeysWithValues: values.map { (String($0.key), $0.value) })
            if read.types[name] != "string" {
                for (reason, code) in Self.spssCodes {
                    expectedLabels[format == .sav ? String(Int(code)) : Self.stataTags[reason] ?? ""] = reason.label
                }
                if format == .sav {
                    #expect(Set(read.missing[name] ?? []) == [-99, -98, -97], "missing values of \(name)")
                }
            }
            #expect((read.valueLabels[name] ?? [:]) == expectedLabels, "value labels of \(name)")
        }

        // Values: the facts as in the CSV, the answers as stored.
        #expect(read.rows.count == fixture.stored.count)
        var reasons: Set<String> = []
        for (row, (stored, (csvRow, cells))) in zip(fixture.stored, zip(csv, read.rows)).enumerated() {
            for (index, column) in ResponsesExport.factColumns.enumerated() {
                switch cells[index] {
                case .text(let text):
                    #expect(CSVWriter.neutralised(text) == Self.written(csvRow[column] ?? "", format), "row \(row) \(column)")
                case .number(let number): #expect(Cell.number(Double(csvRow[column] ?? "") ?? .nan) == .number(number), "row \(row) \(column)")
                case .instant(let ms): #expect(Instant.utcText(Date(timeIntervalSince1970: Double(ms) / 1000)) == csvRow[column], "row \(row) \(column)")
                default: Issue.record("row \(row) \(column): \(cells[index])")
                }
            }
            let expected = Self.expected(stored.answers, stored.profile.publication, of: survey)
            #expect(expected.count == cells.count - facts)
            for (index, value) in expected.enumerated() {
                if case .missing(let reason) = value { reasons.insert("\(reason)") }
                Self.check(cells[facts + index], is: value, format, "row \(row) \(read.names[facts + index])")
            }
        }
        // The sample holds both reasons a closed answer can have here (its personal questions are texts:
        // "withheld" is checked by the next test).
        #expect(reasons == ["notShown", "notAnswered"])
    }

    static let yaml = """
        id: stats-test
        title: Statistics files
        language: en
        time_zone: UTC
        opens_at: 2025-09-01T00:00:00Z
        closes_at: 2026-11-10T18:00:00Z
        respondent:
          sector_question: sector
          publication_question: publication
        sectors:
          - {id: academia, label: Academia, keywords: [university]}
        sections:
          - id: s
            title: S
            questions:
              - {id: sector, type: single_choice, text: Sector, required: true, other: true}
              - {id: name, type: text, text: Your name, personal: true, max_length: 100}
              - {id: age, type: number, text: Your age, personal: true, min: 0, max: 150}
              - id: uses
                type: single_choice
                text: Do you use it?
                options: [{id: "yes", label: "Yes"}, {id: "no", label: "No"}]
              - id: how
                type: scale
                text: How much?
                show_if: {question: uses, equals: "yes"}
                points: [{value: -100, label: Never}, {value: 100, label: Always}]
              - {id: essay, type: text, text: Tell us, max_length: 30000, multiline: true}
              - {id: publication, type: single_choice, text: Publication, required: true}
        """

    /// Long, right-to-left and control-character texts; a question hidden by its condition, one left
    /// unanswered, personal answers withheld; a scale reaching -100, so SPSS's codes move to -999…-997.
    @Test(arguments: StatisticalFileFormat.allCases)
    func adversarialTextsAndEveryMissingReasonComeThroughAsDocumented(_ format: StatisticalFileFormat) async throws {
        let fixture = try ExportFixture(yaml: Self.yaml)
        defer { fixture.remove() }
        let survey = fixture.survey
        let controls = String(repeating: "a\u{1}b\u{7}c\u{0}d\u{1B}e\u{7F}f\u{85}g\u{FFFE}h\ti\r\nj", count: 30_000 / 20)
        let rightToLeft = String(repeating: "\u{200F}שלום עולם مرحبا بالعالم ١٢٣٤٥", count: 30_000 / 30)
        #expect(controls.unicodeScalars.count == 30_000 && rightToLeft.unicodeScalars.count == 30_000)
        let submissions: [[String: JSONValue]] = [
            ["sector": .string("academia"), "name": .string("Ana"), "age": .number(41), "uses": .string("yes"), "how": .number(-100),
             "essay": .string(controls), "publication": .string("public_named")],
            ["sector": .string("academia"), "name": .string("Bo"), "age": .number(52), "uses": .string("no"),
             "essay": .string(rightToLeft), "publication": .string("public_anonymous")],
            ["sector": .object(["choice": .string("other"), "other": .string("=secret")]), "essay": .string("private"),
             "publication": .string("confidential")],
        ]
        for (index, raw) in submissions.enumerated() {
            let outcome = try await fixture.database.submit(
                try survey.check(raw, as: .submission), to: survey, receivedAt: survey.window.opensAt.addingTimeInterval(Double(index)))
            guard case .accepted = outcome else { throw Refused() }
        }
        let file = try #require(try await fixture.export(.raw, format == .sav ? .sav : .dta).first)
        let read = try Self.read(file)
        let rows = read.rows.map { Dictionary(uniqueKeysWithValues: zip(read.names, $0)) }
        #expect(rows.count == 3)
        func missing(_ reason: MissingReason, ten: Double = 100) -> Cell {
            format == .sav ? .number(reason.spssCode(ten: ten)) : .tag(Self.stataTags[reason] ?? "")
        }
        // Texts: unchanged but for U+0000 (U+FFFD) and SPSS's 32,767 bytes.
        #expect(rows[0]["essay"] == .text(Self.written(controls, format)))
        if format == .dta { #expect(rows[0]["essay"] == .text(controls.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}"))) }
        let rtl = rows[1]["essay"]
        if format == .sav {
            #expect(rtl == .text(Self.written(rightToLeft, .sav)))
            if case .text(let text)? = rtl { #expect(text.utf8.count > 32_760 && text.utf8.count <= 32_767) }
        } else {
            #expect(rtl == .text(rightToLeft), "a Stata strL keeps the whole text")
        }
        #expect(rows[2]["essay"] == .text(""), "a confidential respondent's text is withheld")
        #expect(rows[2]["other_sector"] == .text("") && rows[2]["sector_other_text"] == .text(""))
        // Personal answers: shown for the respondent published with their name only.
        #expect(rows[0]["name"] == .text("Ana") && rows[1]["name"] == .text("") && rows[2]["name"] == .text(""))
        #expect(rows[0]["age"] == .number(41) && rows[1]["age"] == missing(.withheld) && rows[2]["age"] == missing(.withheld))
        // Closed answers and the reasons for none.
        #expect(rows.map { $0["uses"] } == [.number(1), .number(2), missing(.notAnswered)])
        #expect(rows.map { $0["how"] } == [.number(-100), missing(.notShown, ten: 1_000), missing(.notShown, ten: 1_000)])
        #expect(rows.map { $0["sector"] } == [.number(1), .number(1), .number(2)])
        if format == .sav {
            #expect(Set(read.missing["how"] ?? []) == [-999, -998, -997])
            #expect(read.valueLabels["how"] == ["-100": "Never", "100": "Always", "-998": "not shown", "-999": "not answered", "-997": "withheld"])
        } else {
            #expect(read.valueLabels["how"] == ["-100": "Never", "100": "Always", "a": "not shown", "b": "not answered", "c": "withheld"])
        }
        #expect(read.labels[read.names.firstIndex(of: "how") ?? 0] == "How much?")
    }

    struct Refused: Error {}
}
