import ConsultCore
import ConsultStore
import Foundation
import PostgresNIO

// issue 18: the reading room's respondent look-up on PostgreSQL.

/// Finds a submission from its pseudonymous respondent id, as ``SQLiteRespondentDirectory``: the
/// id is a keyed hash, so `respondent_pseudonym` (filled in the storing transaction) maps it back.
struct PostgresRespondentDirectory: RespondentDirectory {
    let store: PostgresStore

    func file(_ pseudonym: String, of survey: String, allVersions: Bool) async throws -> RespondentFile? {
        try await store.reading { connection in
            guard let row = try await connection.first(
                """
                SELECT s.seq, s.version, s.received_at_ms, s.updated_at_ms, s.declared_sector, s.other_sector_text, s.final_sector,
                    s.country, s.region, s.publication, s.level
                FROM respondent_pseudonym p JOIN submission s ON s.seq = p.submission_seq
                WHERE p.pseudonym = \(pseudonym) AND s.survey_id = \(survey) ORDER BY s.seq LIMIT 1
                """,
                as: (Int64, Int, Int64, Int64, String, Data?, String, String?, String?, String, String?).self, logger: store.logger)
            else { return nil }
            let from = allVersions ? 1 : row.1
            let versions = try await connection.all(
                """
                SELECT version, received_at_ms, answers_json FROM submission_version
                WHERE submission_seq = \(row.0) AND version >= \(from) ORDER BY version
                """, as: (Int, Int64, String).self, logger: store.logger
            ).map { RespondentFile.Version(number: $0.0, receivedAt: Date(milliseconds: $0.1), answersJSON: $0.2) }
            return RespondentFile(
                seq: row.0, surveyID: survey, respondent: pseudonym, version: row.1, receivedAt: Date(milliseconds: row.2),
                updatedAt: Date(milliseconds: row.3), declaredSector: row.4,
                otherSectorText: row.5.map { String(decoding: $0, as: UTF8.self) }, finalSector: row.6, country: row.7,
                region: row.8, publication: PublicationChoice(stored: row.9), level: row.10, versions: versions)
        }
    }

    func answersJSON(of seq: Int64, version: Int) async throws -> String? {
        try await store.reading { connection in
            try await connection.first(
                "SELECT answers_json FROM submission_version WHERE submission_seq = \(seq) AND version = \(version)",
                as: String.self, logger: store.logger)
        }
    }
}
