// Campaigns (dedup): clustering from scratch, and the campaign benchmark's measuring commands.
import ArgumentParser
import ConsultCore
import ConsultStore
import Foundation
import SyntheticResponses

/// `consult campaigns`: a survey's clusters of look-alike submissions.
struct CampaignsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "campaigns",
        abstract: "Find campaigns: clusters of near-duplicate submissions.",
        subcommands: [CampaignsRebuildCommand.self, CampaignsEvaluateCommand.self, CampaignsMeasureAssignCommand.self]
    )
}

/// `consult campaigns rebuild SURVEY`
struct CampaignsRebuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Cluster every submission of a survey from scratch.",
        discussion: """
            Fingerprints every free text of the survey's latest versions and clusters them in order of arrival, \
            as the server's worker does one by one. Clusters whose representative leads again keep their id and \
            review; members placed by analysts and reviewed clusters are kept. Safe while the server runs: \
            its worker reloads the result.
            """
    )

    @Argument(help: "The survey id.") var survey: String
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var surveys: SurveyFolderOptions

    func run() async throws {
        let survey = try surveys.survey(self.survey)
        let database = try await self.database.open()
        defer { try? database.close() }
        let detector = database.campaignDetector(surveys: [survey])
        let summary = try await detector.rebuild(survey, at: Date())
        print("""
            \(survey.id): \(summary.submissions) submissions, \(summary.texts) texts fingerprinted, \
            \(summary.clusters) clusters, \(summary.campaigns) campaigns of at least \(survey.campaigns.minimumSize) \
            (\(summary.clusteredSubmissions) submissions in a whole-submission cluster)
            read and fingerprinted \(String(format: "%.2f", summary.readSeconds)) s (CPU \(String(format: "%.2f", summary.readCPUSeconds)) s), \
            clustered \(String(format: "%.2f", summary.clusterSeconds)) s (CPU \(String(format: "%.2f", summary.clusterCPUSeconds)) s), \
            written \(String(format: "%.2f", summary.writeSeconds)) s (CPU \(String(format: "%.2f", summary.writeCPUSeconds)) s; \
            longest write transaction \(String(format: "%.2f", summary.longestWriteSeconds)) s)
            """)
    }
}

/// `consult campaigns evaluate FILE`: clusters the texts of a JSON-lines corpus the way the detector
/// does and prints each text's cluster, for Scripts/benchmark-campaigns.sh (hidden).
struct CampaignsEvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate", abstract: "Cluster a JSON-lines corpus of {\"id\", \"text\"} (benchmark).",
        shouldDisplay: false)

    @Argument(help: "The corpus file.") var file: String
    @Option(help: "The similarity threshold.") var similarity: Double = CampaignSettings.defaultSimilarity
    @Option(help: "minhash (the detector) or simhash (for comparison).") var method: String = "minhash"

    func run() throws {
        guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("\(file): cannot read the file.") }
        var texts: [(id: String, text: String)] = []
        for (number, line) in String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated() {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let id = object["id"] as? String, let text = object["text"] as? String
            else { throw ValidationError("\(file):\(number + 1): expected {\"id\": text, \"text\": text}") }
            texts.append((id, text))
        }
        let start = ContinuousClock.now
        // The cluster of each text, named by its first text (single link, in order, as the detector does).
        var roots: [Int?] = []
        switch method {
        case "minhash":
            var index = NearDuplicateIndex()
            for (position, item) in texts.enumerated() {
                guard let print = TextFingerprint(of: item.text) else { roots.append(nil); continue }
                let match = index.bestMatch(for: print, threshold: similarity)
                roots.append(match.map { roots[Int($0.nearest)] ?? Int($0.nearest) } ?? position)
                index.add(Int64(position), print)
            }
        case "simhash":
            var earlier: [(position: Int, hash: UInt64)] = []
            for (position, item) in texts.enumerated() {
                guard TextFingerprint(of: item.text) != nil else { roots.append(nil); continue }
                let hash = SimHash.of(item.text)
                var best: (position: Int, similarity: Double)?
                for text in earlier {
                    let value = SimHash.similarity(text.hash, hash)
                    if value >= similarity, value > best?.similarity ?? -1 { best = (text.position, value) }
                }
                roots.append(best.map { roots[$0.position] ?? $0.position } ?? position)
                earlier.append((position, hash))
            }
        default:
            throw ValidationError("--method must be minhash or simhash.")
        }
        let seconds = (ContinuousClock.now - start).components
        FileHandle.standardError.write(Data(
            "\(texts.count) texts clustered in \(Double(seconds.seconds) + Double(seconds.attoseconds) / 1e18) s\n".utf8))
        var out = ""
        for (position, item) in texts.enumerated() {
            out += "\(item.id)\t\(roots[position].map { texts[$0].id } ?? "")\n"
        }
        FileHandle.standardOutput.write(Data(out.utf8))
    }
}

/// `consult campaigns measure-assign SURVEY --corpus FILE --count N`: stores N new submissions one at
/// a time, each with a text of the corpus, and times the detector placing each (hidden; benchmark).
struct CampaignsMeasureAssignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "measure-assign", abstract: "Time placing new submissions one by one (benchmark).",
        shouldDisplay: false)

    @Argument(help: "The survey id.") var survey: String
    @Option(help: "JSON-lines corpus of {\"id\", \"text\"} whose texts the new submissions carry.") var corpus: String
    @Option(help: "How many submissions.") var count: Int = 1000
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var surveys: SurveyFolderOptions

    func run() async throws {
        let survey = try surveys.survey(self.survey)
        guard let data = FileManager.default.contents(atPath: corpus) else { throw ValidationError("\(corpus): cannot read the file.") }
        let texts = String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["text"] as? String
        }
        guard !texts.isEmpty else { throw ValidationError("\(corpus): no texts.") }
        // The longest free-text question every generated answer set can carry a corpus text in.
        guard let question = survey.questions.first(where: { question in
            if case .text(let maxLength, _) = question.kind, !question.isPersonal, question.showIf == nil, maxLength >= 2000 {
                return true
            }
            return false
        }) else { throw ValidationError("\(survey.id) has no long optional free-text question.") }
        let database = try await self.database.open()
        defer { try? database.close() }
        let detector = database.campaignDetector(surveys: [survey])
        // Whatever was queued before is placed first: not measured.
        while try await detector.catchUp(at: Date()) > 0 {}
        var generator = ResponseGenerator(survey: survey, seed: 77)
        var times: [Double] = []
        // The first placement also loads the survey's index from the stored fingerprints: shown apart.
        for index in 0...count {
            var answers = try generator.nextAnswerSet().answers
            answers[question.id] = .text(String(texts[index % texts.count].prefix(2000)))
            try await database.importSynthetic([(AnswerSet(answers), Date())], to: survey)
            let start = ContinuousClock.now
            let placed = try await detector.catchUp(at: Date(), limit: 1)
            let elapsed = (ContinuousClock.now - start).components
            guard placed == 1 else { throw ValidationError("the new submission was not queued") }
            times.append((Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18) * 1000)
        }
        let load = times.removeFirst()
        times.sort()
        func percentile(_ p: Double) -> Double { times[min(times.count - 1, Int((p * Double(times.count)).rounded(.up)) - 1)] }
        print(String(
            format: "first placement, loading the index: %.2f s; then placing one new submission (%d): p50 %.2f ms, p99 %.2f ms, max %.2f ms",
            load / 1000, count, percentile(0.5), percentile(0.99), times.last ?? 0))
    }
}
