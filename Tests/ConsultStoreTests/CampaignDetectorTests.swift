import Foundation
import GRDB
import SurveyFiles
import Testing

@testable import ConsultCore
@testable import ConsultStore

/// The campaign detector (dedup) on a real SQLite file: clusters kept across a restart, an edit moving
/// a submission between clusters, analysts' placements and reviews left alone, and a rebuild from
/// scratch equal to what the worker made one by one.
@Suite struct CampaignDetectorTests {
    let folder: URL
    let path: String
    let survey: Survey
    let now = Date(timeIntervalSince1970: 1_760_000_000)  // while the survey is open

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("campaigns-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        path = folder.appendingPathComponent("consult.sqlite").path
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        survey = try SurveyFile.load(path: root.appendingPathComponent("Surveys/neurotech-2025.yaml").path)
    }

    static let letterA = """
        I am writing to urge the Commission to ban the use of brain scans as lie detectors in criminal courts. \
        Neural data reveals our most private thoughts and must be protected as sensitive personal data. \
        No person should ever be compelled to undergo neurotechnology testing without free and informed consent.
        """
    static let letterB = """
        Consumer headsets that read attention and emotion are sold without any oversight today. Companies keep \
        the recordings for years, share them with advertisers and train models on them. A licence for sellers \
        and a public register of devices would end this trade in our minds.
        """
    static let independent = """
        Our forensic laboratory evaluated EEG based memory detection for five years; error rates stay far too \
        high for evidence, and validation studies with realistic suspects are still missing from the literature.
        """

    /// A mail-merge variant of `letter`: a name and a place inserted, a word swapped.
    static func variant(_ letter: String, _ number: Int) -> String {
        let names = ["Ana Souza", "Piotr Nowak", "Lea Martin", "Omar Haddad", "Ines Costa", "Jon Berg"]
        let places = ["Porto", "Gdansk", "Lyon", "Amman", "Braga", "Bergen"]
        let swaps = [("urge", "ask"), ("private", "intimate"), ("sold", "marketed"), ("years", "decades")]
        let swap = swaps[number % swaps.count]
        return "My name is \(names[number % names.count]) from \(places[number % places.count]). "
            + letter.replacingOccurrences(of: swap.0, with: swap.1)
    }

    /// Answers to the neurotech survey with `text` in `uses_comments` and the same long organisation
    /// name (a personal question, never fingerprinted) in every submission.
    func answers(_ text: String) throws -> AnswerSet {
        let rights = survey.question("rights_concern").flatMap { question -> [String]? in
            guard case .matrix(let items, _) = question.kind else { return nil }
            return items.map(\.id.rawValue)
        } ?? []
        let raw: [String: JSONValue] = [
            "sector": .string("academia"), "country": .string("PT"), "organisation_size": .string("size_1_9"),
            "organisation": .string("The Very Same Long Organisation Name For Every Respondent In This Test Campaign"),
            "familiarity": .number(4), "technologies_known": .array([.string("eeg_erp")]),
            "rights_concern": .object(Dictionary(uniqueKeysWithValues: rights.map { ($0, JSONValue.number(3)) })),
            "publication": .string("public_anonymous"), "uses_comments": .string(text),
        ]
        return try survey.check(raw, as: .submission)
    }

    func submit(_ text: String, to database: ConsultDatabase) async throws -> AcceptedSubmission {
        guard case .accepted(let accepted) = try await database.submit(try answers(text), to: survey, receivedAt: now) else {
            throw CancellationError()
        }
        return accepted
    }

