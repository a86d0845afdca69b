import Foundation
import Testing

/// Runs the built `consult` executable as a user would.
@Suite struct SurveyValidateCommandTests {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct Run {
        let status: Int32
        let output: String
        let errors: String
    }

    /// The `consult` binary beside the test bundle in the build folder.
    static var executable: URL {
        var folder = Bundle.main.bundleURL
        while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("consult").path),
            folder.pathComponents.count > 1
        {
            folder.deleteLastPathComponent()
        }
        return folder.appendingPathComponent("consult")
    }

    func consult(_ arguments: String...) throws -> Run {
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = arguments
        process.currentDirectoryURL = Self.repository
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        let errData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus, output: String(decoding: outData, as: UTF8.self),
            errors: String(decoding: errData, as: UTF8.self))
    }

    @Test func validatesTheShippedSurveysWithASummaryEach() throws {
        let run = try consult("survey", "validate", "Surveys/neurotech-2025.yaml", "Surveys/ai-risk-assessment.yaml")
        #expect(run.status == 0)
        #expect(run.errors.isEmpty)
        let lines = run.output.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        #expect(lines.first?.hasPrefix("Surveys/neurotech-2025.yaml: ok — neurotech-2025: ") == true)
        #expect(lines.first?.hasSuffix(
            " sectors; closes 2025-11-10T17:00:00Z (2025-11-10T18:00:00+01:00 Europe/Vienna); closed") == true)
        #expect(lines.last?.contains("closes 2099-12-31T22:59:59Z (2099-12-31T23:59:59+01:00 Europe/Paris); open") == true)
    }

    @Test func reportsEachProblemWithFileLineAndFieldAndFails() throws {
        let broken = "Tests/SurveyFilesTests/BrokenSurveys/show-if-missing-option.yaml"
        let run = try consult("survey", "validate", "Surveys/neurotech-2025.yaml", broken)
        #expect(run.status == 1)
        #expect(run.output.hasPrefix("Surveys/neurotech-2025.yaml: ok"))
        #expect(run.errors == "\(broken):39:43: sections[0].questions[3].show_if.equals: "
            + "\"maybe\" is not an option of \"uses\"; its options are yes, no\n")
    }

    @Test func refusesToRunWithoutFiles() throws {
        let run = try consult("survey", "validate")
        #expect(run.status != 0)
        #expect(run.errors.contains("Missing expected argument"))
    }

    @Test func helpListsEveryCommand() throws {
        let run = try consult("--help")
        #expect(run.status == 0)
        #expect(run.output.contains("survey"))
        let survey = try consult("survey", "--help")
        #expect(survey.output.contains("validate"))
    }
}
