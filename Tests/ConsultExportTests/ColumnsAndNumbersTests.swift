import ConsultCore
import ConsultExport
import ConsultStore
import Foundation
import Testing

/// Every header of every export is unique, even when question ids are the names of fixed
/// columns; numbers come out as given, never neutralised or rounded, in number-typed columns.
@Suite struct ColumnsAndNumbersTests {
    /// Question ids that are fact columns of the raw export, a multiple-choice option `other_text`
    /// beside "other", a scale with negative points and a number question.
    static let yaml = """
        id: clash-test
        title: Questions named like columns
        language: en
        time_zone: Europe/Vienna
        opens_at: 2025-09-01T00:00:00Z
        closes_at: 2025-11-10T18:00:00+01:00
        respondent:
          sector_question: sector
          country_question: country
          publication_question: publication
        sectors:
          - {id: academia, label: Academia, keywords: [university]}
        sections:
          - id: facts
            title: Facts
            questions:
              - {id: sector, type: single_choice, text: Sector, required: true, other: true}
              - {id: country, type: country, text: Country, required: true}
              - {id: respondent, type: text, text: Who are you, max_length: 50}
              - id: version
                type: scale
                text: Mood
                points: [{value: -2, label: Bad}, {value: 0, label: So-so}, {value: 2, label: Good}]
              - {id: received_at, type: number, text: Amount, min: -1000000, max: 1000000}
              - id: level
                type: single_choice
                text: Level
                options: [{id: low, label: Low, points: -3}, {id: high, label: High, points: 3}]
              - id: tools
                type: multiple_choice
                text: Tools
                other: true
                options: [{id: other_text, label: A tool called other text}, {id: eeg, label: EEG}]
              - id: m49_region
                type: matrix
                text: Ratings
                items: [{id: a, label: A}]
                points: [{value: -1, label: Low}, {value: 1, label: High}]
              - {id: publication, type: single_choice, text: Publication, required: true}
        """

    static let expectedHeader = [
        "respondent", "received_at", "updated_at", "version", "declared_sector", "other_sector", "final_sector",
        "country", "m49_region", "m49_subregion", "interpol_region", "publication", "level", "cluster",
        "sector", "sector.other_text", "country.answer", "respondent.answer", "version.answer", "received_at.answer",
        "level.answer", "tools.other_text", "tools.eeg", "tools.other", "tools.other_text.answer", "m49_region.a",
        "publication.answer",
    ]

    /// Three respondents: their `received_at` (number) answers, given as they must come back.
    static let amounts = ["-12.5", "0.000001", "123456.789"]