    /// Each scope's clusters as sets of submission ids, with the cluster id.
    /// Every stored fingerprint: submission, scope, exact hash, signature and the nearest earlier text.
    func storedPrints(_ database: ConsultDatabase) async throws -> [String] {
        try await database.pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT submission_seq, scope, exact_hash, hex(signature) AS signature, nearest_seq
                FROM near_duplicate_print ORDER BY submission_seq, scope
                """).map(\.description)
        }
    }

    func clusters(_ database: ConsultDatabase, scope: String = "") async throws -> [Int64: Set<String>] {
        try await database.pool.read { db in
            var found: [Int64: Set<String>] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT m.cluster_id, s.id FROM campaign_member m JOIN submission s ON s.seq = m.submission_seq
                WHERE m.scope = ? AND m.cluster_id IS NOT NULL
                """, arguments: [scope])
            {
                found[row["cluster_id"], default: []].insert(row["id"])
            }
            return found
        }
    }

    func clusterID(of id: String, _ database: ConsultDatabase, scope: String = "") async throws -> Int64? {
        try await clusters(database, scope: scope).first { $0.value.contains(id) }?.key
    }

    @Test func clustersSurviveARestartAndTheReloadedIndexPlacesNewSubmissions() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        var database = try ConsultDatabase(path: path)
        var detector = SQLiteCampaignDetector(database: database, surveys: [survey])
        var campaign: [String] = []
        for number in 0..<3 { campaign.append(try await submit(Self.variant(Self.letterA, number), to: database).id) }
        let alone = try await submit(Self.independent, to: database).id
        #expect(try await detector.catchUp(at: now) == 4)
        let before = try await clusters(database)
        #expect(Array(before.values) == [Set(campaign)])
        #expect(try await clusters(database, scope: "uses_comments").values.first == Set(campaign))
        #expect(try await clusterID(of: alone, database) == nil)
        // The personal organisation name, equal in every submission, made no cluster.
        #expect(try await clusters(database, scope: "organisation").isEmpty)
        try database.close()

        database = try ConsultDatabase(path: path)
        detector = SQLiteCampaignDetector(database: database, surveys: [survey])
        #expect(try await clusters(database) == before)
        let late = try await submit(Self.variant(Self.letterA, 4), to: database).id
        #expect(try await detector.catchUp(at: now) == 1)
        #expect(try await clusterID(of: late, database) == before.keys.first)
        #expect(try await detector.pending().isEmpty)
        try database.close()
    }

    @Test func anEditMovesASubmissionBetweenClusters() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try ConsultDatabase(path: path)
        let detector = SQLiteCampaignDetector(database: database, surveys: [survey])
        var a: [AcceptedSubmission] = []
        var b: [AcceptedSubmission] = []
        for number in 0..<3 { a.append(try await submit(Self.variant(Self.letterA, number), to: database)) }
        for number in 0..<2 { b.append(try await submit(Self.variant(Self.letterB, number), to: database)) }
        try await detector.catchUp(at: now)
        let clusterA = try #require(try await clusterID(of: a[0].id, database))
        let clusterB = try #require(try await clusterID(of: b[0].id, database))
        #expect(clusterA != clusterB)

        // The last of A rewrites its text as a letter of B: it moves.
        let moved = a[2]
        _ = try await database.replaceAnswers(
            of: moved.id, token: moved.editToken ?? "", with: try answers(Self.variant(Self.letterB, 3)), survey: survey,
            receivedAt: now.addingTimeInterval(60))
        #expect(try await detector.catchUp(at: now) == 1)
        var found = try await clusters(database)
        #expect(found[clusterA] == [a[0].id, a[1].id])
        #expect(found[clusterB] == [b[0].id, b[1].id, moved.id])

        // A's representative rewrites its text as an independent one: A is left with one member and dissolves.
        _ = try await database.replaceAnswers(
            of: a[0].id, token: a[0].editToken ?? "", with: try answers(Self.independent), survey: survey,
            receivedAt: now.addingTimeInterval(120))
        try await detector.catchUp(at: now)
        found = try await clusters(database)
        #expect(found[clusterA] == nil)
        #expect(found.count == 1)
        // The one left in A leads again: a new variant of A joins it.
        let again = try await submit(Self.variant(Self.letterA, 5), to: database)
        try await detector.catchUp(at: now)
        found = try await clusters(database)
        #expect(found.values.contains([a[1].id, again.id]))
        try database.close()
    }

    @Test func theDetectorLeavesAnalystsPlacementsAndReviewsAlone() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try ConsultDatabase(path: path)
        let detector = SQLiteCampaignDetector(database: database, surveys: [survey])
        let analyst = try await database.issueToken(role: .analyst, name: "Bo", by: "test", at: now).record
        var a: [AcceptedSubmission] = []
        for number in 0..<4 { a.append(try await submit(Self.variant(Self.letterA, number), to: database)) }
        try await detector.catchUp(at: now)
        let clusterA = try #require(try await clusterID(of: a[0].id, database))
        // An analyst confirms the cluster and takes a[3] out of every cluster.
        let taken = a[3].id
        try await database.pool.write { db in
            try db.execute(
                sql: "UPDATE campaign_cluster SET review = 'confirmed', reviewed_at_ms = 1, reviewed_by = ? WHERE id = ?",
                arguments: [analyst.rowID, clusterA])
            try db.execute(sql: """
                UPDATE campaign_member SET cluster_id = NULL, placed_by = ?
                WHERE scope = '' AND submission_seq = (SELECT seq FROM submission WHERE id = ?)
                """, arguments: [analyst.rowID, taken])
        }
        let placedBefore = try await database.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM campaign_member WHERE placed_by IS NOT NULL").map(\.description)
        }
        #expect(placedBefore.count == 1)
        // More look-alikes arrive, the taken-out member edits its text (still a variant), and a rebuild runs.
        let late = try await submit(Self.variant(Self.letterA, 4), to: database)
        _ = try await database.replaceAnswers(
            of: a[3].id, token: a[3].editToken ?? "", with: try answers(Self.variant(Self.letterA, 5)), survey: survey,
            receivedAt: now.addingTimeInterval(60))
        try await detector.catchUp(at: now)
        _ = try await detector.rebuild(survey, at: now)
        let (placedAfter, review) = try await database.pool.read { db in
            (try Row.fetchAll(db, sql: "SELECT * FROM campaign_member WHERE placed_by IS NOT NULL").map(\.description),
             try String.fetchOne(db, sql: "SELECT review FROM campaign_cluster WHERE id = ?", arguments: [clusterA]))
        }
        #expect(placedAfter == placedBefore)
        #expect(review == "confirmed")
        #expect(try await clusters(database)[clusterA] == [a[0].id, a[1].id, a[2].id, late.id])
        try database.close()
    }

    @Test func aRebuildFromScratchGivesTheClustersTheWorkerMade() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try ConsultDatabase(path: path)
        let detector = SQLiteCampaignDetector(database: database, surveys: [survey])
        for number in 0..<6 {
            _ = try await submit(Self.variant(Self.letterA, number), to: database)
            _ = try await submit(Self.variant(Self.letterB, number), to: database)
        }
        let independent = try await submit(Self.independent, to: database)
        try await detector.catchUp(at: now)
        let incremental = try await clusters(database)
        let perQuestion = try await clusters(database, scope: "uses_comments")
        #expect(incremental.count == 2)
        #expect(incremental.values.map(\.count).sorted() == [6, 6])
        let prints = try await storedPrints(database)
        // Two submissions' prints a write transaction: the prints replaced range by range.
        let summary = try await detector.rebuild(survey, at: now, submissionsPerPrintTransaction: 2)
        #expect(try await storedPrints(database) == prints)
        #expect(prints.count == 26)
        #expect(summary.submissions == 13)
        #expect(summary.campaigns == 2)
        #expect(summary.clusteredSubmissions == 12)
        #expect(try await clusters(database) == incremental)
        #expect(try await clusters(database, scope: "uses_comments") == perQuestion)
        #expect(try await detector.pending().isEmpty)
        // An edit the worker has not seen leaves the independent text too short to fingerprint: a
        // rebuild alone takes its prints out.
        _ = try await database.replaceAnswers(
            of: independent.id, token: independent.editToken ?? "", with: try answers("Too short."), survey: survey,
            receivedAt: now.addingTimeInterval(60))
        _ = try await detector.rebuild(survey, at: now, submissionsPerPrintTransaction: 2)
        #expect(try await storedPrints(database).count == 24)
        #expect(try await clusters(database) == incremental)
        try database.close()
    }
}
