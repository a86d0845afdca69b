import ConsultCore
import ConsultStore
import Foundation
import PostgresNIO

extension PostgresCampaignDetector {
    /// Clusters every submission of `survey` from scratch, as placing them one by one in order of
    /// arrival would have (``CampaignSnapshotClustering``, ``CampaignClusterPlan``: the SQLite
    /// rebuild's computation), and replaces the survey's fingerprints and clusters.
    ///
    /// One transaction under the survey's campaign lock: a catch-up or a review on any node waits for
    /// it and then sees its result (a rebuild on another node runs before or after, never interleaved);
    /// storing submissions goes on meanwhile. The texts are read in one statement, so from one
    /// snapshot; a submission stored or edited after it keeps its queue row (its version differs) and
    /// is placed by the next catch-up. Clusters analysts reviewed or placed members in stay, and a
    /// cluster whose representative represents one again keeps its id and review.
    public func rebuild(_ survey: Survey, at now: Date) async throws -> CampaignRebuildSummary {
        let surveyID = survey.id.rawValue
        let started = ContinuousClock.now
        let startCPU = ProcessCPU.seconds()
        let summary = try await store.transaction { connection -> CampaignRebuildSummary in
            try await store.lockCampaigns(of: surveyID, on: connection)
            var placed: Set<String> = []
            for (seq, scope) in try await connection.all(
                """
                SELECT m.submission_seq, m.scope FROM campaign_member m JOIN submission s ON s.seq = m.submission_seq
                WHERE s.survey_id = \(surveyID) AND m.placed_by IS NOT NULL
                """, as: (Int64, String).self, logger: logger)
            {
                placed.insert(CampaignSnapshotClustering.placedKey(seq, scope))
            }
            var clustering = CampaignSnapshotClustering(survey: survey, placedByAnalysts: placed)
            var seqs: [Int64] = [], versions: [Int64] = []
            var current: (seq: Int64, texts: [OpenTextField: String])?
            let rows = try await connection.query(
                """
                SELECT s.seq, s.version, a.question, a.option IS NOT NULL, a.text FROM submission s
                LEFT JOIN answer_value a ON a.submission_seq = s.seq AND a.text IS NOT NULL
                WHERE s.survey_id = \(surveyID) ORDER BY s.seq, a.position
                """, logger: logger)
            for try await (seq, version, question, isOther, text) in rows.decode((Int64, Int64, String?, Bool?, Data?).self) {
                if current?.seq != seq {
                    if let current { clustering.add(current.seq, texts: current.texts) }
                    current = (seq, [:])
                    seqs.append(seq)
                    versions.append(version)
                }
                if let question, let text, let field = PostgresStore.openTextField(question: question, isOther: isOther ?? false) {
                    current?.texts[field] = String(decoding: text, as: UTF8.self)
                }
            }
            if let current { clustering.add(current.seq, texts: current.texts) }
            let readCPU = ProcessCPU.seconds() - startCPU
            let clustered = clustering.finish()
            let read = (ContinuousClock.now - started).seconds - clustered.clusterSeconds
            let writeStart = ContinuousClock.now
            let writeStartCPU = ProcessCPU.seconds()
            try await writePrints(clustered.prints, of: surveyID, on: connection)
            let plan = try await writeClusters(clustered.prints, of: survey, at: now, on: connection)
            // Placed now; what was edited or stored after the snapshot stays queued.
            try await connection.run(
                """
                DELETE FROM near_duplicate_queue q USING unnest(\(seqs)::bigint[], \(versions)::bigint[]) AS b (seq, version)
                WHERE q.submission_seq = b.seq AND q.version = b.version
                """, logger: logger)
            // Every node's index of the survey is out of date: each reloads it.
            try await connection.run(
                """
                INSERT INTO near_duplicate_state (survey_id, generation) VALUES (\(surveyID), 1)
                ON CONFLICT (survey_id) DO UPDATE SET generation = near_duplicate_state.generation + 1,
                    pruned_through = near_duplicate_state.revision
                """, logger: logger)
            try await connection.run("DELETE FROM near_duplicate_change WHERE survey_id = \(surveyID)", logger: logger)
            let write = (ContinuousClock.now - writeStart).seconds
            return CampaignRebuildSummary(
                submissions: seqs.count, texts: clustered.prints.count, clusters: plan.clusters.count, campaigns: plan.campaigns,
                clusteredSubmissions: plan.clusteredSubmissions, readSeconds: read, clusterSeconds: clustered.clusterSeconds,
                writeSeconds: write, readCPUSeconds: readCPU, clusterCPUSeconds: clustered.clusterCPUSeconds,
                writeCPUSeconds: ProcessCPU.seconds() - writeStartCPU, longestWriteSeconds: write)
        }
        idle.withLock { _ = $0.removeValue(forKey: surveyID) }
        return summary
    }

