import ConsultCore
@testable import ConsultPostgres
import ConsultStore
import Foundation
import PostgresNIO
import PostgresTestSupport
import SurveyFiles
import Testing

/// campaigns, on PostgreSQL alone: the migration that brings the campaign detector to a database already
/// holding submissions queues every one of them, as the SQLite migration does, so the first catch-up (or
/// rebuild) places them; and a node whose index fell further behind than the kept changes reloads it.
@Suite("PostgreSQL campaigns")
struct PostgresCampaignTests {
    @Test("submissions stored before 0003-campaigns are queued by it and placed by the next catch-up")
    func existingSubmissionsAreQueued() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let survey = try SurveyFile.load(path: root.appendingPathComponent("Surveys/neurotech-2025.yaml").path)
        try await PostgresTestDatabase.with { client, url in
            let bundled = try Migration.bundled()
            let before = bundled.filter { $0.number < 3 }
            #expect(before.first?.id == "0001-core")
            try await PostgresMigrator(migrations: before).migrate(client)
            for (id, hash) in [("early-1", Data([1])), ("early-2", Data([2]))] {
                try await client.query(
                    """
                    INSERT INTO submission (id, survey_id, received_at_ms, updated_at_ms, version, edit_token_hash,
                        declared_sector, classified_sector, publication)
                    VALUES (\(id), \(survey.id.rawValue), 1, 1, 1, \(hash), 'academia', 'academia', 'public_anonymous')
                    """)
            }
            // The store's open applies the rest, 0003-campaigns among them.
            let store = try await PostgresStore.open(try PostgresLocation(parsing: url))
            defer { try? store.close() }
            let detector = store.campaignDetector(surveys: [survey])
            #expect(try await detector.pending() == [survey.id.rawValue: 2])
            #expect(try await detector.catchUp(at: Date(), limit: 10) == 2)
            #expect(try await detector.pending().isEmpty)
        }
    }

    @Test("a node further behind than the changes kept reloads its index and still finds the texts placed meanwhile")
    func aNodeFarBehindReloads() async throws {
        let survey = CampaignContractTests.survey
        try await Engine.postgres.withTwoNodes { a, b in
            let (storeA, storeB) = (try #require(a as? PostgresStore), try #require(b as? PostgresStore))
            // Changes of the last 8 revisions kept: B's twelve placings below drop those A would need.
            let nodeA = PostgresCampaignDetector(store: storeA, surveys: [survey], keptRevisions: 8)
            let nodeB = PostgresCampaignDetector(store: storeB, surveys: [survey], keptRevisions: 8)
            let ledger = CampaignContractTests.Ledger()
            try await ledger.submit("L0-0", "Dear Commissioner, this is Ana. " + CampaignContractTests.letter(0), on: a)
            #expect(try await nodeA.catchUp(at: CampaignContractTests.now, limit: 1) == 1)
            for number in 1...12 {
                try await ledger.submit("L\(number)-0", "Dear Commissioner, this is Ana. " + CampaignContractTests.letter(number), on: b)
                #expect(try await nodeB.catchUp(at: CampaignContractTests.now, limit: 1) == 1)
            }
            // The copy of a letter B placed early: A finds it only by reloading.
            try await ledger.submit("L1-1", "Dear Commissioner, this is Jon. " + CampaignContractTests.letter(1), on: a)
            #expect(try await nodeA.catchUp(at: CampaignContractTests.now, limit: 1) == 1)
            #expect(try await CampaignContractTests.view(a, ledger, scopes: [""]) == ["|L1-0,L1-1|size 2|rep L1-0|unreviewed"])
        }
    }
}