    func filledFixture() async throws -> ExportFixture {
        let fixture = try ExportFixture(yaml: Self.yaml)
        for (index, amount) in Self.amounts.enumerated() {
            let answers = try fixture.survey.check([
                "sector": .string("academia"), "country": .string("AT"), "respondent": .string("-1 is me"),
                "version": .number(-2), "received_at": .number(try #require(Double(amount))), "level": .string("low"),
                "tools": .array([.string("other_text"), .object(["choice": .string("other"), "other": .string("=a tool")])]),
                "m49_region": .object(["a": .number(-1)]), "publication": .string("public_named"),
            ], as: .submission)
            let outcome = try await fixture.database.submit(
                answers, to: fixture.survey, receivedAt: fixture.survey.window.opensAt.addingTimeInterval(Double(index)))
            guard case .accepted = outcome else { throw Refused() }
        }
        return fixture
    }

    struct Refused: Error {}

    @Test func theRawCSVNamesEveryColumnOnceByTheDocumentedRule() async throws {
        let fixture = try await filledFixture()
        defer { fixture.remove() }
        #expect(ResponsesExport(survey: fixture.survey, database: fixture.database).columns == Self.expectedHeader)
        let file = try #require(try await fixture.export(.raw, .csv).first)
        let table = try Self.readCSV(file)
        #expect(table.first == Self.expectedHeader)
        #expect(Set(table.first ?? []).count == table.first?.count)

        let rows = try #require(try ExportFixture.parseCSV([file])["responses"])
        #expect(rows.count == Self.amounts.count)
        for (row, amount) in zip(rows, Self.amounts) {
            #expect(row["country"] == "AT" && row["country.answer"] == "AT")
            #expect(row["publication"] == "public_named" && row["publication.answer"] == "public_named")
            #expect(row["respondent"]?.hasPrefix("r-") == true && row["respondent.answer"] == "'-1 is me")
            #expect(row["version"] == "1" && row["version.answer"] == "-2", "a negative scale value is a number")
            #expect(row["received_at.answer"] == amount, "a number answer comes back as given")
            #expect(row["level"] == "" && row["level.answer"] == "low")
            #expect(row["tools.other_text"] == "1" && row["tools.eeg"] == "0" && row["tools.other"] == "1")
            #expect(row["tools.other_text.answer"] == "'=a tool")
            #expect(row["m49_region"] == "Europe" && row["m49_region.a"] == "-1")
        }
    }

    @Test func theRawXMLTypesNumbersAndKeepsThemAsGiven() async throws {
        let fixture = try await filledFixture()
        defer { fixture.remove() }
        let xml = try #require(try await fixture.export(.raw, .xml).first)
        #expect(try ExportFixture.schemaErrors(xml, schema: "Exports/responses.xsd") == "")
        let text = try String(contentsOf: xml, encoding: .utf8)
        for amount in Self.amounts { #expect(text.contains("<value>\(amount)</value>")) }
        #expect(text.contains("<value>-2</value>"))
        #expect(text.contains("<rating item=\"a\">-1</rating>"))
    }

    @Test func theCodebookKeepsNegativeValuesAsNumbers() async throws {
        let fixture = try await filledFixture()
        defer { fixture.remove() }
        let tables = try ExportFixture.parseCSV(try await fixture.export(.analysis, .csv))
        let codebook = try #require(tables["codebook"])
        let scale = codebook.filter { $0["question"] == "version" && $0["code"] != "" }
        #expect(scale.map { $0["code"] ?? "" } == ["-2", "0", "2"])
        #expect(scale.map { $0["value"] ?? "" } == ["-2", "0", "2"])
        let matrix = codebook.filter { $0["question"] == "m49_region" && $0["value"] != "" }
        #expect(matrix.map { $0["code"] ?? "" } == ["-1", "1"])
        let options = codebook.filter { $0["question"] == "level" && $0["code"] != "" }
        #expect(options.map { $0["value"] ?? "" } == ["-3", "3"])
        let distribution = try #require(tables["scale_distribution"]).filter { $0["question"] == "version" }
        #expect(distribution.map { $0["value"] ?? "" }.prefix(3) == ["-2", "0", "2"])
    }

    /// In every analysis table, CSV and XML: the column names are unique, and every value of an
    /// integer or decimal column is a plain number.
    @Test func everyAnalysisTableHasUniqueNamesAndNumbersInItsNumberColumns() async throws {
        let fixture = try await filledFixture()
        defer { fixture.remove() }
        let number = /-?[0-9]+(\.[0-9]+)?/
        let headers = Dictionary(uniqueKeysWithValues: SurveyAnalysis.tables(of: fixture.survey).map { ($0.name, $0) })
        let files = try await fixture.export(.analysis, .csv)
        #expect(files.count == headers.count)
        for file in files {
            let table = try Self.readCSV(file)
            let header = try #require(headers[file.deletingPathExtension().lastPathComponent])
            #expect(table.first == header.columns.map(\.name))
            #expect(Set(table.first ?? []).count == header.columns.count, "\(header.name)")
            for row in table.dropFirst() {
                for (column, value) in zip(header.columns, row) where column.type != .text && !value.isEmpty {
                    #expect(value.wholeMatch(of: number) != nil, "\(header.name).\(column.name): \(value)")
                }
            }
        }

        let xml = try #require(try await fixture.export(.analysis, .xml).first)
        #expect(try ExportFixture.schemaErrors(xml, schema: "Exports/analysis.xsd") == "")
        let script = """
            import json, sys, xml.etree.ElementTree as ET
            ns = {'a': 'urn:consult:analysis:1'}
            out = {}
            for table in ET.parse(sys.argv[1]).getroot().findall('a:table', ns):
                columns = [[c.get('name'), c.get('type')] for c in table.findall('a:column', ns)]
                rows = [[v.text or '' for v in row.findall('a:value', ns)] for row in table.findall('a:row', ns)]
                out[table.get('name')] = {'columns': columns, 'rows': rows}
            json.dump(out, sys.stdout)
            """
        let result = try ExportFixture.run("/usr/bin/env", ["python3", "-c", script, xml.path])
        #expect(result.status == 0, "\(result.errors)")
        let tables = try JSONDecoder().decode([String: XMLTable].self, from: Data(result.output.utf8))
        #expect(Set(tables.keys) == Set(headers.keys))
        var numbersSeen = 0
        for (name, table) in tables {
            let header = try #require(headers[name])
            #expect(table.columns == header.columns.map { [$0.name, $0.type.rawValue] }, "\(name)")
            #expect(Set(table.columns.map { $0[0] }).count == table.columns.count, "\(name)")
            for row in table.rows {
                for (column, value) in zip(header.columns, row) where column.type != .text && !value.isEmpty {
                    #expect(value.wholeMatch(of: number) != nil, "\(name).\(column.name): \(value)")
                    numbersSeen += 1
                }
            }
        }
        let codebookValues = tables["codebook"]?.rows.map { $0[6] }.filter { !$0.isEmpty }
        #expect(codebookValues?.contains("-2") == true)
        #expect(numbersSeen > 0)
    }

    struct XMLTable: Decodable {
        let columns: [[String]]
        let rows: [[String]]
    }

    /// The records of a CSV file as Python's `csv.reader` reads them, header first.
    static func readCSV(_ file: URL) throws -> [[String]] {
        let script = """
            import csv, json, sys
            with open(sys.argv[1], newline='', encoding='utf-8') as f:
                json.dump(list(csv.reader(f, strict=True)), sys.stdout)
            """
        let result = try ExportFixture.run("/usr/bin/env", ["python3", "-c", script, file.path])
        #expect(result.status == 0, "\(result.errors)")
        return try JSONDecoder().decode([[String]].self, from: Data(result.output.utf8))
    }
}
