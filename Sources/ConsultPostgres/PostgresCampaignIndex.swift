import ConsultCore
import ConsultStore
import Foundation
import PostgresNIO

/// Each node's look-alike index in memory, kept equal to the stored prints across nodes: under the
/// survey's campaign lock a node applies the texts other nodes changed since its revision
/// (`near_duplicate_change`), or reloads the survey's prints when it is further behind than the kept
/// changes or a rebuild raised the generation.
extension PostgresCampaignDetector {
    /// This node's index of `survey`, brought to what is stored; called under the survey's lock.
    func synced(_ survey: String, on connection: PostgresConnection) async throws -> SurveyIndex {
        let (generation, revision, prunedThrough) = try await connection.first(
            "SELECT generation, revision, pruned_through FROM near_duplicate_state WHERE survey_id = \(survey)",
            as: (Int64, Int64, Int64).self, logger: logger) ?? (Int64(0), Int64(0), Int64(0))
        if var index = idle.withLock({ $0.removeValue(forKey: survey) }), index.generation == generation,
            index.revision <= revision, index.revision >= prunedThrough
        {
            if index.revision < revision {
                try await applyChanges(of: survey, since: index.revision, to: &index, on: connection)
                index.revision = revision
            }
            return index
        }
        var index = SurveyIndex(generation: generation, revision: revision, scopes: [:])
        let rows = try await connection.query(
            """
            SELECT submission_seq, scope, exact_hash, signature, word_count FROM near_duplicate_print
            WHERE survey_id = \(survey) ORDER BY submission_seq
            """, logger: logger)
        for try await (seq, scope, hash, signature, words) in rows.decode((Int64, String, Int64, Data, Int).self) {
            guard let print = Self.fingerprint(hash, signature, words) else { continue }
            index.scopes[scope, default: NearDuplicateIndex()].add(seq, print)
        }
        return index
    }

    /// Applies the prints other nodes changed after `revision`: each changed text is taken out and
    /// indexed again with its print as stored now (if any), in the order they were last changed.
    func applyChanges(of survey: String, since revision: Int64, to index: inout SurveyIndex, on connection: PostgresConnection)
        async throws
    {
        let rows = try await connection.query(
            """
            SELECT c.submission_seq, c.scope, p.exact_hash, p.signature, p.word_count
            FROM (SELECT submission_seq, scope, max(revision) AS revision FROM near_duplicate_change
                  WHERE survey_id = \(survey) AND revision > \(revision) GROUP BY submission_seq, scope) c
            LEFT JOIN near_duplicate_print p ON p.submission_seq = c.submission_seq AND p.scope = c.scope
            ORDER BY c.revision, c.submission_seq, c.scope
            """, logger: logger)
        for try await (seq, scope, hash, signature, words) in rows.decode((Int64, String, Int64?, Data?, Int?).self) {
            index.scopes[scope, default: NearDuplicateIndex()].remove(seq)
            if let hash, let signature, let words, let print = Self.fingerprint(hash, signature, words) {
                index.scopes[scope, default: NearDuplicateIndex()].add(seq, print)
            }
        }
    }

    static func fingerprint(_ hash: Int64, _ signature: Data, _ words: Int) -> TextFingerprint? {
        TextFingerprint(exactHash: UInt64(bitPattern: hash), signatureBytes: [UInt8](signature), wordCount: words)
    }

    /// Raises the survey's revision and records the texts whose prints this transaction changed, for
    /// the other nodes; every so often drops the changes older than ``keptRevisions``.
    func record(_ changed: Set<ScopedText>, of survey: String, index: inout SurveyIndex, on connection: PostgresConnection)
        async throws
    {
        guard !changed.isEmpty else { return }
        let revision = index.revision + 1
        let texts = changed.sorted { ($0.seq, $0.scope) < ($1.seq, $1.scope) }
        try await connection.run(
            """
            INSERT INTO near_duplicate_state (survey_id, revision) VALUES (\(survey), \(revision))
            ON CONFLICT (survey_id) DO UPDATE SET revision = excluded.revision
            """, logger: logger)
        try await connection.run(
            """
            INSERT INTO near_duplicate_change (survey_id, revision, submission_seq, scope)
            SELECT \(survey), \(revision), seq, scope FROM unnest(\(texts.map(\.seq))::bigint[], \(texts.map(\.scope))::text[]) AS t (seq, scope)
            """, logger: logger)
        if revision % max(1, keptRevisions / 8) == 0, revision > keptRevisions {
            let through = revision - keptRevisions
            try await connection.run(
                "DELETE FROM near_duplicate_change WHERE survey_id = \(survey) AND revision <= \(through)", logger: logger)
            try await connection.run(
                "UPDATE near_duplicate_state SET pruned_through = \(through) WHERE survey_id = \(survey)", logger: logger)
        }
        index.revision = revision
    }
}
