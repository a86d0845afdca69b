import ConsultCore
import ConsultStore
import Foundation
import Logging
import PostgresNIO

/// The clusters of a survey and the analysts' review of them on PostgreSQL, with the SQLite review's
/// rules and refusals. Each action is one transaction under the survey's campaign lock (so it never
/// interleaves with a detector placing or rebuilding on any node) with its `audit_entry`.
struct PostgresCampaignReview: CampaignReview {
    let store: PostgresStore

    var logger: Logger { store.logger }

    func clusters(of survey: String, scope: String) async throws -> [CampaignCluster] {
        try await store.reading { connection in try await clusters(of: survey, scope: scope, only: nil, on: connection) }
    }

    func cluster(_ id: Int64, of survey: String) async throws -> CampaignCluster {
        try await store.reading { connection in try await cluster(id, of: survey, on: connection) }
    }

    func members(of id: Int64, survey: String) async throws -> [CampaignMember] {
        try await store.reading { connection in
            _ = try await cluster(id, of: survey, on: connection)
            return try await members(of: id, limit: CampaignCluster.memberListLimit, on: connection)
        }
    }

    func texts(of seqs: [Int64], survey: Survey) async throws -> [Int64: (text: String, disclosed: Bool)] {
        try await store.reading { connection in try await texts(of: seqs, survey: survey, on: connection) }
    }

    func shownRepresentative(of id: Int64, survey: Survey) async throws -> (seq: Int64, respondent: String, text: String)? {
        try await store.reading { connection in
            let cluster = try await self.cluster(id, of: survey.id.rawValue, on: connection)
            let members = try await self.members(of: cluster.id, limit: nil, on: connection)
            // The detector's representative is read first: usually it may stand, and the other
            // members' texts need not be read.
            var texts: [Int64: (text: String, disclosed: Bool)] = [:]
            if let stored = cluster.representativeSeq, members.contains(where: { $0.seq == stored }) {
                texts = try await self.texts(of: [stored], survey: survey, on: connection)
            }
            if !CampaignText.storedRepresentativeStands(cluster, texts: texts) {
                texts = try await self.texts(of: members.map(\.seq), survey: survey, on: connection)
            }
            return CampaignText.shownRepresentative(of: cluster, members: members, texts: texts)
        }
    }

    // MARK: Actions

    func confirm(_ id: Int64, in survey: String, by reviewer: CampaignReviewer) async throws -> CampaignCluster {
        try await setReview(.confirmed, of: id, in: survey, by: reviewer)
    }

    func dismiss(_ id: Int64, in survey: String, by reviewer: CampaignReviewer) async throws -> CampaignCluster {
        try await setReview(.dismissed, of: id, in: survey, by: reviewer)
    }

    private func setReview(
        _ state: CampaignReviewState, of id: Int64, in survey: String, by reviewer: CampaignReviewer
    ) async throws -> CampaignCluster {
        try await store.transaction { connection in
            try await store.lockCampaigns(of: survey, on: connection)
            let before = try await cluster(id, of: survey, on: connection)
            try await connection.run(
                """
                UPDATE campaign_cluster SET review = \(state.rawValue), reviewed_at_ms = \(reviewer.at.milliseconds),
                    reviewed_by = \(reviewer.tokenID) WHERE id = \(id)
                """, logger: logger)
            try await audit(
                "campaign.\(state.rawValue)", cluster: id, survey: survey, old: before.review.rawValue, new: state.rawValue,
                reviewer, on: connection)
            return try await cluster(id, of: survey, on: connection)
        }
    }

