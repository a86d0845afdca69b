import ConsultCore
import ConsultExport
import ConsultStore
import Foundation
import Testing

/// Three thousand synthetic submissions to the neurotech consultation, exported and read
/// back with Python's `csv` module and `xmllint`, each figure checked against a count made here.
@Suite(.serialized) struct AnalysisExportTests {
    static let count = 3_000

    @Test func theAnalysisTablesAgreeWithAnIndependentCount() async throws {
        let fixture = try await ExportFixture(surveyFile: "Surveys/neurotech-2025.yaml", count: Self.count, seed: 42)
        defer { fixture.remove() }
        let files = try await fixture.export(.analysis, .csv)
        let tables = try ExportFixture.parseCSV(files)
        let survey = fixture.survey
        let sectors = survey.sectors.map(\.id.rawValue) + ["unclassified"]

        // Respondents by sector.
        var bySector: [String: Int] = [:]
        for entry in fixture.stored { bySector[entry.profile.finalSector.rawValue, default: 0] += 1 }
        for row in tables["respondents_by_sector"] ?? [] {
            let expected = row["sector"] == "all" ? Self.count : bySector[row["sector"] ?? ""] ?? 0
            #expect(Int(row["respondents"] ?? "") == expected, "sector \(row["sector"] ?? "")")
        }
        #expect(tables["respondents_by_sector"]?.count == sectors.count + 1)
        #expect(bySector.count >= 5)

        // Respondents by M49 region.
        var byRegion: [String: Int] = [:]
        for entry in fixture.stored { byRegion[entry.profile.country?.m49Region ?? "unknown", default: 0] += 1 }
        let regions = (tables["respondents_by_region"] ?? []).filter { $0["scheme"] == "m49_region" }
        #expect(Dictionary(uniqueKeysWithValues: regions.map { ($0["region"] ?? "", Int($0["respondents"] ?? "") ?? -1) }) == byRegion)

        // Closed questions: respondents per option and sector, with the base of those who answered.
        var optionCounts: [String: Int] = [:]
        var bases: [String: Int] = [:]
        for entry in fixture.stored {
            let sector = entry.profile.finalSector.rawValue
            for (question, answer) in entry.answers.answers {
                let picked: [OptionID]
                switch answer {
                case .choice(let id, _): picked = [id]
                case .choices(let ids, _): picked = ids
                default: continue
                }
                for group in ["all", sector] {
                    bases["\(question)|\(group)", default: 0] += 1
                    for id in picked { optionCounts["\(question)|\(id)|\(group)", default: 0] += 1 }
                }
            }
        }
        let choices = tables["choices"] ?? []
        #expect(!choices.isEmpty)
        for row in choices {
            let question = row["question"] ?? "", option = row["option"] ?? "", sector = row["sector"] ?? ""
            #expect(Int(row["respondents"] ?? "") == optionCounts["\(question)|\(option)|\(sector)"] ?? 0, "\(question) \(option) \(sector)")
            #expect(Int(row["base"] ?? "") == bases["\(question)|\(sector)"] ?? 0, "\(question) \(sector)")
        }

        // Scales and matrices: n and mean per sector.
        var sums: [String: (n: Int, total: Int)] = [:]
        for entry in fixture.stored {
            let sector = entry.profile.finalSector.rawValue
            for (question, answer) in entry.answers.answers {
                var values: [(item: String, value: Int)] = []
                if case .scale(let value) = answer { values = [("", value)] }
                if case .ratings(let ratings) = answer { values = ratings.map { ($0.key.rawValue, $0.value) } }
                for (item, value) in values {
                    for group in ["all", sector] {
                        sums["\(question)|\(item)|\(group)", default: (0, 0)].n += 1
                        sums["\(question)|\(item)|\(group)", default: (0, 0)].total += value
                    }
                }
            }
        }
        let scaleRows = (tables["scales"] ?? []).filter { row in
            guard case .number? = survey.question(QuestionID(row["question"] ?? ""))?.kind else { return true }
            return false
        }
        #expect(!scaleRows.isEmpty)
        for row in scaleRows {
            let key = "\(row["question"] ?? "")|\(row["item"] ?? "")|\(row["sector"] ?? "")"
            let expected = sums[key] ?? (0, 0)
            #expect(Int(row["n"] ?? "") == expected.n, "\(key)")
            if expected.n > 0 {
                let mean = Double(expected.total) / Double(expected.n)
                #expect(abs((Double(row["mean"] ?? "") ?? .nan) - mean) < 0.0001, "\(key)")
            }
        }

        // Number questions: n, mean and median per sector.
        var numbers: [String: [Double]] = [:]
        for entry in fixture.stored {
            for (question, answer) in entry.answers.answers {
                guard case .number(let value) = answer else { continue }
                for group in ["all", entry.profile.finalSector.rawValue] { numbers["\(question)|\(group)", default: []].append(value) }
            }
        }
        let numberRows = (tables["scales"] ?? []).filter { row in
            if case .number? = survey.question(QuestionID(row["question"] ?? ""))?.kind { return true }
            return false
        }
        #expect(!numberRows.isEmpty)
        for row in numberRows {
            let key = "\(row["question"] ?? "")|\(row["sector"] ?? "")"
            let values = (numbers[key] ?? []).sorted()
            #expect(Int(row["n"] ?? "") == values.count, "\(key)")
            guard !values.isEmpty else { continue }
            let mean = values.reduce(0, +) / Double(values.count)
            let median = (values[(values.count - 1) / 2] + values[values.count / 2]) / 2
            #expect(abs((Double(row["mean"] ?? "") ?? .nan) - mean) < 0.0001, "\(key)")
            #expect(abs((Double(row["median"] ?? "") ?? .nan) - median) < 0.0001, "\(key)")
        }

        // Activity: every submission counted once.
        let perDay = (tables["activity_per_day"] ?? []).reduce(0) { $0 + (Int($1["submissions"] ?? "") ?? 0) }
        #expect(perDay == Self.count)

        // Open texts: none from confidential respondents, personal ones only from those published with name.
        let texts = tables["open_text"] ?? []
        #expect(!texts.isEmpty)
        let pseudonyms = try await pseudonymsByPublication(fixture)
        for row in texts {
            let publication = pseudonyms[row["respondent"] ?? ""]
            #expect(publication != nil && publication != "confidential")
            if survey.question(QuestionID(row["question"] ?? ""))?.isPersonal == true {
                #expect(publication == "public_named")
            }
        }
    }

