import ConsultCore
import Foundation
import SurveyFiles
import Testing

@Suite struct ShippedSurveyTests {
    let surveys: [SurveyID: Survey]

    init() throws {
        surveys = Dictionary(
            uniqueKeysWithValues: try SurveyFile.loadAll(in: RepositoryFiles.path("Surveys")).map { ($0.id, $0) })
    }

    /// 2026-11-23, the day these tests were written; later days are checked through the window itself.
    let aDayAfterTheConsultation = Date(timeIntervalSince1970: 1_795_392_000)

    @Test func everyShippedSurveyLoads() {
        // position-papers: the call for position papers (file questions, issue 16).
        #expect(Set(surveys.keys) == ["neurotech-2025", "ai-risk-assessment", "position-papers"])
    }

    @Test func theNeurotechConsultationClosesOnTenNovember2025At1800CET() throws {
        let survey = try #require(surveys["neurotech-2025"])
        #expect(Instant.utcText(survey.window.closesAt) == "2025-11-10T17:00:00.000Z")
        #expect(Instant.localText(survey.window.closesAt, in: survey.timeZone) == "2025-11-10T18:00:00.000+01:00")
        #expect(survey.language == "en")
        #expect(survey.window.status(at: aDayAfterTheConsultation) == .closed)
    }

    @Test func theNeurotechConsultationUsesEveryQuestionTypeInAtLeast25Questions() throws {
        let survey = try #require(surveys["neurotech-2025"])
        #expect(survey.questions.count >= 25)
        // Files (position papers) are asked by the position-papers call, not by this questionnaire.
        #expect(Set(survey.questions.map(\.kind.type)) == Set(QuestionType.allCases).subtracting([.file]))
        #expect(surveys["position-papers"]?.questions.contains { $0.kind.type == .file } == true)
        #expect(survey.questions.contains { $0.showIf != nil })
        #expect(survey.questions.contains { $0.isPersonal })
    }

    @Test func theNeurotechConsultationDeclaresItsRespondentRoles() throws {
        let survey = try #require(surveys["neurotech-2025"])
        let sectorQuestion = try #require(survey.question(survey.respondent.sectorQuestion))
        guard case .singleChoice(let choices) = sectorQuestion.kind else {
            Issue.record("the sector question is not a single choice")
            return
        }
        #expect(choices.options.map(\.id.rawValue) == survey.sectors.map(\.id.rawValue))
        #expect(choices.allowsOther)
        #expect(Set(survey.sectors.map(\.id)).isSuperset(of: [
            "law_enforcement", "criminal_justice", "industry", "academia", "civil_society",
        ]))
        #expect(survey.respondent.countryQuestion.flatMap(survey.question)?.kind == .country)
        #expect(survey.respondent.publicationQuestion != nil)
    }

    @Test func theRiskAssessmentIsOpenNowAndForYearsToCome() throws {
        let survey = try #require(surveys["ai-risk-assessment"])
        let tenYearsLater = aDayAfterTheConsultation.addingTimeInterval(10 * 365 * 86_400)
        #expect(survey.window.status(at: aDayAfterTheConsultation) == .open)
        #expect(survey.window.status(at: tenYearsLater) == .open)
    }

    @Test func theRiskAssessmentScoresFromLowToExtremelyHigh() throws {
        let survey = try #require(surveys["ai-risk-assessment"])
        let scoring = try #require(survey.scoring)
        #expect(scoring.levels.map(\.id) == ["low", "medium", "high", "extremely_high"])
        let products = scoring.scores.filter { if case .product = $0.formula { true } else { false } }
        #expect(products.count >= 5)
        for score in products {
            #expect(score.level(for: 1) == "low")
            #expect(score.level(for: 25) == "extremely_high")
        }
    }
}
