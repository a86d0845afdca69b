import ConsultCore
import Foundation
import SurveyFiles
import Testing

@Suite struct AnswerTests {
    let sectors = [
        Sector(id: "law_enforcement", label: "Law enforcement", description: nil, keywords: ["police", "border guard"]),
        Sector(id: "academia", label: "Academia", description: nil, keywords: ["university", "police academy"]),
    ]

    @Test func keywordsMatchWholeWordsAndPhrasesInSurveyOrder() {
        let classifier = SectorClassifier(sectors: sectors)
        #expect(classifier.sector(for: "Federal POLICE, forensic unit") == "law_enforcement")
        #expect(classifier.sector(for: "Border-guard training") == "law_enforcement")
        #expect(classifier.sector(for: "Policeman") == nil)
        #expect(classifier.sector(for: "University hospital") == "academia")
        #expect(classifier.sector(for: "A police academy") == "law_enforcement")
        #expect(classifier.sector(for: "") == nil)
    }

    @Test func canonicalJSONSortsKeysAndEscapesOnlyWhatJSONRequires() {
        let value = JSONValue.object([
            "b": .array([.number(1), .number(2.5), .bool(true), .null]),
            "a": .string("quote \" backslash \\ newline \n control \u{01} é"),
        ])
        #expect(value.canonicalText == #"{"a":"quote \" backslash \\ newline \n control \u0001 é","b":[1,2.5,true,null]}"#)
    }

    @Test func theRiskAssessmentLevelIsTheHighestScoreLevel() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let survey = try SurveyFile.load(path: root.appendingPathComponent("Surveys/ai-risk-assessment.yaml").path)
        let body = try Data(contentsOf: root.appendingPathComponent("Scripts/examples/ai-risk-submission.json"))
        guard case .object(let members) = try JSONDecoder().decode(JSONValue.self, from: body),
            case .object(var raw)? = members["answers"]
        else {
            Issue.record("the example is not {answers: …}")
            return
        }
        let answers = try survey.check(raw, as: .submission)
        #expect(survey.scores(for: answers)["privacy_risk"] == 12)
        #expect(survey.level(for: answers) == "high")

        raw["privacy_likelihood"] = .number(5)
        raw["privacy_impact"] = .number(4)
        #expect(survey.level(for: try survey.check(raw, as: .submission)) == "extremely_high")

        let profile = survey.profile(of: answers)
        #expect(profile.finalSector == "police")
        #expect(profile.country?.interpolRegion == "Europe")
        #expect(profile.publication == .confidential)
    }

    @Test func aDraftKeepsPartialAnswersButNotWrongOnes() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let survey = try SurveyFile.load(path: root.appendingPathComponent("Surveys/ai-risk-assessment.yaml").path)
        let draft = try survey.check(["system_name": .string("  Face matching  ")], as: .draft)
        #expect(draft["system_name"] == .text("Face matching"))
        let error = #expect(throws: InvalidAnswers.self) {
            try survey.check(["people_affected": .number(-1)], as: .draft)
        }
        #expect(error?.problems == [AnswerProblem(question: "people_affected", message: "must be at least 0")])
    }
}
