import ConsultCore
import ConsultExport
import ConsultStore
import Foundation
import Testing

/// The theme tables, the REFI-QDA project and the REFI-QDA codebook of a survey with synthetic
/// submissions and codings inserted with SQL, each checked against a count or reading made here
/// (Python's csv, zipfile and ElementTree; xmllint against the published REFI-QDA schemas).
@Suite(.serialized) struct REFIQDAExportTests {
    static let refiQDA = ExportFixture.repository.deletingLastPathComponent().appendingPathComponent("shared/refi-qda")

    static func seeded() async throws -> (ExportFixture, REFIQDASeed) {
        let fixture = try await ExportFixture(surveyFile: "Surveys/neurotech-2025.yaml", count: 400, seed: 14)
        let seed = try REFIQDASeed.insert(
            into: fixture.folder.appendingPathComponent("consult.sqlite").path, survey: fixture.survey, textCount: 900, seed: 7)
        return (fixture, seed)
    }

    @Test func theThemeTablesAgreeWithARecountOfTheCodings() async throws {
        let (fixture, seed) = try await Self.seeded()
        defer { fixture.remove() }
        let tables = try ExportFixture.parseCSV(try await fixture.export(.analysis, .csv))
        #expect(seed.codings.count > 300)

        // The codebook: every theme once, parents first, with codings in force and respondents.
        let themes = tables["themes"] ?? []
        #expect(themes.map { $0["name"] ?? "" } == ["Old framing", "Risks", "Privacy", "Neural data", "Uses"])
        for theme in seed.themes {
            let row = themes.first { $0["theme"] == theme.guid }
            let inForce = seed.codings.filter { $0.themeID == theme.id && !$0.removed }
            #expect(Int(row?["codings"] ?? "") == inForce.count, "\(theme.name)")
            #expect(Int(row?["respondents"] ?? "") == Set(inForce.map(\.seq)).count, "\(theme.name)")
            #expect(row?["status"] == (theme.retired ? "retired" : "active"))
            #expect(row?["parent"] == theme.parent.flatMap { parent in seed.themes.first { $0.id == parent }?.guid } ?? "")
        }

        // Per question × theme × sector: respondents with a coding in force on that question's texts.
        var carrying: [String: Set<Int64>] = [:]
        for coding in seed.codings where !coding.removed && coding.field.kind != .sector {
            for sector in ["all", coding.sector] {
                carrying["\(coding.field.storedQuestion)|\(coding.themeID)|\(sector)", default: []].insert(coding.seq)
            }
        }
        var bases: [String: Int] = [:]
        for entry in fixture.stored {
            for question in entry.answers.answers.keys {
                for sector in ["all", entry.profile.finalSector.rawValue] { bases["\(question)|\(sector)", default: 0] += 1 }
            }
        }
        let grid = tables["themes_by_sector"] ?? []
        let openQuestions = Set(grid.map { $0["question"] ?? "" })
        let codable = fixture.survey.questions.filter { question in
            switch question.kind {
            case .text, .email: true
            case .singleChoice(let list), .multipleChoice(let list, _): list.allowsOther
            default: false
            }
        }
        #expect(openQuestions == Set(codable.map(\.id.rawValue)) && openQuestions.contains("uses_comments"))
        #expect(grid.count == openQuestions.count * seed.themes.count * (fixture.survey.sectors.count + 2))
        var nonZero = 0
        for row in grid {
            let question = row["question"] ?? "", sector = row["sector"] ?? ""
            let theme = seed.themes.first { $0.guid == row["theme"] }!
            let expected = carrying["\(question)|\(theme.id)|\(sector)"]?.count ?? 0
            let base = bases["\(question)|\(sector)"] ?? 0
            #expect(Int(row["respondents"] ?? "") == expected, "\(question) \(theme.name) \(sector)")
            #expect(Int(row["base"] ?? "") == base, "\(question) \(sector)")
            if base > 0 {
                #expect(abs((Double(row["percent"] ?? "") ?? -1) - Double(expected) * 100 / Double(base)) < 0.01)
            }
            if expected > 0 { nonZero += 1 }
        }
        #expect(nonZero > 20)
    }

