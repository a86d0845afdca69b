import ConsultCore
import ConsultExport
import ConsultStore
import Foundation
import SurveyFiles
import SyntheticResponses
import Testing

/// A temporary database filled with synthetic submissions whose answers the test keeps,
/// so that every exported figure can be checked against a count made here.
struct ExportFixture {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    let folder: URL
    let survey: Survey
    let database: ConsultDatabase
    /// What was stored, in order, with the respondent's profile.
    let stored: [(answers: AnswerSet, profile: RespondentProfile)]

    init(surveyFile: String, count: Int, seed: UInt64) async throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        survey = try SurveyFile.load(path: Self.repository.appendingPathComponent(surveyFile).path)
        database = try ConsultDatabase(path: folder.appendingPathComponent("consult.sqlite").path)
        var generator = ResponseGenerator(survey: survey, seed: seed)
        var stored: [(AnswerSet, RespondentProfile)] = []
        var batch: [(answers: AnswerSet, receivedAt: Date)] = []
        for index in 0..<count {
            let answers = try generator.nextAnswerSet()
            stored.append((answers, survey.profile(of: answers)))
            batch.append((answers, survey.window.opensAt.addingTimeInterval(Double(index) * 97)))
            if batch.count == 1_000 {
                try await database.importSynthetic(batch, to: survey)
                batch = []
            }
        }
        try await database.importSynthetic(batch, to: survey)
        self.stored = stored
    }

    /// An empty database for the survey `yaml` defines.
    init(yaml: String) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        survey = try SurveyFile.parse(yaml, file: "survey.yaml")
        database = try ConsultDatabase(path: folder.appendingPathComponent("consult.sqlite").path)
        stored = []
    }

    func export(_ content: ExportContent, _ format: ExportFormat, options: CSVOptions = CSVOptions()) async throws -> [URL] {
        try await Exporter(database: database, clock: { Date(timeIntervalSince1970: 1_795_000_000) }).export(
            survey, content: content, format: format,
            into: folder.appendingPathComponent("\(content.rawValue)-\(format.rawValue)"), csv: options)
    }

    func remove() {
        try? database.close()
        try? FileManager.default.removeItem(at: folder)
    }

    /// Each CSV file parsed by Python's `csv` module, as rows of column → text.
    static func parseCSV(_ files: [URL], bom: Bool = false) throws -> [String: [[String: String]]] {
        let script = """
            import csv, json, os, sys
            tables = {}
            for path in sys.argv[1:]:
                with open(path, newline='', encoding='utf-8-sig' if \(bom ? "True" : "False") else 'utf-8') as f:
                    tables[os.path.basename(path)[:-4]] = list(csv.DictReader(f, strict=True))
            json.dump(tables, sys.stdout)
            """
        let output = try run("/usr/bin/env", ["python3", "-c", script] + files.map(\.path))
        #expect(output.status == 0, "\(output.errors)")
        return try JSONDecoder().decode([String: [[String: String]]].self, from: Data(output.output.utf8))
    }

    /// `xmllint --noout --schema SCHEMA FILE`: the errors it prints, empty when the file is valid.
    static func schemaErrors(_ file: URL, schema: String) throws -> String {
        let result = try run("/usr/bin/env", ["xmllint", "--noout", "--schema", repository.appendingPathComponent(schema).path, file.path])
        return result.status == 0 ? "" : result.errors
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let outputFile = FileManager.default.temporaryDirectory.appendingPathComponent("out-\(UUID().uuidString)")
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("err-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outputFile)
            try? FileManager.default.removeItem(at: errorFile)
        }
        process.standardOutput = try FileHandle(forWritingTo: outputFile)
        process.standardError = try FileHandle(forWritingTo: errorFile)
        try process.run()
        process.waitUntilExit()
        return (
            process.terminationStatus, (try? String(contentsOf: outputFile, encoding: .utf8)) ?? "",
            (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
        )
    }
}
