import ConsultCore
import Foundation
import SurveyFiles
import Testing

/// A survey written from the documentation alone, using every feature of the format.
let documentedExample = """
    # yaml-language-server: $schema=survey.schema.json
    id: example
    title: Example consultation
    description: |
      Why we ask.

      Who should answer.
    language: en-GB
    time_zone: Europe/Vienna
    opens_at: 2025-09-01T09:00+02:00
    closes_at: 2025-11-10T18:00:00 Europe/Vienna
    respondent:
      sector_question: sector
      country_question: country
      publication_question: publication
    sectors:
      - id: police
        label: Police
        description: Police forces.
        keywords: [Police, border guard]
      - id: academia
        label: Academia
    sections:
      - id: profile
        title: About you
        questions:
          - {id: sector, type: single_choice, text: Your sector, required: true, other: true}
          - {id: country, type: country, text: Your country, required: true}
          - {id: email, type: email, text: Your e-mail, personal: true}
          - {id: staff, type: number, text: Staff, min: 0, max: 1000000, integer: true}
      - id: views
        title: Your views
        questions:
          - id: tools
            type: multiple_choice
            text: Which tools do you know?
            other: true
            min_picks: 1
            max_picks: 2
            options:
              - {id: eeg, label: EEG, points: 2}
              - {id: fmri, label: fMRI, points: -1}
          - id: likelihood
            type: scale
            text: How likely is misuse?
            help: One means rare.
            points:
              - {value: 1, label: Rare}
              - {value: 3, label: Likely}
          - id: impact
            type: single_choice
            text: How bad would it be?
            required: true
            options:
              - {id: minor, label: Minor, points: 1}
              - {id: severe, label: Severe, points: 4}
          - id: why
            type: text
            text: Why?
            multiline: true
            max_length: 2000
            show_if: {question: tools, any_of: [eeg, other]}
          - id: why-likely
            type: text
            text: Why likely?
            max_length: 100
            show_if: {question: likelihood, equals: 3}
          - id: rights
            type: matrix
            text: Concern per right
            items:
              - {id: privacy, label: Mental privacy}
              - {id: thought, label: Freedom of thought}
            points:
              - {value: 0, label: None}
              - {value: 1, label: Some}
          - {id: publication, type: single_choice, text: "May we publish your answers?", required: true}
    scoring:
      levels:
        - {id: low, label: Low}
        - {id: high, label: High}
      scores:
        - id: misuse
          label: Misuse risk
          product: [likelihood, impact]
          bands:
            - {min: 1, max: 3, level: low}
            - {min: 4, max: 12, level: high}
        - id: exposure
          label: Exposure
          sum: [tools, rights]
          bands:
            - {min: -1, max: 1, level: low}
            - {min: 2, max: 4, level: high}
    """

@Suite struct SurveyDecodingTests {
    let survey: Survey

    init() throws {
        survey = try SurveyFile.parse(documentedExample, file: "example.yaml")
    }

    @Test func readsTheSurveyFields() {
        #expect(survey.id == "example")
        #expect(survey.description == "Why we ask.\n\nWho should answer.")
        #expect(survey.language == "en-GB")
        #expect(survey.timeZone.identifier == "Europe/Vienna")
        #expect(Instant.utcText(survey.window.opensAt) == "2025-09-01T07:00:00.000Z")
        #expect(Instant.utcText(survey.window.closesAt) == "2025-11-10T17:00:00.000Z")
        #expect(survey.sections.map(\.id) == ["profile", "views"])
        #expect(survey.questions.count == 11)
    }