    @Test func theXMLAnalysisAndResponsesAreValidAgainstTheirSchemas() async throws {
        let fixture = try await ExportFixture(surveyFile: "Surveys/neurotech-2025.yaml", count: 500, seed: 7)
        defer { fixture.remove() }
        let analysis = try #require(try await fixture.export(.analysis, .xml).first)
        #expect(try ExportFixture.schemaErrors(analysis, schema: "Exports/analysis.xsd") == "")
        #expect(XMLSchemaValidator.problems(document: analysis.path, schema: ExportFixture.repository.appendingPathComponent("Exports/analysis.xsd").path).isEmpty)
        let responses = try #require(try await fixture.export(.raw, .xml).first)
        #expect(try ExportFixture.schemaErrors(responses, schema: "Exports/responses.xsd") == "")
        let text = try String(contentsOf: responses, encoding: .utf8)
        #expect(!text.contains("\u{01}"))
        #expect(text.contains("\u{FFFD}") == ResponseGeneratorHostility.containsForbiddenCharacters(fixture))
    }

    @Test func theRiskAssessmentLevelsPerSectorAgreeWithTheScores() async throws {
        let fixture = try await ExportFixture(surveyFile: "Surveys/ai-risk-assessment.yaml", count: 800, seed: 3)
        defer { fixture.remove() }
        let tables = try ExportFixture.parseCSV(try await fixture.export(.analysis, .csv))
        var counts: [String: Int] = [:]
        for entry in fixture.stored {
            let level = fixture.survey.level(for: entry.answers)?.rawValue ?? "none"
            counts["all|\(level)", default: 0] += 1
            counts["\(entry.profile.finalSector)|\(level)", default: 0] += 1
        }
        let rows = tables["levels"] ?? []
        #expect(!rows.isEmpty)
        for row in rows {
            #expect(Int(row["respondents"] ?? "") == counts["\(row["sector"] ?? "")|\(row["level"] ?? "")"] ?? 0)
        }
        #expect(counts.keys.contains { $0.hasPrefix("all|") && $0 != "all|none" })
    }

    @Test func theRawCSVHasOneRowPerSubmissionAndKeepsHostileTextSafe() async throws {
        let fixture = try await ExportFixture(surveyFile: "Surveys/neurotech-2025.yaml", count: 1_000, seed: 11)
        defer { fixture.remove() }
        let files = try await fixture.export(.raw, .csv, options: CSVOptions(lineEnding: .lf, byteOrderMark: true))
        let rows = try #require(try ExportFixture.parseCSV(files, bom: true)["responses"])
        #expect(rows.count == 1_000)
        #expect(Set(rows.map { $0["respondent"] ?? "" }).count == 1_000)
        let textColumns = fixture.survey.questions.filter { if case .text = $0.kind { true } else { false } }.map(\.id.rawValue)
        var hostileSeen = 0
        for (row, entry) in zip(rows, fixture.stored) {
            #expect(row["final_sector"] == entry.profile.finalSector.rawValue)
            for column in textColumns {
                let value = row[column] ?? ""
                guard case .text(let original)? = entry.answers[QuestionID(column)] else {
                    #expect(value == "")
                    continue
                }
                let question = fixture.survey.question(QuestionID(column))
                let shown = question.map { entry.profile.publication.disclosesText(of: $0) } ?? false
                if !shown {
                    #expect(value == "", "withheld \(column)")
                    continue
                }
                let expected = CSVWriter.neutralised(original)
                #expect(value == expected, "\(column)")
                if expected != original { hostileSeen += 1 }
            }
        }
        #expect(hostileSeen > 0)
    }

    /// Pseudonym → publication choice, read from the raw export.
    func pseudonymsByPublication(_ fixture: ExportFixture) async throws -> [String: String] {
        let rows = try ExportFixture.parseCSV(try await fixture.export(.raw, .csv))["responses"] ?? []
        return Dictionary(uniqueKeysWithValues: rows.map { ($0["respondent"] ?? "", $0["publication"] ?? "") })
    }
}

/// Whether the synthetic answers shown in the export hold U+FFFD, or characters XML 1.0 forbids
/// (which the export replaces by U+FFFD).
enum ResponseGeneratorHostility {
    static func containsForbiddenCharacters(_ fixture: ExportFixture) -> Bool {
        fixture.stored.contains { entry in
            entry.answers.answers.contains { id, answer in
                let text: String
                switch answer {
                case .text(let answered): text = answered
                case .choice(_, let other?), .choices(_, let other?): text = other
                default: return false
                }
                guard let question = fixture.survey.question(id),
                    entry.profile.publication.disclosesText(of: question)
                else { return false }
                return XMLStreamWriter.xmlSafe(text).unicodeScalars.contains("\u{FFFD}")
            }
        }
    }
}
