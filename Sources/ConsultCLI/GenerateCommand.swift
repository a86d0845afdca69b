import ArgumentParser
import ConsultCore
import ConsultExport
import Foundation
import SyntheticResponses

/// `consult generate SURVEY --count N`: synthetic submissions for tests and benchmarks.
struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Fill a database with synthetic submissions (for tests and benchmarks, never for a real consultation).",
        discussion: """
            Answers are valid for the survey, reproducible from --seed, spread over the survey's window with \
            most of them near the deadline, and stored in batches without the deadline rule.
            """
    )

    @Argument(help: "The survey id.") var survey: String
    @Option(help: "How many submissions to make.") var count: Int
    @Option(help: "The random seed; the same seed gives the same answers.") var seed: UInt64 = 1
    @Option(help: "Submissions stored per transaction.") var batch: Int = 5_000
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var surveys: SurveyFolderOptions

    func validate() throws {
        guard count > 0 else { throw ValidationError("--count must be positive.") }
        guard batch > 0 else { throw ValidationError("--batch must be positive.") }
    }

    func run() async throws {
        let survey = try surveys.survey(self.survey)
        let database = try await self.database.open()
        defer { try? database.close() }
        var generator = ResponseGenerator(survey: survey, seed: seed)
        let start = survey.window.opensAt
        let end = min(survey.window.closesAt, Date())
        let span = max(end.timeIntervalSince(start), 1)
        let bar = ProgressBar()
        var made = 0
        while made < count {
            var entries: [(answers: AnswerSet, receivedAt: Date)] = []
            for index in made..<min(count, made + batch) {
                // Most answers arrive near the end: the position in the window grows like a square root.
                let position = (Double(index) + 0.5) / Double(count)
                entries.append((try generator.nextAnswerSet(), start.addingTimeInterval(span * position.squareRoot())))
            }
            try await database.importSynthetic(entries, to: survey)
            made += entries.count
            bar.show(ExportProgress(step: "submissions", done: made, total: count))
        }
        bar.finish()
        print("\(survey.id): \(made) synthetic submissions added to \(self.database.path)")
    }
}