    @Test func theAnalysisXMLWithThemeTablesIsValid() async throws {
        let (fixture, _) = try await Self.seeded()
        defer { fixture.remove() }
        let file = try #require(try await fixture.export(.analysis, .xml).first)
        #expect(try ExportFixture.schemaErrors(file, schema: "Exports/analysis.xsd") == "")
        let xml = try String(contentsOf: file, encoding: .utf8)
        #expect(xml.contains("<table name=\"themes\"") && xml.contains("<table name=\"themes_by_sector\""))
    }

    @Test func theProjectPutsEveryCodingOnItsWordsAndKeepsWithheldTextsOut() async throws {
        let (fixture, seed) = try await Self.seeded()
        defer { fixture.remove() }
        let archive = try #require(try await fixture.export(.analysis, .qdpx).first)
        #expect(archive.lastPathComponent == "project.qdpx")
        let unpacked = fixture.folder.appendingPathComponent("unpacked")
        let reading = try Self.readProject(archive, into: unpacked)

        // project.qde is valid against the published schema.
        let lint = try ExportFixture.run(
            "/usr/bin/env", ["xmllint", "--noout", "--schema", Self.refiQDA.appendingPathComponent("Project.xsd").path,
                             unpacked.appendingPathComponent("project.qde").path])
        #expect(lint.status == 0, "\(lint.errors)")

        // Every coding that may leave is on its words; no other coding is there.
        let expected = seed.codings.filter { seed.exported($0, in: fixture.survey) }
        #expect(expected.count > 100)
        #expect(Set(reading.codings.keys) == Set(expected.map(\.guid)))
        for coding in expected {
            let found = reading.codings[coding.guid]
            #expect(found?.text == REFIQDASeed.selectedWords(coding), "\(coding.guid) \(coding.field)")
            #expect(found?.theme == seed.themes.first { $0.id == coding.themeID }?.guid)
            #expect(found.map { reading.users[$0.user] } == seed.coders[coding.coderID])
            #expect(found?.source == fixture.database.pseudonyms.pseudonym(for: coding.submissionID))
        }
        #expect(reading.codings[seed.crlfCoding]?.text == "coded words")

        // Confidential respondents have a case but no source; every respondent has a case.
        let confidential = Set(seed.codings.filter { $0.publication == .confidential }.map {
            fixture.database.pseudonyms.pseudonym(for: $0.submissionID)
        })
        #expect(!confidential.isEmpty)
        #expect(confidential.isDisjoint(with: reading.sources))
        #expect(reading.cases == fixture.stored.count)
        #expect(Set(reading.caseVariables).isSuperset(of: ["sector", "country", "publication"]))
        #expect(reading.sourceVariables == reading.caseVariables)
        #expect(reading.description.contains("codings on texts of confidential respondents"))
    }

