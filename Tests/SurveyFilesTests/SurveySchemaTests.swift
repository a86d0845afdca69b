import Foundation
import Testing

/// `Surveys/survey.schema.json` must agree with the format: it accepts the shipped
/// surveys and the documented example, and refuses files with a wrong shape.
/// Checked with Python's `jsonschema`, as an editor would.
@Suite struct SurveySchemaTests {
    func checkSchema(_ files: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", RepositoryFiles.path("Scripts/check-survey-schema.py")] + files
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func acceptsTheShippedSurveysAndTheDocumentedExample() throws {
        let example = FileManager.default.temporaryDirectory.appendingPathComponent("example-\(UUID().uuidString).yaml")
        try documentedExample.write(to: example, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: example) }
        let result = try checkSchema(RepositoryFiles.yamlFiles(in: "Surveys") + [example.path])
        #expect(result.status == 0, "\(result.output)")
    }

    @Test(arguments: [
        "unknown-key-typo", "unknown-top-level-key", "duplicate-key", "deadline-without-offset", "empty-options",
        "unknown-question-type", "missing-required-keys", "bad-id", "reserved-option-id", "matrix-without-items",
        "flag-not-boolean", "score-sum-and-product", "show-if-both-equals-and-any-of", "invalid-yaml",
    ])
    func refusesAFileWithTheWrongShape(name: String) throws {
        let file = RepositoryFiles.path("Tests/SurveyFilesTests/BrokenSurveys/\(name).yaml")
        let result = try checkSchema([file])
        #expect(result.status == 1, "\(result.output)")
    }
}
