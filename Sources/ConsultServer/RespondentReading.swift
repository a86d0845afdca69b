import ConsultCore
import ConsultStore
import Foundation

/// One respondent's submission as analysts read it in the reading room: answers with question
/// texts and labels, profile facts, every free text with its codings.
///
/// The publication rule holds here too: answers to personal questions (name, e-mail) are shown
/// only for respondents who chose publication with their name; confidential respondents are
/// read (the drafting team needs their text) and marked as such.
///
/// A coding points at the words of the version it was made on. When a later edit changed that
/// text (`on_earlier_text`, or a different text in that version than now), it is shown as made
/// on an earlier text with that version's words, never over the current words.
struct RespondentReading {
    let survey: Survey
    let file: RespondentFile
    let codings: [Coding]
    /// The checked answers of each stored version read.
    private let answersByVersion: [Int: AnswerSet]

    init(survey: Survey, file: RespondentFile, codings: [Coding]) throws {
        self.survey = survey
        self.file = file
        self.codings = codings
        var answers: [Int: AnswerSet] = [:]
        for version in file.versions {
            guard case .object(let raw) = try JSONDecoder().decode(JSONValue.self, from: Data(version.answersJSON.utf8))
            else { continue }
            answers[version.number] = RespondentPages.keptAnswers(raw, of: survey).answers
        }
        answersByVersion = answers
    }

    /// Loads the respondent `pseudonym` of `survey` (every version, for earlier codings), or a 404 problem.
    static func load(_ pseudonym: String, survey: Survey, consultation: Consultation) async throws -> RespondentReading {
        let database = consultation.database
        let file = try await consultation.storing {
            try await database.respondents.file(pseudonym, of: survey.id.rawValue, allVersions: true)
        }
        guard let file else { throw Problem.notFound("There is no respondent \"\(pseudonym)\" in \(survey.id).") }
        let codings = try await consultation.storing { try await database.codingLedger.codings(of: file.seq) }
        return try RespondentReading(survey: survey, file: file, codings: codings)
    }

    var isConfidential: Bool { file.publication == .confidential }

    /// The free texts of version `number`.
    func texts(ofVersion number: Int) -> OpenTexts {
        let answers = answersByVersion[number] ?? AnswerSet([:])
        return OpenTexts(answers: answers, otherSectorText: survey.profile(of: answers).otherSectorText)
    }

    var currentTexts: OpenTexts { texts(ofVersion: file.version) }

    func answers(ofVersion number: Int) -> AnswerSet { answersByVersion[number] ?? AnswerSet([:]) }

    /// Whether analysts may read the text of `field` (the publication rule on personal questions).
    func shows(_ field: OpenTextField) -> Bool {
        guard let id = field.question else { return true }
        guard let question = survey.question(id) else { return false }
        return file.publication.disclosesAnswer(to: question)
    }

    /// Whether `coding` is about an earlier text than the current one.
    func isOnEarlierText(_ coding: Coding) -> Bool {
        if coding.onEarlierText { return true }
        guard coding.version != file.version else { return false }
        return texts(ofVersion: coding.version)[coding.field] != currentTexts[coding.field]
    }

    /// The words a coding is about, from the text of its own version.
    func words(of coding: Coding) -> String? {
        guard let text = texts(ofVersion: coding.version)[coding.field] else { return nil }
        guard let span = coding.span else { return text }
        return span.words(of: text)
    }

    /// The codings of one text that may be shown.
    func codings(of field: OpenTextField) -> [Coding] {
        shows(field) ? codings.filter { $0.field == field } : []
    }

    // MARK: JSON

    func json(allVersions: Bool) -> JSONValue {
        var members: [String: JSONValue] = [
            "respondent": .string(file.respondent),
            "survey_id": .string(survey.id.rawValue),
            "version": .number(Double(file.version)),
            "received_at": .string(Instant.utcText(file.receivedAt)),
            "updated_at": .string(Instant.utcText(file.updatedAt)),
            "confidential": .bool(isConfidential),
            "profile": profileJSON,
            "answers": .array(answersJSON(file.version)),
            "texts": .array(currentTexts.fields.filter(shows).map { field in
                .object([
                    "question": .string(field.storedQuestion), "kind": .string(field.kind.rawValue),
                    "text": .string(currentTexts[field] ?? ""),
                    "codings": .array(codings(of: field).map(codingJSON)),
                ])
            }),
        ]
        if allVersions {
            members["versions"] = .array(file.versions.map { version in
                .object([
                    "version": .number(Double(version.number)), "received_at": .string(Instant.utcText(version.receivedAt)),
                    "answers": .array(answersJSON(version.number)),
                ])
            })
        }
        return .object(members)
    }

    var profileJSON: JSONValue {
        var profile: [String: JSONValue] = [
            "declared_sector": .string(file.declaredSector), "declared_sector_label": .string(survey.sectorLabel(file.declaredSector)),
            "final_sector": .string(file.finalSector), "final_sector_label": .string(survey.sectorLabel(file.finalSector)),
            "publication": .string(file.publication.rawValue),
            "country": file.country.map(JSONValue.string) ?? .null,
            "country_name": file.country.flatMap { CountryTable.country($0)?.name }.map(JSONValue.string) ?? .null,
            "region": file.region.map(JSONValue.string) ?? .null,
            "level": file.level.map(JSONValue.string) ?? .null,
            "level_label": levelLabel.map(JSONValue.string) ?? .null,
            "received_at": .string(Instant.utcText(file.receivedAt)), "updated_at": .string(Instant.utcText(file.updatedAt)),
        ]
        profile["other_sector_text"] = file.otherSectorText.map(JSONValue.string) ?? .null
        return .object(profile)
    }

    var levelLabel: String? {
        guard let level = file.level else { return nil }
        return survey.scoring?.levels.first { $0.id.rawValue == level }?.label ?? level
    }

    /// Every question of the survey answered in `version`, with its label; personal answers
    /// withheld (`withheld: "personal"`) unless the respondent chose publication with their name.
    func answersJSON(_ version: Int) -> [JSONValue] {
        let answers = answers(ofVersion: version)
        return survey.questions.compactMap { question -> JSONValue? in
            guard let answer = answers[question.id] else { return nil }
            var row: [String: JSONValue] = ["question": .string(question.id.rawValue), "question_text": .string(question.text)]
            if file.publication.disclosesAnswer(to: question) {
                row["value"] = answer.json
                row["label"] = .string(RespondentPages.display(answer, of: question))
            } else {
                row["withheld"] = .string(PublicationChoice.Withholding.personal.rawValue)
            }
            return .object(row)
        }
    }

    func codingJSON(_ coding: Coding) -> JSONValue {
        .object([
            "id": .number(Double(coding.id)), "guid": .string(coding.guid), "theme_id": .number(Double(coding.themeID)),
            "theme": .string(coding.themeName), "colour": .string(coding.themeColour),
            "question": .string(coding.field.storedQuestion), "kind": .string(coding.field.kind.rawValue),
            "coder": .string(coding.coder), "coder_id": .number(Double(coding.coderID)),
            "coded_at": .string(Instant.utcText(coding.codedAt)), "version": .number(Double(coding.version)),
            "start": coding.span.map { .number(Double($0.start)) } ?? .null,
            "end": coding.span.map { .number(Double($0.end)) } ?? .null,
            "whole": .bool(coding.span == nil), "on_earlier_text": .bool(isOnEarlierText(coding)),
            "words": words(of: coding).map(JSONValue.string) ?? .null,
            "bulk_id": coding.bulkID.map { .number(Double($0)) } ?? .null,
        ])
    }
}