    /// Rows per multi-row INSERT (PostgreSQL takes at most 65,535 parameters in one statement).
    static let rowsPerInsert = 2_000

    /// Replaces the survey's stored fingerprints with the rebuild's.
    func writePrints(_ prints: [CampaignPlacedPrint], of surveyID: String, on connection: PostgresConnection) async throws {
        try await connection.run("DELETE FROM near_duplicate_print WHERE survey_id = \(surveyID)", logger: logger)
        let sorted = prints.sorted { ($0.seq, $0.scope) < ($1.seq, $1.scope) }
        try await insertRows(
            sorted, into: "near_duplicate_print (submission_seq, scope, survey_id, exact_hash, signature, word_count, nearest_seq)",
            on: connection
        ) { placed, binds in
            binds.append(placed.seq)
            binds.append(placed.scope)
            binds.append(surveyID)
            binds.append(Int64(bitPattern: placed.print.exactHash))
            try binds.append(Data(placed.print.signatureBytes))
            binds.append(Int64(placed.print.wordCount))
            binds.append(placed.nearest)
            return 7
        }
    }

    /// Replaces the survey's detector-placed members with the plan's, making its new clusters and
    /// dropping the old unreviewed ones no member is left in.
    func writeClusters(_ prints: [CampaignPlacedPrint], of survey: Survey, at now: Date, on connection: PostgresConnection)
        async throws -> CampaignClusterPlan
    {
        let surveyID = survey.id.rawValue
        var oldClusters: [String: Int64] = [:]
        var oldIDs: Set<Int64> = []
        for (id, scope, representative) in try await connection.all(
            "SELECT id, scope, representative_seq FROM campaign_cluster WHERE survey_id = \(surveyID)",
            as: (Int64, String, Int64?).self, logger: logger)
        {
            oldIDs.insert(id)
            if let representative { oldClusters[CampaignClusterPlan.key(scope: scope, representative: representative)] = id }
        }
        try await connection.run(
            """
            DELETE FROM campaign_member WHERE placed_by IS NULL
            AND cluster_id IN (SELECT id FROM campaign_cluster WHERE survey_id = \(surveyID))
            """, logger: logger)
        let plan = CampaignClusterPlan(prints, oldClusters: oldClusters, minimumSize: survey.campaigns.minimumSize)
        var ids: [Int64] = []
        for cluster in plan.clusters {
            if let id = cluster.keptID {
                ids.append(id)
            } else {
                guard let id = try await connection.first(
                    """
                    INSERT INTO campaign_cluster (survey_id, scope, representative_seq, created_at_ms)
                    VALUES (\(surveyID), \(cluster.scope), \(cluster.representative), \(now.milliseconds)) RETURNING id
                    """, as: Int64.self, logger: logger)
                else { throw ReturnedRowMissing(description: "the new cluster's id was not returned") }
                ids.append(id)
            }
        }
        try await insertRows(
            plan.members, into: "campaign_member (submission_seq, scope, cluster_id, similarity, joined_at_ms)", on: connection
        ) { member, binds in
            binds.append(member.seq)
            binds.append(member.scope)
            binds.append(ids[member.cluster])
            binds.append(member.similarity)
            binds.append(now.milliseconds)
            return 5
        }
        // Old clusters not led again: kept when reviewed or holding members an analyst placed.
        try await connection.run(
            """
            DELETE FROM campaign_cluster c WHERE c.id = ANY(\(Array(oldIDs.subtracting(plan.kept)))::bigint[])
            AND c.review = 'unreviewed' AND NOT EXISTS (SELECT 1 FROM campaign_member m WHERE m.cluster_id = c.id)
            """, logger: logger)
        return plan
    }

    /// Inserts `rows` into `table` (with its column list), ``rowsPerInsert`` a statement; `bind`
    /// appends one row's values and returns how many it appended.
    func insertRows<Row>(
        _ rows: [Row], into table: String, on connection: PostgresConnection,
        bind: (Row, inout PostgresBindings) throws -> Int
    ) async throws {
        for start in stride(from: 0, to: rows.count, by: Self.rowsPerInsert) {
            var binds = PostgresBindings()
            var values: [String] = []
            for row in rows[start..<min(rows.count, start + Self.rowsPerInsert)] {
                let first = binds.count + 1
                let count = try bind(row, &binds)
                values.append("(" + (first..<first + count).map { "$\($0)" }.joined(separator: ", ") + ")")
            }
            try await connection.run(
                PostgresQuery(unsafeSQL: "INSERT INTO \(table) VALUES " + values.joined(separator: ", "), binds: binds),
                logger: logger)
        }
    }
}