    func split(
        _ id: Int64, members respondents: [String], in survey: String, by reviewer: CampaignReviewer
    ) async throws -> CampaignCluster {
        guard let tokenID = reviewer.tokenID else { throw CampaignRefusal.noReviewer }
        return try await store.transaction { connection in
            try await store.lockCampaigns(of: survey, on: connection)
            let cluster = try await self.cluster(id, of: survey, on: connection)
            let bySeq = try await memberSeqs(of: id, on: connection)
            let seqs = try Array(Set(respondents)).map { respondent in
                guard let seq = bySeq[respondent] else { throw CampaignRefusal.unknownMember(respondent) }
                return seq
            }.sorted()
            guard seqs.count >= 2, cluster.size - seqs.count >= 2 else {
                throw CampaignRefusal.conflict(
                    "A split moves at least 2 members and leaves at least 2 (this cluster has \(cluster.size)); "
                        + "move a single member out instead.")
            }
            guard let newID = try await connection.first(
                """
                INSERT INTO campaign_cluster (survey_id, scope, representative_seq, review, created_at_ms)
                VALUES (\(survey), \(cluster.scope), \(seqs[0]), 'unreviewed', \(reviewer.at.milliseconds)) RETURNING id
                """, as: Int64.self, logger: logger)
            else { throw ReturnedRowMissing(description: "the new cluster's id was not returned") }
            try await connection.run(
                """
                UPDATE campaign_member SET cluster_id = \(newID), placed_by = \(tokenID)
                WHERE submission_seq = ANY(\(seqs)::bigint[]) AND scope = \(cluster.scope)
                """, logger: logger)
            try await keepRepresentative(of: cluster, on: connection)
            try await audit(
                "campaign.split", cluster: id, survey: survey, old: "\(cluster.size) members",
                new: "cluster \(newID): " + Set(respondents).sorted().joined(separator: " "), reviewer, on: connection)
            return try await self.cluster(newID, of: survey, on: connection)
        }
    }

    func move(
        _ respondent: String, of id: Int64, to target: Int64?, in survey: String, by reviewer: CampaignReviewer
    ) async throws {
        guard let tokenID = reviewer.tokenID else { throw CampaignRefusal.noReviewer }
        try await store.transaction { connection in
            try await store.lockCampaigns(of: survey, on: connection)
            let cluster = try await self.cluster(id, of: survey, on: connection)
            guard let seq = try await memberSeqs(of: id, on: connection)[respondent] else {
                throw CampaignRefusal.unknownMember(respondent)
            }
            if let target {
                let destination = try await self.cluster(target, of: survey, on: connection)
                guard destination.scope == cluster.scope, target != id else {
                    throw CampaignRefusal.invalid(
                        field: "to", message: "Move a member to another cluster of the same texts (scope), not to its own.")
                }
            }
            guard cluster.size > 2 else {
                throw CampaignRefusal.conflict("Cluster \(id) has only 2 members; a cluster keeps at least 2. Dismiss it instead.")
            }
            try await connection.run(
                """
                UPDATE campaign_member SET cluster_id = \(target), placed_by = \(tokenID)
                WHERE submission_seq = \(seq) AND scope = \(cluster.scope)
                """, logger: logger)
            try await keepRepresentative(of: cluster, on: connection)
            try await audit(
                "campaign.member-moved", cluster: id, survey: survey, old: "cluster \(id): \(respondent)",
                new: target.map { "cluster \($0): \(respondent)" } ?? "no cluster: \(respondent)", reviewer, on: connection)
        }
    }

    private func audit(
        _ action: String, cluster: Int64, survey: String, old: String, new: String, _ reviewer: CampaignReviewer,
        on connection: PostgresConnection
    ) async throws {
        try await store.appendAudit(AuditRecord(
            at: reviewer.at, actor: reviewer.actor, action: action, surveyID: survey, subject: "campaign-cluster:\(cluster)",
            oldValue: old, newValue: new, reason: reviewer.reason.text), on: connection)
    }

    // MARK: Reading

    func clusters(of survey: String, scope: String?, only id: Int64?, on connection: PostgresConnection) async throws
        -> [CampaignCluster]
    {
        var sectors: [Int64: [String: Int]] = [:], countries: [Int64: [String: Int]] = [:]
        for (cluster, sector, country, count) in try await connection.all(
            """
            SELECT c.id, s.final_sector, coalesce(s.country, ''), count(*) FROM campaign_cluster c
            JOIN campaign_member m ON m.cluster_id = c.id JOIN submission s ON s.seq = m.submission_seq
            WHERE c.survey_id = \(survey) AND (\(scope)::text IS NULL OR c.scope = \(scope))
                AND (\(id)::bigint IS NULL OR c.id = \(id))
            GROUP BY 1, 2, 3
            """, as: (Int64, String, String, Int).self, logger: logger)
        {
            sectors[cluster, default: [:]][sector, default: 0] += count
            countries[cluster, default: [:]][country, default: 0] += count
        }
        return try await connection.all(
            """
            SELECT c.id, c.survey_id, c.scope, c.representative_seq, c.review, c.reviewed_at_ms, c.created_at_ms,
                count(s.seq), min(s.received_at_ms), max(s.received_at_ms)
            FROM campaign_cluster c LEFT JOIN campaign_member m ON m.cluster_id = c.id
            LEFT JOIN submission s ON s.seq = m.submission_seq
            WHERE c.survey_id = \(survey) AND (\(scope)::text IS NULL OR c.scope = \(scope))
                AND (\(id)::bigint IS NULL OR c.id = \(id))
            GROUP BY c.id ORDER BY count(s.seq) DESC, c.id
            """, as: (Int64, String, String, Int64?, String, Int64?, Int64, Int, Int64?, Int64?).self, logger: logger
        ).map { row in
            CampaignCluster(
                id: row.0, surveyID: row.1, scope: row.2, representativeSeq: row.3,
                review: CampaignReviewState(rawValue: row.4) ?? .unreviewed, reviewedAt: row.5.map(Date.init(milliseconds:)),
                createdAt: Date(milliseconds: row.6), size: row.7, firstReceived: row.8.map(Date.init(milliseconds:)),
                lastReceived: row.9.map(Date.init(milliseconds:)), sectors: sectors[row.0] ?? [:], countries: countries[row.0] ?? [:])
        }
    }

