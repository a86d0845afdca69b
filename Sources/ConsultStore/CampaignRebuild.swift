import ConsultCore
import Foundation
import GRDB
import Synchronization

/// What a from-scratch clustering of one survey did, and how long each phase took.
public struct CampaignRebuildSummary: Sendable {
    public let submissions: Int
    /// Texts fingerprinted, over every scope.
    public let texts: Int
    /// Clusters (of two or more) after the rebuild, over every scope.
    public let clusters: Int
    /// Clusters of the whole-submission scope with at least the survey's minimum size.
    public let campaigns: Int
    /// Submissions in a whole-submission cluster.
    public let clusteredSubmissions: Int
    public let readSeconds: Double
    public let clusterSeconds: Double
    public let writeSeconds: Double
    /// The process's CPU time (every thread) in each phase.
    public let readCPUSeconds: Double
    public let clusterCPUSeconds: Double
    public let writeCPUSeconds: Double
    /// The longest of the rebuild's write transactions: how long it held the storing of submissions at most.
    public let longestWriteSeconds: Double

    /// campaigns: also made by the PostgreSQL engine.
    package init(submissions: Int, texts: Int, clusters: Int, campaigns: Int, clusteredSubmissions: Int, readSeconds: Double, clusterSeconds: Double, writeSeconds: Double, readCPUSeconds: Double, clusterCPUSeconds: Double, writeCPUSeconds: Double, longestWriteSeconds: Double) {
        self.submissions = submissions
        self.texts = texts
        self.clusters = clusters
        self.campaigns = campaigns
        self.clusteredSubmissions = clusteredSubmissions
        self.readSeconds = readSeconds
        self.clusterSeconds = clusterSeconds
        self.writeSeconds = writeSeconds
        self.readCPUSeconds = readCPUSeconds
        self.clusterCPUSeconds = clusterCPUSeconds
        self.writeCPUSeconds = writeCPUSeconds
        self.longestWriteSeconds = longestWriteSeconds
    }
}

/// The CPU time this process has used so far, over all its threads (user and system).
package enum ProcessCPU {
    package static func seconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}

extension SQLiteCampaignDetector {
    /// Clusters every submission of `survey` from scratch, as the worker would have placed them in
    /// order of arrival, and replaces the detector's fingerprints and clusters of that survey.
    ///
    /// The texts are read from one snapshot, fingerprinted on every core and clustered in memory;
    /// the fingerprints are then stored a range of submissions per write transaction, and one last
    /// write transaction swaps the clusters in. A cluster whose representative represents a cluster
    /// again keeps its id and its review; members and clusters analysts placed or reviewed stay.
    /// Submissions stored or edited after the snapshot are left in the queue for the worker.
    public func rebuild(_ survey: Survey, at now: Date) async throws -> CampaignRebuildSummary {
        try await rebuild(survey, at: now, submissionsPerPrintTransaction: Self.printChunk)
    }

    func rebuild(_ survey: Survey, at now: Date, submissionsPerPrintTransaction: Int) async throws -> CampaignRebuildSummary {
        let readStart = ContinuousClock.now
        let readCPU = ProcessCPU.seconds()
        let snapshot = try await database.pool.read { db in try Self.clusterSnapshot(of: survey, in: db) }
        let clusterTime = snapshot.clusterSeconds
        let readTime = (ContinuousClock.now - readStart).seconds - clusterTime
        let writeStart = ContinuousClock.now
        let writeCPU = ProcessCPU.seconds()
        var longest = try await writePrints(snapshot, of: survey, submissionsPerTransaction: submissionsPerPrintTransaction)
        let finalStart = ContinuousClock.now
        let written = try await database.pool.write { db in
            try self.state.withLock { state in
                try Self.write(snapshot, of: survey, at: now, in: db, state: &state)
            }
        }
        longest = max(longest, (ContinuousClock.now - finalStart).seconds)
        return CampaignRebuildSummary(
            submissions: snapshot.versions.count, texts: snapshot.prints.count, clusters: written.clusters,
            campaigns: written.campaigns, clusteredSubmissions: written.clusteredSubmissions,
            readSeconds: readTime, clusterSeconds: clusterTime, writeSeconds: (ContinuousClock.now - writeStart).seconds,
            readCPUSeconds: writeCPU - readCPU - snapshot.clusterCPUSeconds, clusterCPUSeconds: snapshot.clusterCPUSeconds,
            writeCPUSeconds: ProcessCPU.seconds() - writeCPU, longestWriteSeconds: longest)
    }

