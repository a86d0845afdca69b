import ConsultCore
import ConsultExport
import ConsultStore
import Foundation
import SyntheticResponses
import Testing

/// Each hostile text — and one text of every class of code point (NUL, C0 and C1 controls, a
/// lone CR, U+FFFE/U+FFFF, non-characters, combining marks, emoji, right-to-left marks) — is
/// submitted as a free-text answer, a single choice's "other" (the sector, so also the "other"
/// sector text) and a multiple choice's "other". It must come back exactly, code point for code
/// point, from the store (the bytes in the file, and the submission read back) and from every
/// export, but for the documented changes: answers are trimmed at the ends; CSV puts an
/// apostrophe before a formula; XML puts U+FFFD for each character XML 1.0 forbids.
@Suite struct HostileTextRoundTripTests {
    @Test func everyClassOfCodePointComesBackFromTheStoreAndEveryExport() async throws {
        let fixture = try await ExportFixture(surveyFile: "Surveys/neurotech-2025.yaml", count: 0, seed: 1)
        defer { fixture.remove() }
        let survey = fixture.survey
        let question = try #require(survey.questions.first { question in
            if case .text(let maxLength, _) = question.kind { return maxLength >= 200 && !question.isPersonal && question.showIf == nil }
            return false
        })
        let sector = survey.respondent.sectorQuestion.rawValue
        let multiple = try #require(survey.questions.first { question in
            if case .multipleChoice(let list, _) = question.kind { return list.allowsOther && question.showIf == nil }
            return false
        }).id.rawValue
        let texts = ResponseGenerator.hostileTexts
        #expect(ResponseGenerator.codePointClasses.allSatisfy { texts.contains($0.text) })

        var generator = ResponseGenerator(survey: survey, seed: 5)
        var accepted: [AcceptedSubmission] = []
        for (index, text) in texts.enumerated() {
            var raw = generator.nextAnswers()
            raw[question.id.rawValue] = .string(text)
            raw[sector] = .object(["choice": .string("other"), "other": .string(text)])
            raw[multiple] = .array([.object(["choice": .string("other"), "other": .string(text)])])
            raw[survey.respondent.publicationQuestion?.rawValue ?? ""] = .string("public_anonymous")
            let outcome = try await fixture.database.submit(
                try survey.check(raw, as: .submission), to: survey, receivedAt: survey.window.opensAt.addingTimeInterval(Double(index)))
            guard case .accepted(let submission) = outcome else {
                Issue.record("refused: \(outcome)")
                return
            }
            accepted.append(submission)
        }
        // What the store keeps: the text without surrounding white space.
        let stored = texts.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        let inCSV = stored.map(CSVWriter.neutralised), inXML = stored.map(XMLStreamWriter.xmlSafe)

        // The store: the bytes in the file, and each submission read back.
        let file = fixture.folder.appendingPathComponent("consult.sqlite").path
        for column in [question.id.rawValue, sector, multiple] {
            let hex = try Self.sqlite(file, """
                SELECT hex(a.text) FROM answer_value a JOIN answer_code q ON q.id = a.question
                WHERE q.code = '\(column)' AND a.text IS NOT NULL ORDER BY a.submission_seq
                """)
            #expect(hex == stored.map(Self.hex), "answer_value.text of \(column)")
        }
        #expect(try Self.sqlite(file, "SELECT hex(other_sector_text) FROM submission ORDER BY seq") == stored.map(Self.hex))
        for (submission, text) in zip(accepted, stored) {
            let read = try await fixture.database.submission(id: submission.id, token: try #require(submission.editToken))
            Self.expectSame(read.otherSectorText ?? "", text, "other sector text read back")
            let answers = try JSONDecoder().decode(JSONValue.self, from: Data(read.answersJSON.utf8))
            guard case .object(let members) = answers, case .string(let answer)? = members[question.id.rawValue] else {
                Issue.record("no text answer read back")
                continue
            }
            Self.expectSame(answer, text, "answer read back")
        }

        // The raw export, CSV (read by Python's csv) and XML (read by Python's ElementTree).
        let csv = try #require(try ExportFixture.parseCSV(try await fixture.export(.raw, .csv))["responses"])
        #expect(csv.count == texts.count)
        for (row, expected) in zip(csv, inCSV) {
            for column in [question.id.rawValue, "\(sector).other_text", "\(multiple).other_text", "other_sector"] {
                Self.expectSame(row[column] ?? "", expected, "responses.csv \(column)")
            }
        }
        let respondents = csv.map { $0["respondent"] ?? "" }

        let xml = try #require(try await fixture.export(.raw, .xml).first)
        #expect(try ExportFixture.schemaErrors(xml, schema: "Exports/responses.xsd") == "")
        let raw = try Self.python(xml, """
            ns = {'r': 'urn:consult:responses:1'}
            out = [[r.find("r:answer[@question='\(question.id)']/r:text", ns).text,
                    r.find("r:answer[@question='\(sector)']/r:other", ns).text,
                    r.find("r:answer[@question='\(multiple)']/r:other", ns).text,
                    r.find('r:other_sector', ns).text] for r in root.findall('r:response', ns)]
            """)
        #expect(raw.count == texts.count)
        for (values, expected) in zip(raw, inXML) {
            for value in values { Self.expectSame(value, expected, "responses.xml") }
        }

        // The open-text table of the analysis, CSV and XML: one row per respondent and question.
        let questions = [question.id.rawValue, sector, multiple]
        let openCSV = try #require(try ExportFixture.parseCSV(try await fixture.export(.analysis, .csv))["open_text"])
        Self.expectOpenTexts(openCSV.map { [$0["question"] ?? "", $0["respondent"] ?? "", $0["text"] ?? ""] },
                             questions: questions, respondents: respondents, expected: inCSV, in: "open_text.csv")
        let analysis = try #require(try await fixture.export(.analysis, .xml).first)
        #expect(try ExportFixture.schemaErrors(analysis, schema: "Exports/analysis.xsd") == "")
        let openXML = try Self.python(analysis, """
            ns = {'a': 'urn:consult:analysis:1'}
            table = root.find("a:table[@name='open_text']", ns)
            names = [c.get('name') for c in table.findall('a:column', ns)]
            rows = [dict(zip(names, [v.text or '' for v in row.findall('a:value', ns)])) for row in table.findall('a:row', ns)]
            out = [[row['question'], row['respondent'], row['text']] for row in rows]
            """)
        Self.expectOpenTexts(openXML, questions: questions, respondents: respondents, expected: inXML, in: "analysis.xml")
    }

    /// Every (question, respondent) has one row, whose text is the one expected of that respondent.
    static func expectOpenTexts(
        _ rows: [[String]], questions: [String], respondents: [String], expected: [String], in file: String,
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) {
        let byKey = Dictionary(rows.filter { questions.contains($0[0]) }.map { ("\($0[0]) \($0[1])", $0[2]) }, uniquingKeysWith: { $1 })
        #expect(byKey.count == questions.count * respondents.count, "\(file): one row each", sourceLocation: sourceLocation)
        for question in questions {
            for (respondent, text) in zip(respondents, expected) {
                expectSame(byKey["\(question) \(respondent)"] ?? "", text, "\(file) \(question)", sourceLocation: sourceLocation)
            }
        }
    }

    /// Equal code point for code point (Swift's `==` would take é and e + U+0301 as equal).
    static func expectSame(_ actual: String, _ expected: String, _ what: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        #expect(actual.unicodeScalars.map(\.value) == expected.unicodeScalars.map(\.value),
                "\(what): \(actual.debugDescription) is not \(expected.debugDescription)", sourceLocation: sourceLocation)
    }

    static func hex(_ text: String) -> String {
        text.utf8.map { String(format: "%02X", $0) }.joined()
    }

    /// The lines the `sqlite3` command prints for `sql`.
    static func sqlite(_ file: String, _ sql: String) throws -> [String] {
        let result = try ExportFixture.run("/usr/bin/env", ["sqlite3", file, sql])
        #expect(result.status == 0, "\(result.errors)")
        return result.output.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    /// `script` run by Python on the parsed document `root`, leaving a list of lists of texts in `out`.
    static func python(_ file: URL, _ script: String) throws -> [[String]] {
        let program = "import json, sys, xml.etree.ElementTree as ET\nroot = ET.parse(sys.argv[1]).getroot()\n"
            + script + "\njson.dump(out, sys.stdout)\n"
        let result = try ExportFixture.run("/usr/bin/env", ["python3", "-c", program, file.path])
        #expect(result.status == 0, "\(result.errors)")
        return try JSONDecoder().decode([[String]].self, from: Data(result.output.utf8))
    }
}
