import ConsultCore
import ConsultStore
import Foundation
import Logging
import PostgresNIO

/// The campaigns of a survey for the analysis on PostgreSQL: the campaigns table and what the
/// counted-once tables leave out (``CampaignRule/countedMember(stored:members:)`` picks the one member
/// a confirmed campaign counts as, on both engines).
struct PostgresCampaignCounting: CampaignCounting {
    let store: PostgresStore

    var logger: Logger { store.logger }

    func campaigns(of survey: String, minimumSize: Int) async throws -> [CampaignCluster] {
        try await store.campaignReview.clusters(of: survey, scope: "").filter { $0.size >= minimumSize }
    }

    func leftOut(survey: String, minimumSize: Int) async throws -> CampaignLeftOut {
        try await store.reading { connection in
            let confirmed = try await connection.all(
                """
                SELECT c.id, c.representative_seq, m.submission_seq FROM campaign_cluster c
                JOIN campaign_member m ON m.cluster_id = c.id
                WHERE c.survey_id = \(survey) AND c.scope = '' AND c.review = 'confirmed' AND m.scope = ''
                """, as: (Int64, Int64?, Int64).self, logger: logger)
            let seqs = CampaignLeftOut.seqs(
                ofConfirmed: confirmed.map { (cluster: $0.0, stored: $0.1, seq: $0.2) }, minimumSize: minimumSize)
            guard !seqs.isEmpty else { return CampaignLeftOut.none }
            let sectors = try await connection.all(
                "SELECT final_sector, count(*) FROM submission WHERE seq = ANY(\(seqs)::bigint[]) GROUP BY 1",
                as: (String, Int).self, logger: logger)
            let bases = try await connection.all(
                """
                SELECT a.question, s.final_sector, count(DISTINCT a.submission_seq) FROM answer_value a
                JOIN submission s ON s.seq = a.submission_seq
                WHERE a.submission_seq = ANY(\(seqs)::bigint[]) GROUP BY 1, 2
                """, as: (String, String, Int).self, logger: logger)
            let options = try await connection.all(
                """
                SELECT a.question, a.option, s.final_sector, count(*) FROM answer_value a
                JOIN submission s ON s.seq = a.submission_seq
                WHERE a.submission_seq = ANY(\(seqs)::bigint[]) AND a.option IS NOT NULL GROUP BY 1, 2, 3
                """, as: (String, String, String, Int).self, logger: logger)
            return CampaignLeftOut(
                seqs: seqs, sectors: Dictionary(uniqueKeysWithValues: sectors),
                bases: bases.map { QuestionBase(question: $0.0, sector: $0.1, respondents: $0.2) },
                options: options.map { OptionCount(question: $0.0, option: $0.1, sector: $0.2, respondents: $0.3) })
        }
    }
}

/// The signals of ballot stuffing (``StuffingSignals``) over a campaign's members or a whole survey, from
/// the keyed client address each submission was stored with (`submission.client_key`).
struct PostgresCampaignSignalStore: CampaignSignalStore {
    let store: PostgresStore

    var logger: Logger { store.logger }

    func signals(ofCluster cluster: Int64, survey: String) async throws -> StuffingSignals {
        try await store.reading { connection in
            // Closed answers: each value without text (or a chosen option with its "other" text), in order.
            let rows = try await connection.all(
                """
                SELECT s.client_key, s.received_at_ms,
                    (SELECT string_agg(a.question || ':' || coalesce(a.item, '') || ':' || coalesce(a.option, '') || ':'
                            || coalesce(a.number::text, ''), ';' ORDER BY a.position)
                     FROM answer_value a WHERE a.submission_seq = s.seq AND (a.text IS NULL OR a.option IS NOT NULL))
                FROM campaign_member m JOIN submission s ON s.seq = m.submission_seq
                WHERE m.cluster_id = \(cluster) AND s.survey_id = \(survey)
                """, as: (Data?, Int64, String?).self, logger: logger)
            return StuffingSignals(rows.map {
                StuffingSignals.Submission(clientKey: $0.0, closedAnswers: $0.2 ?? "", receivedAt: Date(milliseconds: $0.1))
            })
        }
    }

    func signals(ofSurvey survey: String) async throws -> StuffingSignals {
        try await store.reading { connection in
            let rows = try await connection.all(
                "SELECT client_key, received_at_ms FROM submission WHERE survey_id = \(survey)", as: (Data?, Int64).self,
                logger: logger)
            return StuffingSignals(rows.map {
                StuffingSignals.Submission(clientKey: $0.0, closedAnswers: "", receivedAt: Date(milliseconds: $0.1))
            })
        }
    }
}
