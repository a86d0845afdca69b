import ConsultCore
import Foundation
import GRDB
import SurveyFiles
import SyntheticResponses
import Testing

@testable import ConsultStore

/// The pseudonymous respondent id finds its submission: kept when a submission is stored, and
/// filled for older submissions by migration "v8-respondent-pseudonyms".
@Suite struct RespondentDirectoryTests {
    let folder: URL
    let path: String
    let survey: Survey
    let now = Date(timeIntervalSince1970: 1_760_000_000)

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("respondents-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        path = folder.appendingPathComponent("consult.sqlite").path
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        survey = try SurveyFile.load(path: root.appendingPathComponent("Surveys/neurotech-2025.yaml").path)
    }

    @Test func newAndMigratedSubmissionsAreFoundByTheirPseudonym() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        var generator = ResponseGenerator(survey: survey, seed: 11)
        var ids: [String] = []
        do {
            let database = try ConsultDatabase(path: path)
            for _ in 0..<5 {
                guard case .accepted(let accepted) = try await database.submit(
                    try generator.nextAnswerSet(), to: survey, receivedAt: now)
                else { throw CocoaError(.featureUnsupported) }
                ids.append(accepted.id)
            }
            try await database.importSynthetic([(try generator.nextAnswerSet(), now)], to: survey)
            try database.close()
        }
        // As a database from before the lookup table: the table and the migration's record gone.
        let old = try DatabaseQueue(path: path)
        try await old.write { db in
            try db.execute(sql: "DROP TABLE respondent_pseudonym")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v8-respondent-pseudonyms'")
        }
        try old.close()

        let database = try ConsultDatabase(path: path)
        defer { try? database.close() }
        let all = try await database.pool.read { db in try String.fetchAll(db, sql: "SELECT id FROM submission ORDER BY seq") }
        #expect(all.count == 6)
        for id in all {
            let pseudonym = database.pseudonyms.pseudonym(for: id)
            let file = try #require(try await database.respondents.file(pseudonym, of: survey.id.rawValue))
            #expect(file.respondent == pseudonym)
            #expect(file.versions.count == 1 && file.current?.number == 1)
        }
        #expect(try await database.respondents.file("r-0000000000000000", of: survey.id.rawValue) == nil)
        #expect(try await database.respondents.file(database.pseudonyms.pseudonym(for: ids[0]), of: "another-survey") == nil)
        // Stored after the migration: found too.
        guard case .accepted(let accepted) = try await database.submit(try generator.nextAnswerSet(), to: survey, receivedAt: now)
        else { throw CocoaError(.featureUnsupported) }
        #expect(try await database.respondents.file(database.pseudonyms.pseudonym(for: accepted.id), of: survey.id.rawValue)?.seq != nil)
    }
}
