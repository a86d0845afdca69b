import ConsultCore
import Foundation
import SurveyFiles
import Testing

/// Each file in `BrokenSurveys/` breaks one rule of the format and lists, in
/// `# expect:` comments at its end, exactly the problems the validator must report.
@Suite struct BrokenSurveyTests {
    static let files = RepositoryFiles.yamlFiles(in: "Tests/SurveyFilesTests/BrokenSurveys")

    @Test func theCorpusCoversAtLeastTwentyBrokenFiles() {
        #expect(Self.files.count >= 20)
    }

    @Test(arguments: files)
    func reportsExactlyTheExpectedProblems(file: String) throws {
        let text = try String(contentsOfFile: file, encoding: .utf8)
        let expected = text.split(separator: "\n")
            .filter { $0.hasPrefix("# expect: ") }
            .map { "\(file):" + $0.dropFirst("# expect: ".count) }
        try #require(!expected.isEmpty, "\(file) has no `# expect:` line")

        let error = #expect(throws: SurveyDefinitionError.self) { try SurveyFile.load(path: file) }
        #expect(error?.file == file)
        #expect(error?.problems.map { $0.rendered(file: file) } == expected)
    }
}
