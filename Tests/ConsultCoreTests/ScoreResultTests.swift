import ConsultCore
import Foundation
import SurveyFiles
import Testing

/// The result a respondent sees: the level, the score that set it and each section's contribution.
@Suite struct ScoreResultTests {
    let survey: Survey
    let raw: [String: JSONValue]

    init() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        survey = try SurveyFile.load(path: root.appendingPathComponent("Surveys/ai-risk-assessment.yaml").path)
        let body = try Data(contentsOf: root.appendingPathComponent("Scripts/examples/ai-risk-submission.json"))
        guard case .object(let members) = try JSONDecoder().decode(JSONValue.self, from: body),
            case .object(let raw)? = members["answers"]
        else { throw CocoaError(.fileReadCorruptFile) }
        self.raw = raw
    }

    @Test func theResultNamesTheLevelTheScoreThatSetItAndEachSectionsScores() throws {
        let answers = try survey.check(raw, as: .submission)
        let result = try #require(survey.result(for: answers))
        #expect(result.level.id == survey.level(for: answers))
        #expect(result.level.id == "high")
        #expect(result.level.label == "High")
        #expect(result.score.rule.id == "privacy_risk")
        #expect(result.score.value == 12)
        // "About the use case", "Applicability" and "Publication" hold no scored question.
        #expect(result.sections.map(\.section.id) == ["lawfulness", "harm", "autonomy", "fairness", "governance", "safeguards"])
        let byID = Dictionary(uniqueKeysWithValues: result.sections.map { ($0.section.id, $0) })
        // lawful basis 2 × 3 = 6, proportionality 3 × 3 = 9: both medium, the larger is the section's.
        #expect(byID["lawfulness"]?.scores.map(\.value) == [6, 9])
        #expect(byID["lawfulness"]?.highest?.value == 9)
        #expect(byID["lawfulness"]?.highest?.level.id == "medium")
        #expect(byID["autonomy"]?.highest?.rule.id == "privacy_risk")
        // always 0 + internal 1 + full 0 + partial 1 + in progress 1 + no external oversight 2.
        #expect(byID["safeguards"]?.highest?.value == 5)
        #expect(byID["safeguards"]?.highest?.level.id == "medium")
    }

    @Test func everyShippedLevelSaysWhatItMeansAndWhatToDoNext() throws {
        let levels = try #require(survey.scoring?.levels)
        #expect(levels.map(\.id) == ["low", "medium", "high", "extremely_high"])
        for level in levels {
            #expect(level.meaning?.isEmpty == false, "\(level.id)")
            #expect(!level.nextSteps.isEmpty, "\(level.id)")
        }
        var raw = raw
        raw["privacy_likelihood"] = .number(5)
        raw["privacy_impact"] = .number(4)
        let result = try #require(survey.result(for: try survey.check(raw, as: .submission)))
        #expect(result.level.id == "extremely_high")
        #expect(result.level.nextSteps.first?.hasPrefix("Stop or suspend") == true)
    }

    @Test func anUnscoredSurveyHasNoResult() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let neurotech = try SurveyFile.load(path: root.appendingPathComponent("Surveys/neurotech-2025.yaml").path)
        #expect(neurotech.scoring == nil)
        #expect(neurotech.result(for: AnswerSet([:])) == nil)
    }
}
