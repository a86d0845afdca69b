import ConsultCore
import ConsultExport
import ConsultStore
import Foundation
import SyntheticResponses
import Testing

/// Each hostile text, submitted as a free-text answer, comes back from the CSV (read by
/// Python's `csv`) and the XML (read by Python's ElementTree) as it was, but for the
/// documented neutralising: a leading apostrophe in CSV, U+FFFD for characters XML forbids.
@Suite struct HostileTextRoundTripTests {
    @Test func hostileTextsRoundTripThroughCSVAndXML() async throws {
        let fixture = try await ExportFixture(surveyFile: "Surveys/neurotech-2025.yaml", count: 0, seed: 1)
        defer { fixture.remove() }
        let survey = fixture.survey
        let question = try #require(survey.questions.first { question in
            if case .text(let maxLength, _) = question.kind { return maxLength >= 200 && !question.isPersonal && question.showIf == nil }
            return false
        })
        var generator = ResponseGenerator(survey: survey, seed: 5)
        var batch: [(answers: AnswerSet, receivedAt: Date)] = []
        for text in ResponseGenerator.hostileTexts {
            var raw = generator.nextAnswers()
            raw[question.id.rawValue] = .string(text)
            raw[survey.respondent.publicationQuestion?.rawValue ?? ""] = .string("public_anonymous")
            batch.append((try survey.check(raw, as: .submission), survey.window.opensAt))
        }
        try await fixture.database.importSynthetic(batch, to: survey)
        // What the store keeps: text without surrounding white space.
        let stored = ResponseGenerator.hostileTexts.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }

        let csv = try ExportFixture.parseCSV(try await fixture.export(.raw, .csv))["responses"] ?? []
        #expect(csv.map { $0[question.id.rawValue] ?? "" } == stored.map(CSVWriter.neutralised))

        let xml = try #require(try await fixture.export(.raw, .xml).first)
        #expect(try ExportFixture.schemaErrors(xml, schema: "Exports/responses.xsd") == "")
        let script = """
            import json, sys, xml.etree.ElementTree as ET
            ns = {'r': 'urn:consult:responses:1'}
            root = ET.parse(sys.argv[1]).getroot()
            texts = [r.find("r:answer[@question='\(question.id)']/r:text", ns).text for r in root.findall('r:response', ns)]
            json.dump(texts, sys.stdout)
            """
        let result = try ExportFixture.run("/usr/bin/env", ["python3", "-c", script, xml.path])
        #expect(result.status == 0, "\(result.errors)")
        let texts = try JSONDecoder().decode([String].self, from: Data(result.output.utf8))
        #expect(texts == stored.map(XMLStreamWriter.xmlSafe))
        #expect(texts.contains { $0.contains("\u{FFFD}") })
        #expect(texts.contains("windows\r\nline"))
    }
}
