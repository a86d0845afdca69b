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
}

/// The CPU time this process has used so far, over all its threads (user and system).
enum ProcessCPU {
    static func seconds() -> Double {
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

    /// One fingerprinted text and where the clustering put it.
    struct PlacedPrint: Sendable {
        let seq: Int64
        let scope: String
        let print: TextFingerprint
        /// The earlier text it was found most like (nil: none).
        let nearest: Int64?
        let similarity: Double
    }

    struct Snapshot: Sendable {
        /// The version of every submission of the survey in the snapshot.
        let versions: [Int64: Int]
        /// Each scope's texts in order of arrival, one scope after the other.
        let prints: [PlacedPrint]
        let clusterSeconds: Double
        let clusterCPUSeconds: Double
    }

    /// Submissions fingerprinted together, in parallel, before they are clustered in order.
    static let chunk = 20_000

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
            placed.insert("\(row["submission_seq"] as Int64)|\(row["scope"] as String)")
        }
        // Each scope's fingerprints in order of arrival.
        var scopes: [String: (seqs: [Int64], prints: [TextFingerprint])] = [:]
        var pending: [(seq: Int64, texts: [OpenTextField: String])] = []

        func flush() {
            guard !pending.isEmpty else { return }
            let parts = ProcessInfo.processInfo.activeProcessorCount
            let size = (pending.count + parts - 1) / parts
            let results = Mutex<[[[String: TextFingerprint]]]>(Array(repeating: [], count: parts))
            let items = pending
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                let range = (part * size)..<min(items.count, (part + 1) * size)
                guard !range.isEmpty else { return }
                let made = items[range].map { CampaignText.fingerprints(of: $0.texts, in: survey) }
                results.withLock { $0[part] = made }
            }
            let fingerprints = results.withLock { $0.flatMap { $0 } }
            for (item, prints) in zip(items, fingerprints) {
                for (scope, print) in prints where !placed.contains("\(item.seq)|\(scope)") {
                    scopes[scope, default: ([], [])].seqs.append(item.seq)
                    scopes[scope, default: ([], [])].prints.append(print)
                }
            }
            pending.removeAll(keepingCapacity: true)
        }

        let rows = try Row.fetchCursor(db, sql: """
            SELECT o.submission_seq, o.question, o.kind, \(ExactText.select("o.text")) AS bytes
            FROM open_text o JOIN submission s ON s.seq = o.submission_seq
            WHERE s.survey_id = ? ORDER BY o.submission_seq
            """, arguments: [surveyID])
        var current: (seq: Int64, texts: [OpenTextField: String])?
        while let row = try rows.next() {
            let seq: Int64 = row["submission_seq"]
            if current?.seq != seq {
                if let current { pending.append(current) }
                if pending.count >= chunk { flush() }
                current = (seq, [:])
            }
            if let field = OpenTextField(storedQuestion: row["question"], kind: row["kind"]) {
                current?.texts[field] = ExactText.decode(row["bytes"]) ?? ""
            }
        }
        if let current { pending.append(current) }
        flush()

        // Every scope clustered at once, as the index would have placed its texts one by one.
        let start = ContinuousClock.now
        let startCPU = ProcessCPU.seconds()
        var prints: [PlacedPrint] = []
        for (scope, texts) in scopes.sorted(by: { $0.key < $1.key }) {
            let batch = NearDuplicateBatch(
                texts.prints, threshold: survey.campaigns.similarity, parts: ProcessInfo.processInfo.activeProcessorCount)
            for (position, match) in batch.nearest.enumerated() {
                prints.append(PlacedPrint(
                    seq: texts.seqs[position], scope: scope, print: texts.prints[position],
                    nearest: match.map { texts.seqs[$0.position] }, similarity: match?.similarity ?? 1))
            }
        }
        return Snapshot(
            versions: versions, prints: prints, clusterSeconds: (ContinuousClock.now - start).seconds,
            clusterCPUSeconds: ProcessCPU.seconds() - startCPU)
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
                oldClusters["\(row["scope"] as String)|\(representative)"] = id
            }
        }
        try db.execute(sql: """
            DELETE FROM campaign_member WHERE placed_by IS NULL
            AND cluster_id IN (SELECT id FROM campaign_cluster WHERE survey_id = ?)
            """, arguments: [surveyID])

        let insertMember = try db.makeStatement(sql: """
            INSERT INTO campaign_member (submission_seq, scope, cluster_id, similarity, joined_at_ms) VALUES (?, ?, ?, ?, ?)
            """)
        // The cluster of each clustered text, per scope, decided in arrival order (a text's nearest
        // earlier text has its cluster already).
        var clusterOf: [String: [Int64: Int64]] = [:]
        var sizes: [Int64: Int] = [:]
        var wholeClusters: Set<Int64> = []
        var kept: Set<Int64> = []
        var clusteredSubmissions = 0
        var members: [(seq: Int64, scope: String, cluster: Int64, similarity: Double)] = []
        for placed in snapshot.prints {
            guard let nearest = placed.nearest else { continue }
            let clusterID: Int64
            if let id = clusterOf[placed.scope]?[nearest] {
                clusterID = id
            } else {
                // The nearest text stood alone: it represents the new cluster.
                if let id = oldClusters["\(placed.scope)|\(nearest)"] {
                    clusterID = id
                    kept.insert(id)
                } else {
                    try db.execute(
                        sql: "INSERT INTO campaign_cluster (survey_id, scope, representative_seq, created_at_ms) VALUES (?, ?, ?, ?)",
                        arguments: [surveyID, placed.scope, nearest, now.milliseconds])
                    clusterID = db.lastInsertedRowID
                }
                clusterOf[placed.scope, default: [:]][nearest] = clusterID
                members.append((nearest, placed.scope, clusterID, 1))
                sizes[clusterID] = 1
                if placed.scope == CampaignText.wholeSubmission {
                    clusteredSubmissions += 1
                    wholeClusters.insert(clusterID)
                }
            }
            clusterOf[placed.scope, default: [:]][placed.seq] = clusterID
            members.append((placed.seq, placed.scope, clusterID, min(1, max(0, placed.similarity))))
            sizes[clusterID, default: 1] += 1
            if placed.scope == CampaignText.wholeSubmission { clusteredSubmissions += 1 }
        }
        // Rows go in in primary-key order: the B-tree is appended to, not split all over.
        for member in members.sorted(by: { ($0.seq, $0.scope) < ($1.seq, $1.scope) }) {
            try insertMember.execute(arguments: [member.seq, member.scope, member.cluster, member.similarity, now.milliseconds])
        }
        // Old clusters not led again: kept when reviewed or holding members an analyst placed.
        for id in oldIDs.subtracting(kept) {
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
        return Written(
            clusters: sizes.count, campaigns: wholeClusters.filter { (sizes[$0] ?? 0) >= survey.campaigns.minimumSize }.count,
            clusteredSubmissions: clusteredSubmissions)
    }
}

extension Duration {
    /// The duration in seconds, as a floating-point number.
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
