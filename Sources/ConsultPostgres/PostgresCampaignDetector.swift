import ConsultCore
import ConsultStore
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// Keeps `campaign_cluster` and `campaign_member` current with the submissions' free texts on
/// PostgreSQL, with the SQLite detector's rules: each queued submission joins the cluster of the most
/// similar earlier text (``NearDuplicateIndex``, in memory), analysts' placements and reviews are left
/// alone, an unreviewed cluster left with one member dissolves.
///
/// Every node runs one (the serve worker), so two may catch up at once. Each survey's placing runs
/// under the survey's campaign lock (``PostgresStore/lockCampaigns(of:on:)``, a transaction-level
/// advisory lock), and the queue is read again under it. Why a lock per survey rather than
/// `FOR UPDATE SKIP LOCKED` on the queue: skipping would let two nodes place different submissions
/// of one survey at once, each without seeing the other's, and single-link clustering depends on the
/// order texts are placed in; under the lock they are placed one after the other in order of arrival,
/// as SQLite's single writer places them, and a submission another node placed meanwhile is no longer
/// queued (with the version read) and is skipped, never placed twice. Lost: never; the queue row goes
/// only in the transaction that placed that version.
///
/// Each node's index follows the others' through `near_duplicate_state.revision` and the changed
/// (submission, scope) pairs in `near_duplicate_change`; a rebuild raises the generation and every
/// node reloads. Fingerprints are computed before the transaction, which only looks up and writes.
public final class PostgresCampaignDetector: CampaignDetector {
    /// One survey's index as this node holds it, and the survey's state it matches.
    struct SurveyIndex: Sendable {
        var generation: Int64
        var revision: Int64
        var scopes: [String: NearDuplicateIndex]
    }

    /// A scope's text of one submission.
    struct ScopedText: Hashable, Sendable {
        let seq: Int64
        let scope: String
    }

    /// A queued submission with the free texts of its latest version.
    struct Queued: Sendable {
        let seq: Int64
        let version: Int64
        let surveyID: String
        var texts: [OpenTextField: String]
    }

    let store: PostgresStore
    let surveys: [String: Survey]
    /// The indexes no transaction is using. A transaction takes its survey's out (under the survey's
    /// lock) and puts it back once committed; a rolled-back or retried one leaves none, and the next
    /// loads the index again from the stored prints.
    let idle = Mutex<[String: SurveyIndex]>([:])

    /// The revisions whose changes are kept for nodes whose index is behind (a node further behind
    /// reloads); older ones are dropped every eighth of that.
    let keptRevisions: Int64

    init(store: PostgresStore, surveys: [Survey], keptRevisions: Int64 = 1024) {
        self.store = store
        self.surveys = Dictionary(surveys.map { ($0.id.rawValue, $0) }, uniquingKeysWith: { first, _ in first })
        self.keptRevisions = keptRevisions
    }

    var logger: Logger { store.logger }

    public func pending() async throws -> [String: Int] {
        try await store.reading { connection in
            Dictionary(uniqueKeysWithValues: try await connection.all(
                """
                SELECT s.survey_id, count(*) FROM near_duplicate_queue q JOIN submission s ON s.seq = q.submission_seq
                GROUP BY s.survey_id
                """, as: (String, Int).self, logger: logger))
        }
    }

    public func catchUp(at now: Date, limit: Int) async throws -> Int {
        let batch = try await store.reading { connection in try await self.queued(limit: limit, on: connection) }
        guard !batch.isEmpty else { return 0 }
        let placements = batch.map { item in
            (item, surveys[item.surveyID].map { CampaignText.fingerprints(of: item.texts, in: $0) } ?? [:])
        }
        let surveyIDs = Set(batch.map(\.surveyID)).sorted()
        let seqs = batch.map(\.seq), versions = batch.map(\.version)
        let (taken, indexes) = try await store.transaction { connection -> (Int, [String: SurveyIndex]) in
            // In one order on every node: two nodes' batches never wait for each other in a circle.
            for surveyID in surveyIDs { try await store.lockCampaigns(of: surveyID, on: connection) }
            var still: Set<Int64> = []
            for seq in try await connection.all(
                """
                SELECT q.submission_seq FROM near_duplicate_queue q
                JOIN unnest(\(seqs)::bigint[], \(versions)::bigint[]) AS b (seq, version)
                    ON q.submission_seq = b.seq AND q.version = b.version
                """, as: Int64.self, logger: logger)
            {
                still.insert(seq)
            }
            var indexes: [String: SurveyIndex] = [:]
            for surveyID in surveyIDs {
                let mine = placements.filter { $0.0.surveyID == surveyID && still.contains($0.0.seq) }
                // Nothing of it left to place (another node placed it): its index is not needed now.
                guard let survey = surveys[surveyID], !mine.isEmpty else { continue }
                var index = try await synced(surveyID, on: connection)
                var changed: Set<ScopedText> = []
                for (item, prints) in mine {
                    try await place(item.seq, prints: prints, survey: survey, at: now, index: &index, changed: &changed, on: connection)
                }
                try await record(changed, of: surveyID, index: &index, on: connection)
                indexes[surveyID] = index
            }
            // Placed (or of a survey this detector does not know, as on SQLite): off the queue, unless
            // edited since it was read; that version stays queued and is placed next time.
            try await connection.run(
                """
                DELETE FROM near_duplicate_queue q USING unnest(\(seqs)::bigint[], \(versions)::bigint[]) AS b (seq, version)
                WHERE q.submission_seq = b.seq AND q.version = b.version
                """, logger: logger)
            return (still.count, indexes)
        }
        idle.withLock { idle in
            for (surveyID, index) in indexes { idle[surveyID] = index }
        }
        return taken
    }