    typealias PlacedPrint = CampaignPlacedPrint

    struct Snapshot: Sendable {
        /// The version of every submission of the survey in the snapshot.
        let versions: [Int64: Int]
        /// Each scope's texts in order of arrival, one scope after the other.
        let prints: [PlacedPrint]
        let clusterSeconds: Double
        let clusterCPUSeconds: Double
    }

    static func clusterSnapshot(of survey: Survey, in db: Database) throws -> Snapshot {
        let surveyID = survey.id.rawValue
        var versions: [Int64: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT seq, version FROM submission WHERE survey_id = ?", arguments: [surveyID]) {
            versions[row["seq"]] = row["version"]
        }
        var placed: Set<String> = []
        for row in try Row.fetchAll(db, sql: """
            SELECT m.submission_seq, m.scope FROM campaign_member m JOIN submission s ON s.seq = m.submission_seq
            WHERE s.survey_id = ? AND m.placed_by IS NOT NULL
            """, arguments: [surveyID])
        {
            placed.insert(CampaignSnapshotClustering.placedKey(row["submission_seq"], row["scope"]))
        }
        var clustering = CampaignSnapshotClustering(survey: survey, placedByAnalysts: placed)
        let rows = try Row.fetchCursor(db, sql: """
            SELECT o.submission_seq, o.question, o.kind, \(ExactText.select("o.text")) AS bytes
            FROM open_text o JOIN submission s ON s.seq = o.submission_seq
            WHERE s.survey_id = ? ORDER BY o.submission_seq
            """, arguments: [surveyID])
        var current: (seq: Int64, texts: [OpenTextField: String])?
        while let row = try rows.next() {
            let seq: Int64 = row["submission_seq"]
            if current?.seq != seq {
                if let current { clustering.add(current.seq, texts: current.texts) }
                current = (seq, [:])
            }
            if let field = OpenTextField(storedQuestion: row["question"], kind: row["kind"]) {
                current?.texts[field] = ExactText.decode(row["bytes"]) ?? ""
            }
        }
        if let current { clustering.add(current.seq, texts: current.texts) }
        let clustered = clustering.finish()
        return Snapshot(
            versions: versions, prints: clustered.prints, clusterSeconds: clustered.clusterSeconds,
            clusterCPUSeconds: clustered.clusterCPUSeconds)
    }

    /// Submissions whose prints are replaced in one write transaction of a rebuild.
    static let printChunk = 20_000

    /// Replaces the survey's stored fingerprints with the snapshot's, a range of submissions per write
    /// transaction (about a second each at most), so that a rebuild in the running service never holds
    /// the storing of submissions for long: the prints are 2 million rows of 300 bytes at a million
    /// submissions. Nothing reads them but the detector, which reloads them only once the final
    /// transaction raises the survey's generation; after a crash in between, the queue still holds
    /// every submission and the next start rebuilds again.
    /// Returns the longest of its transactions, in seconds.
    func writePrints(_ snapshot: Snapshot, of survey: Survey, submissionsPerTransaction: Int) async throws -> Double {
        let surveyID = survey.id.rawValue
        let prints = snapshot.prints.sorted { ($0.seq, $0.scope) < ($1.seq, $1.scope) }
        let seqs = snapshot.versions.keys.sorted()
        var next = 0
        var longest = 0.0
        for start in stride(from: 0, to: seqs.count, by: submissionsPerTransaction) {
            let first = seqs[start], last = seqs[min(seqs.count, start + submissionsPerTransaction) - 1]
            var end = next
            while end < prints.count, prints[end].seq <= last { end += 1 }
            let chunk = prints[next..<end]
            next = end
            let started = ContinuousClock.now
            try await database.pool.write { db in
                try db.execute(
                    sql: "DELETE FROM near_duplicate_print WHERE submission_seq BETWEEN ? AND ? AND survey_id = ?",
                    arguments: [first, last, surveyID])
                // OR REPLACE: a worker of another process may have placed a submission meanwhile; it is
                // queued again at the end (its version differs from the snapshot's) and placed afresh.
                let insert = try db.cachedStatement(sql: """
                    INSERT OR REPLACE INTO near_duplicate_print
                    (submission_seq, scope, survey_id, exact_hash, signature, word_count, nearest_seq)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """)
                for placed in chunk {
                    try insert.execute(arguments: [
                        placed.seq, placed.scope, surveyID, Int64(bitPattern: placed.print.exactHash),
                        Data(placed.print.signatureBytes), placed.print.wordCount, placed.nearest,
                    ])
                }
            }
            longest = max(longest, (ContinuousClock.now - started).seconds)
        }
        return longest
    }

