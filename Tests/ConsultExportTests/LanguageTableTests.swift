import ConsultCore
import ConsultExport
import ConsultLanguage
import ConsultStore
import Foundation
import Testing

/// lang (issue 15): the `languages_by_sector` analysis table, read back with Python's csv module and
/// checked against a recount of the stored answers' free texts made here, and valid in the XML.
@Suite(.serialized) struct LanguageTableTests {
    static let french = "La défense doit avoir accès aux données brutes et à l'algorithme, au même titre que l'accusation, sinon le procès n'est pas équitable."
    static let german = "Die Verteidigung muss denselben Zugang zu den Rohdaten und zum Algorithmus haben wie die Anklage, sonst ist das Verfahren nicht fair."

    @Test func theLanguageTableAgreesWithARecount() async throws {
        let fixture = try await ExportFixture(surveyFile: "Surveys/neurotech-2025.yaml", count: 300, seed: 15)
        defer { fixture.remove() }
        let survey = fixture.survey
        // Synthetic texts are English; a few respondents write in French or German.
        var stored = fixture.stored
        var generator = ResponseGeneratorForLanguages(survey: survey)
        for (index, text) in [Self.french, Self.french, Self.german].enumerated() {
            let answers = try generator.answers(usesComments: text, seed: UInt64(index))
            guard case .accepted = try await fixture.database.submit(
                answers, to: survey, receivedAt: survey.window.opensAt.addingTimeInterval(3_600))
            else { Issue.record("refused"); return }
            stored.append((answers, survey.profile(of: answers)))
        }

        var texts: [String: Int] = [:]
        var respondents: [String: Set<Int>] = [:]
        for (index, entry) in stored.enumerated() {
            let open = OpenTexts(answers: entry.answers, otherSectorText: entry.profile.otherSectorText)
            for (field, text) in open.texts {
                if let question = field.question, survey.question(question)?.isPersonal == true { continue }
                let language = LanguageIdentifier.language(of: text).code
                for sector in ["all", entry.profile.finalSector.rawValue] {
                    texts["\(sector)|\(language)", default: 0] += 1
                    respondents["\(sector)|\(language)", default: []].insert(index)
                }
            }
        }
        let tables = try ExportFixture.parseCSV(try await fixture.export(.analysis, .csv))
        let rows = try #require(tables["languages_by_sector"])
        let languages = Set(rows.map { $0["language"] ?? "" })
        #expect(languages.isSuperset(of: ["en", "fr", "de", "und"]))
        #expect(rows.count == languages.count * (survey.sectors.count + 2))
        #expect(rows.first?["sector"] == "all" && rows.first?["language"] == "en")
        for row in rows {
            let key = "\(row["sector"] ?? "")|\(row["language"] ?? "")"
            #expect(Int(row["texts"] ?? "") == texts[key] ?? 0, "\(key)")
            #expect(Int(row["respondents"] ?? "") == respondents[key]?.count ?? 0, "\(key)")
        }
        let french = try #require(rows.first { $0["sector"] == "all" && $0["language"] == "fr" })
        #expect(french["verdict"] == "foreign" && french["name"] == "French" && french["texts"] == "2")
        #expect(rows.first { $0["language"] == "en" }?["verdict"] == "survey-language")
        #expect(rows.first { $0["language"] == "und" }?["verdict"] == "undetermined")

        let xml = try #require(try await fixture.export(.analysis, .xml).first)
        #expect(try ExportFixture.schemaErrors(xml, schema: "Exports/analysis.xsd") == "")
        #expect(try String(contentsOf: xml, encoding: .utf8).contains("<table name=\"languages_by_sector\""))
    }
}

/// A complete, valid submission whose `uses_comments` is the given text.
struct ResponseGeneratorForLanguages {
    let survey: Survey

    mutating func answers(usesComments text: String, seed: UInt64) throws -> AnswerSet {
        let items: [String]
        if case .matrix(let matrix, _)? = survey.question("rights_concern")?.kind { items = matrix.map(\.id.rawValue) } else { items = [] }
        return try survey.check([
            "sector": .string("academia"), "country": .string(seed % 2 == 0 ? "FR" : "DE"),
            "organisation_size": .string("size_1_9"), "familiarity": .number(4),
            "technologies_known": .array([.string("eeg_erp")]),
            "rights_concern": .object(Dictionary(uniqueKeysWithValues: items.map { ($0, JSONValue.number(3)) })),
            "publication": .string("public_anonymous"), "uses_comments": .string(text),
        ], as: .submission)
    }
}