    @Test func theSectorQuestionOffersTheSectorsAndKeywordsAreLowerCased() throws {
        let question = try #require(survey.question("sector"))
        #expect(question.kind == .singleChoice(ChoiceList(
            options: [ChoiceOption(id: "police", label: "Police"), ChoiceOption(id: "academia", label: "Academia")],
            allowsOther: true)))
        #expect(survey.sector("police")?.keywords == ["police", "border guard"])
        #expect(survey.sector("academia")?.keywords == [])
    }

    @Test func thePublicationQuestionOffersTheThreeFixedChoices() throws {
        let question = try #require(survey.question("publication"))
        guard case .singleChoice(let list) = question.kind else {
            Issue.record("publication is not a single choice")
            return
        }
        #expect(list.options.map(\.id.rawValue) == ["public_named", "public_anonymous", "confidential"])
        #expect(!list.allowsOther)
    }

    @Test func readsEveryQuestionKind() {
        #expect(survey.question("email")?.isPersonal == true)
        #expect(survey.question("staff")?.kind == .number(NumberRange(min: 0, max: 1_000_000, integerOnly: true)))
        #expect(survey.question("tools")?.kind == .multipleChoice(ChoiceList(
            options: [ChoiceOption(id: "eeg", label: "EEG", points: 2), ChoiceOption(id: "fmri", label: "fMRI", points: -1)],
            allowsOther: true), picks: 1...2))
        #expect(survey.question("likelihood")?.help == "One means rare.")
        #expect(survey.question("why")?.kind == .text(maxLength: 2000, multiline: true))
        #expect(survey.question("rights")?.kind == .matrix(
            items: [MatrixItem(id: "privacy", label: "Mental privacy"), MatrixItem(id: "thought", label: "Freedom of thought")],
            scale: Scale(points: [ScalePoint(value: 0, label: "None"), ScalePoint(value: 1, label: "Some")])))
    }

    @Test func readsConditionsOnChoicesAndScales() {
        #expect(survey.question("why")?.showIf == DisplayCondition(question: "tools", values: [.option("eeg"), .option("other")]))
        #expect(survey.question("why-likely")?.showIf == DisplayCondition(question: "likelihood", values: [.scaleValue(3)]))
        #expect(survey.question("tools")?.showIf == nil)
    }

    @Test func readsScoresAndTheirBands() throws {
        let scoring = try #require(survey.scoring)
        #expect(scoring.scores.map(\.formula) == [.product(["likelihood", "impact"]), .sum(["tools", "rights"])])
        let misuse = scoring.scores[0]
        #expect(misuse.level(for: 3) == "low")
        #expect(misuse.level(for: 4) == "high")
        #expect(misuse.level(for: 13) == nil)
    }

    @Test func reportsEveryProblemOfAFileInLineOrder() {
        let broken = documentedExample
            .replacingOccurrences(of: "language: en-GB", with: "language: English")
            .replacingOccurrences(of: "max_length: 100\n", with: "max_length: 0\n")
            .replacingOccurrences(of: "{min: 4, max: 12, level: high}", with: "{min: 4, max: 11, level: high}")
        let error = #expect(throws: SurveyDefinitionError.self) { try SurveyFile.parse(broken, file: "example.yaml") }
        #expect(error?.problems.map { $0.rendered(file: "example.yaml") } == [
            #"example.yaml:8:11: language: "English" is not a BCP 47 language tag such as en or en-GB"#,
            "example.yaml:66:21: sections[1].questions[4].max_length: max_length must be between 1 and 100000; found 0",
            "example.yaml:88:25: scoring.scores[0].bands[1].max: score 12 falls in no band: this score can be as high as 12",
        ])
    }

    @Test func refusesAFileThatIsNotAMapping() {
        let error = #expect(throws: SurveyDefinitionError.self) { try SurveyFile.parse("- just\n- a list\n", file: "list.yaml") }
        #expect(error?.description == "list.yaml:1:1: (top level): expected a mapping with the keys "
            + "id, title, description, language, time_zone, opens_at, closes_at, respondent, sectors, sections, scoring, campaigns; "
            + "found a list")
    }

    @Test func refusesAnEmptyFile() {
        let error = #expect(throws: SurveyDefinitionError.self) { try SurveyFile.parse("", file: "empty.yaml") }
        #expect(error?.description == "empty.yaml:1:1: the file is empty")
    }

    @Test func refusesAFileThatCannotBeRead() {
        let error = #expect(throws: SurveyDefinitionError.self) { try SurveyFile.load(path: "/nonexistent/survey.yaml") }
        #expect(error?.problems.count == 1)
        #expect(error?.description.hasPrefix("/nonexistent/survey.yaml: cannot read the file") == true)
    }

    @Test func loadingAFolderReportsEveryBrokenFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("surveys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try documentedExample.write(to: folder.appendingPathComponent("example.yaml"), atomically: true, encoding: .utf8)
        try "id: [".write(to: folder.appendingPathComponent("bad.yaml"), atomically: true, encoding: .utf8)
        try "not a survey".write(to: folder.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)

        let error = #expect(throws: SurveyCatalogError.self) { try SurveyFile.loadAll(in: folder.path) }
        #expect(error?.failures.map(\.file) == [folder.appendingPathComponent("bad.yaml").path])

        try FileManager.default.removeItem(at: folder.appendingPathComponent("bad.yaml"))
        #expect(try SurveyFile.loadAll(in: folder.path).map(\.id) == ["example"])
    }
}
