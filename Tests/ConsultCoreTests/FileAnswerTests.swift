import ConsultCore
import Foundation
import SurveyFiles
import Testing

/// Position papers: the `file` question's settings, its answers, and the display-name rule.
@Suite struct FileAnswerTests {
    let survey: Survey

    init() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        survey = try SurveyFile.load(path: root.appendingPathComponent("Surveys/position-papers.yaml").path)
    }

    func file(_ id: String = "fabc", name: String = "paper.pdf", kind: String = "pdf", size: Double = 1000,
              sha256: String = String(repeating: "ab", count: 32)) -> JSONValue {
        .object(["id": .string(id), "name": .string(name), "kind": .string(kind), "size": .number(size), "sha256": .string(sha256)])
    }

    func problem(_ value: JSONValue) -> String? {
        do {
            _ = try survey.check(["paper": value], as: .draft)
            return nil
        } catch {
            return error.problems.first?.message
        }
    }

    @Test func theRuleComesFromTheDefinition() throws {
        guard case .file(let rule)? = survey.question("paper")?.kind else { Issue.record("not a file question"); return }
        #expect(rule == FileRule(kinds: [.pdf, .docx, .odt, .text], maxBytes: 10 * 1_048_576, maxFiles: 3))
    }

    @Test func aListOfUploadsIsAnAnswerAndItsJSONCarriesEachHash() throws {
        let answers = try survey.check(["paper": .array([file("fa"), file("fb", kind: "odt")])], as: .draft)
        guard case .files(let files)? = answers[QuestionID("paper")] else { Issue.record("no files"); return }
        #expect(files.map(\.id) == ["fa", "fb"])
        #expect(answers.canonicalText.contains(String(repeating: "ab", count: 32)))
        #expect(answers.attachedFiles.count == 2)
    }

    @Test func refusesWhatAnUploadCouldNotHaveReturned() {
        #expect(problem(.string("paper.pdf"))?.hasPrefix("expected a list") == true)
        #expect(problem(.array([file("fa"), file("fb"), file("fc"), file("fd")])) == "at most 3 file(s) may be attached; 4 given")
        #expect(problem(.array([file("fa"), file("fa")])) == "the file \"fa\" is attached more than once")
        #expect(problem(.array([file(kind: "exe")]))?.hasPrefix("a file's \"kind\"") == true)
        #expect(problem(.array([file(size: 10 * 1_048_576 + 1)]))?.hasPrefix("a file's \"size\"") == true)
        #expect(problem(.array([file(size: 0)]))?.hasPrefix("a file's \"size\"") == true)
        #expect(problem(.array([file(sha256: "00")]))?.hasPrefix("a file's \"sha256\"") == true)
        #expect(problem(.array([file(name: "../etc/passwd")]))?.hasPrefix("a file's \"name\"") == true)
        #expect(problem(.array([file("../x")]))?.hasPrefix("a file's \"id\"") == true)
        #expect(problem(.array([])) == nil)
    }

    @Test(arguments: [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("report\u{0}.pdf", "report.pdf"),
        ("invoice\u{202E}fdp.exe", "invoicefdp.exe"),
        ("..", "file"),
        ("", "file"),
        ("  .hidden  ", "hidden"),
        ("Stellungnahme – Verband.pdf", "Stellungnahme – Verband.pdf"),
        ("a\nb\tc.pdf", "a b c.pdf"),
    ])
    func displayNamesKeepNoPathNorHiddenCharacters(raw: String, shown: String) {
        #expect(DisplayFileName.sanitised(raw) == shown)
        #expect(DisplayFileName.sanitised(shown) == shown)
    }

    @Test func aLongNameIsCutToTwoHundredFiftyFiveBytes() {
        let name = DisplayFileName.sanitised(String(repeating: "é", count: 300) + ".pdf")
        #expect(name.utf8.count <= 255)
        #expect(!name.isEmpty)
    }
}
