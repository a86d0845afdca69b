import Foundation
import Testing

/// Runs the built `consult` executable as a user would.
@Suite struct SurveyValidateCommandTests {
    @Test func validatesTheShippedSurveysWithASummaryEach() throws {
        let run = try ConsultProcess.run("survey", "validate", "Surveys/neurotech-2025.yaml", "Surveys/ai-risk-assessment.yaml")
        #expect(run.status == 0)
        #expect(run.errors.isEmpty)
        let lines = run.output.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        #expect(lines.first?.hasPrefix("Surveys/neurotech-2025.yaml: ok — neurotech-2025: ") == true)
        #expect(lines.first?.hasSuffix(
            " sectors; closes 2025-11-10T17:00:00.000Z (2025-11-10T18:00:00.000+01:00 Europe/Vienna); closed") == true)
        #expect(lines.last?.contains("closes 2099-12-31T22:59:59.000Z (2099-12-31T23:59:59.000+01:00 Europe/Paris); open") == true)
    }

    @Test func reportsEachProblemWithFileLineAndFieldAndFails() throws {
        let broken = "Tests/SurveyFilesTests/BrokenSurveys/show-if-missing-option.yaml"
        let run = try ConsultProcess.run("survey", "validate", "Surveys/neurotech-2025.yaml", broken)
        #expect(run.status == 1)
        #expect(run.output.hasPrefix("Surveys/neurotech-2025.yaml: ok"))
        #expect(run.errors == "\(broken):39:43: sections[0].questions[3].show_if.equals: "
            + "\"maybe\" is not an option of \"uses\"; its options are yes, no\n")
    }

    @Test func refusesToRunWithoutFiles() throws {
        let run = try ConsultProcess.run("survey", "validate")
        #expect(run.status != 0)
        #expect(run.errors.contains("Missing expected argument"))
    }

    @Test func helpListsEveryCommand() throws {
        let run = try ConsultProcess.run("--help")
        #expect(run.status == 0)
        #expect(run.output.contains("survey"))
        let survey = try ConsultProcess.run("survey", "--help")
        #expect(survey.output.contains("validate"))
    }
}
