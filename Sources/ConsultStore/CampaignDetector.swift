import ConsultCore
import Foundation
import GRDB
import Synchronization

/// Keeps `campaign_cluster` and `campaign_member` current with the submissions' free texts: places
/// each stored or edited submission (taken from `near_duplicate_queue`) in the cluster of the most
/// similar earlier text (see ``NearDuplicateIndex``), and rebuilds a survey's clusters from scratch.
///
/// The detector never moves a member an analyst placed (`placed_by` set) and never changes a
/// cluster's `review`; an unreviewed cluster that falls below two members is dissolved, a reviewed
/// one is kept. Its LSH index lives in memory, loaded from the stored fingerprints; a rebuild by
/// another process raises the survey's generation and the index is reloaded.
///
/// One caller at a time (the serve worker, or the CLI's rebuild): calls must not overlap.
public final class SQLiteCampaignDetector: CampaignDetector {
    struct ScopeKey: Hashable {
        let survey: String
        let scope: String
    }

    struct State {
        var indexes: [ScopeKey: NearDuplicateIndex] = [:]
        /// The generation of each survey whose indexes are loaded.
        var loaded: [String: Int64] = [:]
    }

    let database: ConsultDatabase
    let surveys: [String: Survey]
    let state = Mutex(State())

    public init(database: ConsultDatabase, surveys: [Survey]) {
        self.database = database
        self.surveys = Dictionary(surveys.map { ($0.id.rawValue, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// How many submissions wait in the queue, per survey.
    public func pending() async throws -> [String: Int] {
        try await database.pool.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT s.survey_id, count(*) AS n FROM near_duplicate_queue q JOIN submission s ON s.seq = q.submission_seq
                GROUP BY s.survey_id
                """)
            return Dictionary(uniqueKeysWithValues: rows.map { ($0["survey_id"], $0["n"]) })
        }
    }

    /// Fingerprints and places up to `limit` queued submissions, oldest first, and returns how many it
    /// took off the queue. The fingerprints are computed before the write transaction, which only
    /// looks up and writes.
    @discardableResult
    public func catchUp(at now: Date, limit: Int = 256) async throws -> Int {
        let batch = try await database.pool.read { db in try Self.queued(limit: limit, in: db) }
        guard !batch.isEmpty else { return 0 }
        try await loadIndexes(of: Set(batch.map(\.surveyID)))
        let placements = batch.map { item in
            (item, surveys[item.surveyID].map { CampaignText.fingerprints(of: item.texts, in: $0) } ?? [:])
        }
        do {
            try await database.pool.write { db in
                try self.state.withLock { state in
                    for (item, prints) in placements {
                        if let survey = self.surveys[item.surveyID] {
                            try Self.refresh(survey: item.surveyID, in: db, state: &state)
                            try Self.place(item.seq, prints: prints, survey: survey, at: now, in: db, state: &state)
                        }
                        try db.cachedStatement(sql: "DELETE FROM near_duplicate_queue WHERE submission_seq = ? AND version = ?")
                            .execute(arguments: [item.seq, item.version])
                    }
                }
            }
        } catch {
            // The transaction was rolled back: the index may hold what it wrote. Reload it next time.
            state.withLock { $0 = State() }
            throw error
        }
        return batch.count
    }

    /// A queued submission with the free texts of its latest version.
    struct Queued: Sendable {
        let seq: Int64
        let version: Int
        let surveyID: String
        let texts: [OpenTextField: String]
    }

    static func queued(limit: Int, in db: Database) throws -> [Queued] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT q.submission_seq, q.version, s.survey_id FROM near_duplicate_queue q
            JOIN submission s ON s.seq = q.submission_seq ORDER BY q.submission_seq LIMIT ?
            """, arguments: [limit])
        guard !rows.isEmpty else { return [] }
        var texts: [Int64: [OpenTextField: String]] = [:]
        let statement = try db.cachedStatement(sql: """
            SELECT question, kind, \(ExactText.select("text")) AS bytes FROM open_text WHERE submission_seq = ?
            """)
        for row in rows {
            let seq: Int64 = row["submission_seq"]
            for text in try Row.fetchAll(statement, arguments: [seq]) {
                guard let field = OpenTextField(storedQuestion: text["question"], kind: text["kind"]) else { continue }
                texts[seq, default: [:]][field] = ExactText.decode(text["bytes"]) ?? ""
            }
        }
        return rows.map { row in
            let seq: Int64 = row["submission_seq"]
            return Queued(seq: seq, version: row["version"], surveyID: row["survey_id"], texts: texts[seq] ?? [:])
        }
    }

    // MARK: The index in memory

    /// Loads the index of each survey that is not loaded (or was rebuilt since) in a read transaction,
    /// so that the write transaction placing submissions finds it in memory: a first load (about
    /// 20 s at a million submissions) never holds up the storing of submissions. Prints change only
    /// through this detector, one caller at a time, or through a rebuild by another process, which
    /// raises the generation that ``refresh(survey:in:state:)`` checks again inside the write.
    func loadIndexes(of surveyIDs: Set<String>) async throws {
        for surveyID in surveyIDs.sorted() {
            let loaded = state.withLock { $0.loaded[surveyID] }
            let fresh = try await database.pool.read { db -> (generation: Int64, indexes: [String: NearDuplicateIndex])? in
                let generation = try Self.generation(of: surveyID, in: db)
                return loaded == generation ? nil : (generation, try Self.indexes(of: surveyID, in: db))
            }
            guard let fresh else { continue }
            state.withLock { state in Self.install(fresh.indexes, generation: fresh.generation, of: surveyID, in: &state) }
        }
    }

    /// Drops a survey's indexes when another process rebuilt it, and loads them when they are not loaded.
    static func refresh(survey: String, in db: Database, state: inout State) throws {
        let generation = try generation(of: survey, in: db)
        if state.loaded[survey] == generation { return }
        install(try indexes(of: survey, in: db), generation: generation, of: survey, in: &state)
    }

    static func generation(of survey: String, in db: Database) throws -> Int64 {
        try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT generation FROM near_duplicate_generation WHERE survey_id = ?"), arguments: [survey]) ?? 0
    }

    /// The index of each scope of a survey, from its stored fingerprints in order of arrival.
    static func indexes(of survey: String, in db: Database) throws -> [String: NearDuplicateIndex] {
        var indexes: [String: NearDuplicateIndex] = [:]
        let rows = try Row.fetchCursor(db, sql: """
            SELECT p.submission_seq, p.scope, p.exact_hash, p.signature, p.word_count
            FROM submission s JOIN near_duplicate_print p ON p.submission_seq = s.seq
            WHERE s.survey_id = ? ORDER BY s.seq
            """, arguments: [survey])
        while let row = try rows.next() {
            guard let print = fingerprint(row) else { continue }
            indexes[row["scope"], default: NearDuplicateIndex()].add(row["submission_seq"], print)
        }
        return indexes
    }

    static func install(_ indexes: [String: NearDuplicateIndex], generation: Int64, of survey: String, in state: inout State) {
        state.indexes = state.indexes.filter { $0.key.survey != survey }
        for (scope, index) in indexes { state.indexes[ScopeKey(survey: survey, scope: scope)] = index }
        state.loaded[survey] = generation
    }

    static func fingerprint(_ row: Row) -> TextFingerprint? {
        let hash: Int64 = row["exact_hash"]
        let bytes: Data = row["signature"]
        return TextFingerprint(exactHash: UInt64(bitPattern: hash), signatureBytes: [UInt8](bytes), wordCount: row["word_count"])
    }

    // MARK: Placing one submission

    /// Brings every scope of submission `seq` to its new fingerprints.
    static func place(
        _ seq: Int64, prints: [String: TextFingerprint], survey: Survey, at now: Date, in db: Database, state: inout State
    ) throws {
        let surveyID = survey.id.rawValue
        var stored: [String: Int64] = [:]
        for row in try Row.fetchAll(
            db.cachedStatement(sql: "SELECT scope, exact_hash FROM near_duplicate_print WHERE submission_seq = ?"),
            arguments: [seq])
        {
            stored[row["scope"]] = row["exact_hash"]
        }
        var placedByAnalyst: Set<String> = []
        var memberScopes: Set<String> = []
        for row in try Row.fetchAll(
            db.cachedStatement(sql: "SELECT scope, placed_by FROM campaign_member WHERE submission_seq = ?"),
            arguments: [seq])
        {
            memberScopes.insert(row["scope"])
            if (row["placed_by"] as Int64?) != nil { placedByAnalyst.insert(row["scope"]) }
        }
        for scope in Set(stored.keys).union(prints.keys).union(memberScopes).sorted() {
            let key = ScopeKey(survey: surveyID, scope: scope)
            var index = state.indexes.removeValue(forKey: key) ?? NearDuplicateIndex()
            defer { state.indexes[key] = index }
            if placedByAnalyst.contains(scope) {
                // An analyst placed it: the detector leaves it where it is and out of its index.
                index.remove(seq)
                try db.execute(
                    sql: "DELETE FROM near_duplicate_print WHERE submission_seq = ? AND scope = ?", arguments: [seq, scope])
                continue
            }
            let print = prints[scope]
            if let print, let old = stored[scope], UInt64(bitPattern: old) == print.exactHash { continue }
            // A text the detector never saw (a new submission's) has nothing to undo.
            if stored[scope] != nil || memberScopes.contains(scope) {
                try detach(seq, scope: scope, survey: surveyID, index: &index, in: db)
            }
            if let print {
                try attach(seq, scope: scope, print: print, survey: survey, at: now, index: &index, in: db)
            }
        }
    }

    /// Takes submission `seq`'s text of `scope` out of the index and out of its cluster (not one an
    /// analyst placed it in), dissolving an unreviewed cluster left with one member and handing a
    /// cluster it represented to its next member (the earliest one the detector placed).
    static func detach(_ seq: Int64, scope: String, survey: String, index: inout NearDuplicateIndex, in db: Database) throws {
        index.remove(seq)
        try db.execute(sql: "DELETE FROM near_duplicate_print WHERE submission_seq = ? AND scope = ?", arguments: [seq, scope])
        guard let clusterID = try Int64.fetchOne(db, sql: """
            SELECT cluster_id FROM campaign_member
            WHERE submission_seq = ? AND scope = ? AND placed_by IS NULL AND cluster_id IS NOT NULL
            """, arguments: [seq, scope])
        else { return }
        try db.execute(sql: "DELETE FROM campaign_member WHERE submission_seq = ? AND scope = ?", arguments: [seq, scope])
        guard let cluster = try Row.fetchOne(
            db, sql: "SELECT representative_seq, review FROM campaign_cluster WHERE id = ?", arguments: [clusterID])
        else { return }
        let remaining = try Row.fetchAll(
            db, sql: "SELECT submission_seq, placed_by FROM campaign_member WHERE cluster_id = ? ORDER BY submission_seq",
            arguments: [clusterID]
        ).map { (seq: $0["submission_seq"] as Int64, placed: ($0["placed_by"] as Int64?) != nil) }
        let review: String = cluster["review"]
        if remaining.count < 2, review == "unreviewed", !remaining.contains(where: \.placed) {
            for member in remaining {
                try db.execute(
                    sql: "DELETE FROM campaign_member WHERE submission_seq = ? AND scope = ?", arguments: [member.seq, scope])
            }
            try db.execute(sql: "DELETE FROM campaign_cluster WHERE id = ?", arguments: [clusterID])
        } else if (cluster["representative_seq"] as Int64?) == seq {
            let next = remaining.first { !$0.placed } ?? remaining.first
            try db.execute(
                sql: "UPDATE campaign_cluster SET representative_seq = ? WHERE id = ?", arguments: [next?.seq, clusterID])
        }
    }

    /// Indexes `seq`'s text of `scope` and puts it in the cluster of the most similar earlier text,
    /// creating the cluster (represented by that text) if it stood alone.
    static func attach(
        _ seq: Int64, scope: String, print: TextFingerprint, survey: Survey, at now: Date, index: inout NearDuplicateIndex,
        in db: Database
    ) throws {
        defer { index.add(seq, print) }
        while let match = index.bestMatch(for: print, threshold: survey.campaigns.similarity) {
            let nearest = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT cluster_id, placed_by FROM campaign_member WHERE submission_seq = ? AND scope = ?"),
                arguments: [match.nearest, scope])
            let clusterID: Int64
            if let nearest {
                guard (nearest["placed_by"] as Int64?) == nil, let id = nearest["cluster_id"] as Int64? else {
                    // An analyst has placed that text since: the detector no longer clusters with it.
                    index.remove(match.nearest)
                    continue
                }
                clusterID = id
            } else {
                try db.execute(
                    sql: "INSERT INTO campaign_cluster (survey_id, scope, representative_seq, created_at_ms) VALUES (?, ?, ?, ?)",
                    arguments: [survey.id.rawValue, scope, match.nearest, now.milliseconds])
                clusterID = db.lastInsertedRowID
                try insertMember(match.nearest, scope: scope, cluster: clusterID, similarity: 1, at: now, in: db)
            }
            try insertMember(seq, scope: scope, cluster: clusterID, similarity: match.similarity, at: now, in: db)
            try insertPrint(seq, scope: scope, survey: survey.id.rawValue, print: print, nearest: match.nearest, in: db)
            return
        }
        try insertPrint(seq, scope: scope, survey: survey.id.rawValue, print: print, nearest: nil, in: db)
    }

    static func insertMember(_ seq: Int64, scope: String, cluster: Int64, similarity: Double, at now: Date, in db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO campaign_member (submission_seq, scope, cluster_id, similarity, joined_at_ms) VALUES (?, ?, ?, ?, ?)
            """).execute(arguments: [seq, scope, cluster, min(1, max(0, similarity)), now.milliseconds])
    }

    static func insertPrint(
        _ seq: Int64, scope: String, survey: String, print: TextFingerprint, nearest: Int64?, in db: Database
    ) throws {
        try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO near_duplicate_print (submission_seq, scope, survey_id, exact_hash, signature, word_count, nearest_seq)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [
                seq, scope, survey, Int64(bitPattern: print.exactHash), Data(print.signatureBytes), print.wordCount, nearest,
            ])
    }
}

/// The queue of submissions waiting to be placed among look-alikes.
public enum CampaignQueue {
    /// Queued submissions of one survey from which a rebuild from scratch is quicker than placing each.
    public static let bulkThreshold = 10_000
}
