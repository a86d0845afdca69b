import ConsultCore
import ConsultPostgres
import ConsultStore
import Foundation
import PostgresNIO
import PostgresTestSupport
import SurveyFiles
import Testing

/// campaigns: the migration that brings the campaign detector to a PostgreSQL database already
/// holding submissions queues every one of them, as the SQLite migration does, so the first
/// catch-up (or rebuild) places them.
@Suite("PostgreSQL campaign migration")
struct PostgresCampaignMigrationTests {
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
}