    func cluster(_ id: Int64, of survey: String, on connection: PostgresConnection) async throws -> CampaignCluster {
        guard let cluster = try await clusters(of: survey, scope: nil, only: id, on: connection).first else {
            throw CampaignRefusal.unknownCluster(id)
        }
        return cluster
    }

    /// Members with their pseudonyms made from the submission ids, most similar first.
    func members(of id: Int64, limit: Int?, on connection: PostgresConnection) async throws -> [CampaignMember] {
        try await connection.all(
            """
            SELECT s.seq, s.id, m.similarity, m.placed_by IS NOT NULL, s.final_sector, s.country, s.publication, s.received_at_ms
            FROM campaign_member m JOIN submission s ON s.seq = m.submission_seq
            WHERE m.cluster_id = \(id) ORDER BY m.similarity DESC, s.seq LIMIT \(limit.map { Int64($0) })
            """, as: (Int64, String, Double, Bool, String, String?, String, Int64).self, logger: logger
        ).map { row in
            CampaignMember(
                seq: row.0, respondent: store.pseudonyms.pseudonym(for: row.1), similarity: row.2, placedByAnalyst: row.3,
                finalSector: row.4, country: row.5, publication: PublicationChoice(stored: row.6),
                receivedAt: Date(milliseconds: row.7))
        }
    }

    /// The seq of each member of cluster `id` by its pseudonym (a pseudonym is made from the
    /// submission id with the shared key; PostgreSQL keeps no table of them).
    func memberSeqs(of id: Int64, on connection: PostgresConnection) async throws -> [String: Int64] {
        var seqs: [String: Int64] = [:]
        for (seq, submission) in try await connection.all(
            "SELECT s.seq, s.id FROM campaign_member m JOIN submission s ON s.seq = m.submission_seq WHERE m.cluster_id = \(id)",
            as: (Int64, String).self, logger: logger)
        {
            seqs[store.pseudonyms.pseudonym(for: submission)] = seq
        }
        return seqs
    }

    /// Points the cluster at a remaining member when its representative left it.
    func keepRepresentative(of cluster: CampaignCluster, on connection: PostgresConnection) async throws {
        try await connection.run(
            """
            UPDATE campaign_cluster SET representative_seq = (
                SELECT submission_seq FROM campaign_member WHERE cluster_id = \(cluster.id)
                ORDER BY similarity DESC, submission_seq LIMIT 1)
            WHERE id = \(cluster.id) AND (representative_seq IS NULL OR representative_seq NOT IN
                (SELECT submission_seq FROM campaign_member WHERE cluster_id = \(cluster.id)))
            """, logger: logger)
    }

    func texts(of seqs: [Int64], survey: Survey, on connection: PostgresConnection) async throws
        -> [Int64: (text: String, disclosed: Bool)]
    {
        guard !seqs.isEmpty else { return [:] }
        let rows = try await connection.all(
            """
            SELECT a.submission_seq, a.question, a.option IS NOT NULL, a.text, s.publication
            FROM answer_value a JOIN submission s ON s.seq = a.submission_seq
            WHERE a.submission_seq = ANY(\(seqs)::bigint[]) AND a.text IS NOT NULL
            """, as: (Int64, String, Bool, Data, String).self, logger: logger
        ).compactMap { row -> CampaignTextRow? in
            guard let field = PostgresStore.openTextField(question: row.1, isOther: row.2) else { return nil }
            return CampaignTextRow(
                seq: row.0, field: field, text: String(decoding: row.3, as: UTF8.self), publication: PublicationChoice(stored: row.4))
        }
        return CampaignText.reviewTexts(of: seqs, rows: rows, survey: survey)
    }
}