    /// The oldest `limit` queued submissions with their texts, from one statement (one snapshot: the
    /// texts are those of the version queued).
    func queued(limit: Int, on connection: PostgresConnection) async throws -> [Queued] {
        var batch: [Queued] = []
        let rows = try await connection.query(
            """
            SELECT q.submission_seq, q.version, s.survey_id, a.question, a.option IS NOT NULL, a.text
            FROM (SELECT submission_seq, version FROM near_duplicate_queue ORDER BY submission_seq LIMIT \(Int64(limit))) q
            JOIN submission s ON s.seq = q.submission_seq
            LEFT JOIN answer_value a ON a.submission_seq = q.submission_seq AND a.text IS NOT NULL
            ORDER BY q.submission_seq, a.position
            """, logger: logger)
        for try await (seq, version, surveyID, question, isOther, text) in rows.decode(
            (Int64, Int64, String, String?, Bool?, Data?).self)
        {
            if batch.last?.seq != seq { batch.append(Queued(seq: seq, version: version, surveyID: surveyID, texts: [:])) }
            if let question, let text, let field = PostgresStore.openTextField(question: question, isOther: isOther ?? false) {
                batch[batch.count - 1].texts[field] = String(decoding: text, as: UTF8.self)
            }
        }
        return batch
    }

    // MARK: Placing one submission

    /// Brings every scope of submission `seq` to its new fingerprints.
    func place(
        _ seq: Int64, prints: [String: TextFingerprint], survey: Survey, at now: Date, index: inout SurveyIndex,
        changed: inout Set<ScopedText>, on connection: PostgresConnection
    ) async throws {
        var stored: [String: Int64] = [:]
        var placedByAnalyst: Set<String> = []
        var memberScopes: Set<String> = []
        // Its prints and its memberships, in one round trip.
        for (isPrint, scope, hash, placed) in try await connection.all(
            """
            SELECT true, scope, exact_hash, false FROM near_duplicate_print WHERE submission_seq = \(seq)
            UNION ALL
            SELECT false, scope, NULL::bigint, placed_by IS NOT NULL FROM campaign_member WHERE submission_seq = \(seq)
            """, as: (Bool, String, Int64?, Bool).self, logger: logger)
        {
            if isPrint {
                stored[scope] = hash
            } else {
                memberScopes.insert(scope)
                if placed { placedByAnalyst.insert(scope) }
            }
        }
        for scope in Set(stored.keys).union(prints.keys).union(memberScopes).sorted() {
            var scopeIndex = index.scopes.removeValue(forKey: scope) ?? NearDuplicateIndex()
            if placedByAnalyst.contains(scope) {
                // An analyst placed it: the detector leaves it where it is and out of its index.
                scopeIndex.remove(seq)
                try await connection.run(
                    "DELETE FROM near_duplicate_print WHERE submission_seq = \(seq) AND scope = \(scope)", logger: logger)
                changed.insert(ScopedText(seq: seq, scope: scope))
            } else if let print = prints[scope], let old = stored[scope], UInt64(bitPattern: old) == print.exactHash {
                // The same words: nothing to do.
            } else {
                // A text the detector never saw (a new submission's) has nothing to undo.
                if stored[scope] != nil || memberScopes.contains(scope) {
                    try await detach(seq, scope: scope, index: &scopeIndex, on: connection)
                }
                if let print = prints[scope] {
                    try await attach(seq, scope: scope, print: print, survey: survey, at: now, index: &scopeIndex, on: connection)
                }
                changed.insert(ScopedText(seq: seq, scope: scope))
            }
            index.scopes[scope] = scopeIndex
        }
    }