    @Test func aCodebookRoundTripsThroughItsFile() async throws {
        let (fixture, seed) = try await Self.seeded()
        defer { fixture.remove() }
        let file = try #require(try await fixture.export(.analysis, .qdc).first)
        let lint = try ExportFixture.run(
            "/usr/bin/env", ["xmllint", "--noout", "--schema", Self.refiQDA.appendingPathComponent("Codebook.xsd").path, file.path])
        #expect(lint.status == 0, "\(lint.errors)")

        let themes = try REFIQDACodebook.read(try Data(contentsOf: file))
        let other = SurveyID("other-survey")
        let result = try await fixture.database.codebookImporter.importThemes(themes, into: other, by: "analyst:test", at: Date())
        #expect(result.created == seed.themes.count)
        #expect(result.renamedGUIDs.count == seed.themes.count)
        func tree(_ themes: [ThemeSummary]) -> [String] {
            let byGUID = Dictionary(uniqueKeysWithValues: themes.map { ($0.guid, $0) })
            return themes.map { theme in
                "\(theme.parentGUID.flatMap { byGUID[$0]?.name } ?? "-") > \(theme.name) \(theme.depth) \(theme.colour) "
                    + "\(theme.retired) \(theme.description)"
            }
        }
        let original = try await fixture.database.themeCounts.themes(survey: fixture.survey.id)
        let copy = try await fixture.database.themeCounts.themes(survey: other)
        #expect(tree(copy) == tree(original))

        // Importing it again clashes with the top-level names: nothing is added.
        await #expect(throws: CodebookImportRefusal.self) {
            _ = try await fixture.database.codebookImporter.importThemes(themes, into: other, by: "analyst:test", at: Date())
        }
        #expect(try await fixture.database.themeCounts.themes(survey: other).count == seed.themes.count)
    }

    @Test func aBadCodebookIsRefusedWithWhatIsWrong() throws {
        func code(_ name: String, _ inner: String = "") -> String {
            "<Code guid=\"\(UUID().uuidString.lowercased())\" name=\"\(name)\" isCodable=\"true\" color=\"#abc\">\(inner)</Code>"
        }
        func book(_ codes: String) -> Data {
            Data("<?xml version=\"1.0\"?><CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\"><Codes>\(codes)</Codes></CodeBook>".utf8)
        }
        let good = try REFIQDACodebook.read(book(code("A", code("B", code("C")))))
        #expect(good.first?.colour == "#AABBCC" && good.first?.children.first?.children.first?.name == "C")
        #expect(good.first?.guid == good.first?.guid.uppercased())

        let deep = #expect(throws: CodebookFileError.self) { try REFIQDACodebook.read(book(code("A", code("B", code("C", code("D")))))) }
        #expect(deep?.kind == .invalid && deep?.description.contains("Code \"D\" is nested 4 levels deep") == true)

        let malformed = #expect(throws: CodebookFileError.self) { try REFIQDACodebook.read(Data("<CodeBook><Codes>".utf8)) }
        #expect(malformed?.kind == .malformed)

        let laughs = """
            <?xml version="1.0"?><!DOCTYPE CodeBook [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>
            <CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="0902CDEB-AC64-4854-954E-5FD5F1CBB172" name="&b;" isCodable="true"/></Codes></CodeBook>
            """
        #expect(throws: CodebookFileError.self) { try REFIQDACodebook.read(Data(laughs.utf8)) }

        let invalid = #expect(throws: CodebookFileError.self) {
            try REFIQDACodebook.read(book("<Code guid=\"not-a-guid\" name=\"A\" isCodable=\"true\"/>"))
        }
        #expect(invalid?.kind == .invalid && invalid?.description.contains("codebook.qdc:1") == true)
    }

    @Test func duplicateSiblingsAreRefusedAndNothingIsStored() async throws {
        let fixture = try ExportFixture(yaml: try String(contentsOf: ExportFixture.repository.appendingPathComponent("Surveys/neurotech-2025.yaml"), encoding: .utf8))
        defer { fixture.remove() }
        let twins = [
            CodebookTheme(guid: UUID().uuidString, name: "Top", description: "", colour: "#000000", retired: false, children: [
                CodebookTheme(guid: UUID().uuidString, name: "Same", description: "", colour: "#000000", retired: false, children: [], line: 2),
                CodebookTheme(guid: UUID().uuidString, name: "Same", description: "", colour: "#000000", retired: false, children: [], line: 3),
            ], line: 1),
        ]
        let refusal = await #expect(throws: CodebookImportRefusal.self) {
            _ = try await fixture.database.codebookImporter.importThemes(twins, into: fixture.survey.id, by: "analyst:test", at: Date())
        }
        #expect(refusal?.reason == .invalid && refusal?.message.contains("line 3") == true)
        // 100 characters for a reader, 300 code points for the store's rule: refused as a file problem.
        let marks = CodebookTheme(
            guid: UUID().uuidString, name: String(repeating: "a\u{0301}\u{0302}", count: 100), description: "", colour: "#000000",
            retired: false, children: [], line: 4)
        let long = await #expect(throws: CodebookImportRefusal.self) {
            _ = try await fixture.database.codebookImporter.importThemes([marks], into: fixture.survey.id, by: "analyst:test", at: Date())
        }
        #expect(long?.reason == .invalid && long?.message.contains("200 characters") == true)
        #expect(try await fixture.database.themeCounts.themes(survey: fixture.survey.id).isEmpty)
    }

    /// What an independent reader (Python zipfile + ElementTree) finds in a project.
    struct ProjectReading: Decodable {
        struct Coding: Decodable {
            let text: String
            let theme: String
            let user: String
            let source: String
        }

        let codings: [String: Coding]
        let users: [String: String]
        let sources: Set<String>
        let cases: Int
        let caseVariables: [String]
        let sourceVariables: [String]
        let description: String
    }

    static func readProject(_ archive: URL, into folder: URL) throws -> ProjectReading {
        let script = """
            import json, sys, zipfile, xml.etree.ElementTree as ET
            ns = {'q': 'urn:QDA-XML:project:1.0'}
            archive = zipfile.ZipFile(sys.argv[1])
            archive.extract('project.qde', sys.argv[2])
            root = ET.fromstring(archive.read('project.qde'))
            names = {v.get('guid'): v.get('name') for v in root.iterfind('q:Variables/q:Variable', ns)}
            def variables(element):
                return [names[v.find('q:VariableRef', ns).get('targetGUID')] for v in element.iterfind('q:VariableValue', ns)]
            result = {'codings': {}, 'users': {u.get('guid'): u.get('name') for u in root.iterfind('q:Users/q:User', ns)},
                      'sources': [], 'cases': 0, 'caseVariables': [], 'sourceVariables': [],
                      'description': root.find('q:Description', ns).text}
            for case in root.iterfind('q:Cases/q:Case', ns):
                result['cases'] += 1
                if case.find('q:SourceRef', ns) is not None and not result['caseVariables']:
                    result['caseVariables'] = variables(case)
            for source in root.iterfind('q:Sources/q:TextSource', ns):
                path = source.get('plainTextPath')
                assert path.startswith('internal://'), path
                text = archive.read('Sources/' + path[len('internal://'):]).decode('utf-8')
                result['sources'].append(source.get('name'))
                if not result['sourceVariables']:
                    result['sourceVariables'] = variables(source)
                for selection in source.iterfind('q:PlainTextSelection', ns):
                    start, end = int(selection.get('startPosition')), int(selection.get('endPosition'))
                    for coding in selection.iterfind('q:Coding', ns):
                        result['codings'][coding.get('guid')] = {
                            'text': text[start:end], 'theme': coding.find('q:CodeRef', ns).get('targetGUID'),
                            'user': coding.get('creatingUser'), 'source': source.get('name')}
            json.dump(result, sys.stdout)
            """
        let output = try ExportFixture.run("/usr/bin/env", ["python3", "-c", script, archive.path, folder.path])
        #expect(output.status == 0, "\(output.errors)")
        return try JSONDecoder().decode(ProjectReading.self, from: Data(output.output.utf8))
    }
}

/// How imported colours and GUIDs are stored.
@Suite struct CodebookValueTests {
    @Test func coloursAndGUIDsAreNormalised() {
        #expect(CodebookTheme.normalisedColour("#0aF") == "#00AAFF")
        #expect(CodebookTheme.normalisedColour("#12ab9C") == "#12AB9C")
        #expect(CodebookTheme.normalisedColour("red") == nil)
        #expect(CodebookTheme.normalisedGUID("{0902cdeb-ac64-4854-954e-5fd5f1cbb172}") == "0902CDEB-AC64-4854-954E-5FD5F1CBB172")
        #expect(CodebookTheme.normalisedGUID("0902cdeb-ac64-4854-954e") == nil)
    }
}