    struct Written {
        let clusters: Int
        let campaigns: Int
        let clusteredSubmissions: Int
    }

    static func write(_ snapshot: Snapshot, of survey: Survey, at now: Date, in db: Database, state: inout State) throws -> Written {
        let surveyID = survey.id.rawValue
        // Old clusters by (scope, representative): a cluster whose representative represents one again keeps its id.
        var oldClusters: [String: Int64] = [:]
        var oldIDs: Set<Int64> = []
        for row in try Row.fetchAll(
            db, sql: "SELECT id, scope, representative_seq FROM campaign_cluster WHERE survey_id = ?", arguments: [surveyID])
        {
            let id: Int64 = row["id"]
            oldIDs.insert(id)
            if let representative = row["representative_seq"] as Int64? {
                oldClusters[CampaignClusterPlan.key(scope: row["scope"], representative: representative)] = id
            }
        }
        try db.execute(sql: """
            DELETE FROM campaign_member WHERE placed_by IS NULL
            AND cluster_id IN (SELECT id FROM campaign_cluster WHERE survey_id = ?)
            """, arguments: [surveyID])

        let insertMember = try db.makeStatement(sql: """
            INSERT INTO campaign_member (submission_seq, scope, cluster_id, similarity, joined_at_ms) VALUES (?, ?, ?, ?, ?)
            """)
        let plan = CampaignClusterPlan(snapshot.prints, oldClusters: oldClusters, minimumSize: survey.campaigns.minimumSize)
        var ids: [Int64] = []
        for cluster in plan.clusters {
            if let id = cluster.keptID {
                ids.append(id)
            } else {
                try db.execute(
                    sql: "INSERT INTO campaign_cluster (survey_id, scope, representative_seq, created_at_ms) VALUES (?, ?, ?, ?)",
                    arguments: [surveyID, cluster.scope, cluster.representative, now.milliseconds])
                ids.append(db.lastInsertedRowID)
            }
        }
        // Rows go in in primary-key order: the B-tree is appended to, not split all over.
        for member in plan.members {
            try insertMember.execute(arguments: [member.seq, member.scope, ids[member.cluster], member.similarity, now.milliseconds])
        }
        // Old clusters not led again: kept when reviewed or holding members an analyst placed.
        for id in oldIDs.subtracting(plan.kept) {
            try db.execute(sql: """
                DELETE FROM campaign_cluster WHERE id = ? AND review = 'unreviewed'
                AND NOT EXISTS (SELECT 1 FROM campaign_member WHERE cluster_id = ?)
                """, arguments: [id, id])
        }
        // What changed after the snapshot stays queued for the worker; the rest is done.
        try db.execute(sql: """
            DELETE FROM near_duplicate_queue WHERE submission_seq IN (SELECT seq FROM submission WHERE survey_id = ?)
            """, arguments: [surveyID])
        let requeue = try db.makeStatement(sql: "INSERT INTO near_duplicate_queue (submission_seq, version) VALUES (?, ?)")
        for row in try Row.fetchAll(db, sql: "SELECT seq, version FROM submission WHERE survey_id = ?", arguments: [surveyID]) {
            let seq: Int64 = row["seq"], version: Int = row["version"]
            if snapshot.versions[seq] != version { try requeue.execute(arguments: [seq, version]) }
        }
        try db.execute(sql: """
            INSERT INTO near_duplicate_generation (survey_id, generation) VALUES (?, 1)
            ON CONFLICT (survey_id) DO UPDATE SET generation = generation + 1
            """, arguments: [surveyID])
        // The index in memory is loaded again from what was written, outside the write transaction.
        state.indexes = state.indexes.filter { $0.key.survey != surveyID }
        state.loaded[surveyID] = nil
        return Written(clusters: plan.clusters.count, campaigns: plan.campaigns, clusteredSubmissions: plan.clusteredSubmissions)
    }
}

extension Duration {
    /// The duration in seconds, as a floating-point number.
    package var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