    /// Takes submission `seq`'s text of `scope` out of the index and out of its cluster (not one an
    /// analyst placed it in), dissolving an unreviewed cluster left with one member and handing a
    /// cluster it represented to its next member (the earliest one the detector placed).
    func detach(_ seq: Int64, scope: String, index: inout NearDuplicateIndex, on connection: PostgresConnection) async throws {
        index.remove(seq)
        try await connection.run(
            "DELETE FROM near_duplicate_print WHERE submission_seq = \(seq) AND scope = \(scope)", logger: logger)
        guard let clusterID = try await connection.first(
            """
            DELETE FROM campaign_member
            WHERE submission_seq = \(seq) AND scope = \(scope) AND placed_by IS NULL AND cluster_id IS NOT NULL
            RETURNING cluster_id
            """, as: Int64.self, logger: logger)
        else { return }
        guard let (representative, review) = try await connection.first(
            "SELECT representative_seq, review FROM campaign_cluster WHERE id = \(clusterID)", as: (Int64?, String).self,
            logger: logger)
        else { return }
        let remaining = try await connection.all(
            "SELECT submission_seq, placed_by IS NOT NULL FROM campaign_member WHERE cluster_id = \(clusterID) ORDER BY submission_seq",
            as: (Int64, Bool).self, logger: logger)
        if remaining.count < 2, review == CampaignReviewState.unreviewed.rawValue, !remaining.contains(where: { $0.1 }) {
            try await connection.run("DELETE FROM campaign_member WHERE cluster_id = \(clusterID)", logger: logger)
            try await connection.run("DELETE FROM campaign_cluster WHERE id = \(clusterID)", logger: logger)
        } else if representative == seq {
            let next = remaining.first { !$0.1 } ?? remaining.first
            try await connection.run(
                "UPDATE campaign_cluster SET representative_seq = \(next?.0) WHERE id = \(clusterID)", logger: logger)
        }
    }

    /// Indexes `seq`'s text of `scope` and puts it in the cluster of the most similar earlier text,
    /// creating the cluster (represented by that text) if it stood alone.
    func attach(
        _ seq: Int64, scope: String, print: TextFingerprint, survey: Survey, at now: Date, index: inout NearDuplicateIndex,
        on connection: PostgresConnection
    ) async throws {
        let surveyID = survey.id.rawValue
        while let match = index.bestMatch(for: print, threshold: survey.campaigns.similarity) {
            let nearest = try await connection.first(
                "SELECT cluster_id, placed_by IS NOT NULL FROM campaign_member WHERE submission_seq = \(match.nearest) AND scope = \(scope)",
                as: (Int64?, Bool).self, logger: logger)
            if let nearest {
                guard !nearest.1, let id = nearest.0 else {
                    // An analyst has placed that text since: the detector no longer clusters with it.
                    index.remove(match.nearest)
                    continue
                }
                try await write(seq, scope: scope, surveyID, print, nearest: match.nearest, joining: .existing(id),
                    similarity: match.similarity, at: now, on: connection)
            } else {
                try await write(seq, scope: scope, surveyID, print, nearest: match.nearest, joining: .new,
                    similarity: match.similarity, at: now, on: connection)
            }
            index.add(seq, print)
            return
        }
        try await write(seq, scope: scope, surveyID, print, nearest: nil, joining: .alone, similarity: 1, at: now, on: connection)
        index.add(seq, print)
    }

    /// The cluster a placed text joins.
    enum Joining {
        /// None: no earlier text is like it.
        case alone
        /// The cluster of the nearest text.
        case existing(Int64)
        /// A new one, represented by the nearest text (which stood alone), with both as members.
        case new
    }

    /// Stores the print of `seq`'s text of `scope` and its membership in one statement: the round trips
    /// are most of a placing's cost.
    func write(
        _ seq: Int64, scope: String, _ survey: String, _ print: TextFingerprint, nearest: Int64?, joining: Joining,
        similarity: Double, at now: Date, on connection: PostgresConnection
    ) async throws {
        var binds = PostgresBindings(capacity: 10)
        binds.append(seq)
        binds.append(scope)
        binds.append(survey)
        binds.append(Int64(bitPattern: print.exactHash))
        try binds.append(Data(print.signatureBytes))
        binds.append(Int64(print.wordCount))
        binds.append(nearest)
        let membership: String
        switch joining {
        case .alone:
            membership = ""
        case .existing(let cluster):
            binds.append(now.milliseconds)
            binds.append(min(1, max(0, similarity)))
            binds.append(cluster)
            membership = """
                WITH member AS (
                    INSERT INTO campaign_member (submission_seq, scope, cluster_id, similarity, joined_at_ms)
                    VALUES ($1, $2, $10, $9, $8))
                """
        case .new:
            binds.append(now.milliseconds)
            binds.append(min(1, max(0, similarity)))
            membership = """
                WITH cluster AS (
                    INSERT INTO campaign_cluster (survey_id, scope, representative_seq, created_at_ms)
                    VALUES ($3, $2, $7, $8) RETURNING id),
                member AS (
                    INSERT INTO campaign_member (submission_seq, scope, cluster_id, similarity, joined_at_ms)
                    SELECT $7, $2, id, 1.0::double precision, $8 FROM cluster
                    UNION ALL SELECT $1, $2, id, $9, $8 FROM cluster)
                """
        }
        try await connection.run(PostgresQuery(unsafeSQL: membership + """

            INSERT INTO near_duplicate_print (submission_seq, scope, survey_id, exact_hash, signature, word_count, nearest_seq)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            ON CONFLICT (submission_seq, scope) DO UPDATE SET survey_id = excluded.survey_id, exact_hash = excluded.exact_hash,
                signature = excluded.signature, word_count = excluded.word_count, nearest_seq = excluded.nearest_seq
            """, binds: binds), logger: logger)
    }
}
