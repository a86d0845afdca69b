// campaigns: the engine-neutral part of a from-scratch clustering and of the review's texts, shared by
// the SQLite and PostgreSQL detectors (each engine only reads and writes rows around it).
import ConsultCore
import Dispatch
import Foundation
import Synchronization

/// One fingerprinted text and where the from-scratch clustering put it.
package struct CampaignPlacedPrint: Sendable {
    package let seq: Int64
    package let scope: String
    package let print: TextFingerprint
    /// The earlier text it was found most like (nil: none).
    package let nearest: Int64?
    package let similarity: Double
}

/// Fingerprints a survey's submissions, given in order of arrival, on every core and clusters each
/// scope at once (``NearDuplicateBatch``), as the index would have placed the texts one by one.
package struct CampaignSnapshotClustering {
    /// Submissions fingerprinted together, in parallel, before they are clustered in order.
    package static let chunk = 20_000

    let survey: Survey
    /// "seq|scope" of the texts an analyst placed: the detector leaves them out.
    let placedByAnalysts: Set<String>
    /// Each scope's fingerprints in order of arrival.
    private var scopes: [String: (seqs: [Int64], prints: [TextFingerprint])] = [:]
    private var pending: [(seq: Int64, texts: [OpenTextField: String])] = []

    package init(survey: Survey, placedByAnalysts: Set<String>) {
        self.survey = survey
        self.placedByAnalysts = placedByAnalysts
    }

    /// The key of ``placedByAnalysts``.
    package static func placedKey(_ seq: Int64, _ scope: String) -> String { "\(seq)|\(scope)" }

    /// Adds the free texts of the next submission in order of arrival.
    package mutating func add(_ seq: Int64, texts: [OpenTextField: String]) {
        pending.append((seq, texts))
        if pending.count >= Self.chunk { flush() }
    }

    private mutating func flush() {
        guard !pending.isEmpty else { return }
        let parts = ProcessInfo.processInfo.activeProcessorCount
        let size = (pending.count + parts - 1) / parts
        let results = Mutex<[[[String: TextFingerprint]]]>(Array(repeating: [], count: parts))
        let items = pending
        let survey = survey
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            let range = (part * size)..<min(items.count, (part + 1) * size)
            guard !range.isEmpty else { return }
            let made = items[range].map { CampaignText.fingerprints(of: $0.texts, in: survey) }
            results.withLock { $0[part] = made }
        }
        let fingerprints = results.withLock { $0.flatMap { $0 } }
        for (item, prints) in zip(items, fingerprints) {
            for (scope, print) in prints where !placedByAnalysts.contains(Self.placedKey(item.seq, scope)) {
                scopes[scope, default: ([], [])].seqs.append(item.seq)
                scopes[scope, default: ([], [])].prints.append(print)
            }
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// Every scope clustered, one scope after the other, each in order of arrival; with the time
    /// and the process's CPU time the clustering took.
    package mutating func finish() -> (prints: [CampaignPlacedPrint], clusterSeconds: Double, clusterCPUSeconds: Double) {
        flush()
        let start = ContinuousClock.now
        let startCPU = ProcessCPU.seconds()
        var prints: [CampaignPlacedPrint] = []
        for (scope, texts) in scopes.sorted(by: { $0.key < $1.key }) {
            let batch = NearDuplicateBatch(
                texts.prints, threshold: survey.campaigns.similarity, parts: ProcessInfo.processInfo.activeProcessorCount)
            for (position, match) in batch.nearest.enumerated() {
                prints.append(CampaignPlacedPrint(
                    seq: texts.seqs[position], scope: scope, print: texts.prints[position],
                    nearest: match.map { texts.seqs[$0.position] }, similarity: match?.similarity ?? 1))
            }
        }
        return (prints, (ContinuousClock.now - start).seconds, ProcessCPU.seconds() - startCPU)
    }
}

/// The clusters and members a from-scratch clustering makes of placed prints: a text whose nearest
/// earlier text stood alone makes a cluster that text represents; a cluster whose representative
/// represented one before (`oldClusters`, keyed by ``key(scope:representative:)``) keeps its id.
package struct CampaignClusterPlan {
    package struct Cluster: Sendable {
        package let scope: String
        package let representative: Int64
        /// The id of the old cluster it continues; nil: a new cluster.
        package let keptID: Int64?
    }

    package struct Member: Sendable {
        package let seq: Int64
        package let scope: String
        /// The position of its cluster in ``clusters``.
        package let cluster: Int
        package let similarity: Double
    }

    /// In order of creation.
    package private(set) var clusters: [Cluster] = []
    /// In primary-key order (submission, scope).
    package private(set) var members: [Member] = []
    /// Whole-submission clusters with at least the minimum campaign size.
    package private(set) var campaigns = 0
    /// Submissions in a whole-submission cluster.
    package private(set) var clusteredSubmissions = 0
    /// The old clusters led again.
    package private(set) var kept: Set<Int64> = []

    package static func key(scope: String, representative: Int64) -> String { "\(scope)|\(representative)" }

    package init(_ prints: [CampaignPlacedPrint], oldClusters: [String: Int64], minimumSize: Int) {
        // The cluster of each clustered text, per scope, decided in arrival order (a text's nearest
        // earlier text has its cluster already).
        var clusterOf: [String: [Int64: Int]] = [:]
        var sizes: [Int] = []
        var made: [Member] = []
        for placed in prints {
            guard let nearest = placed.nearest else { continue }
            let cluster: Int
            if let known = clusterOf[placed.scope]?[nearest] {
                cluster = known
            } else {
                // The nearest text stood alone: it represents the new cluster.
                let old = oldClusters[Self.key(scope: placed.scope, representative: nearest)]
                if let old { kept.insert(old) }
                cluster = clusters.count
                clusters.append(Cluster(scope: placed.scope, representative: nearest, keptID: old))
                sizes.append(1)
                clusterOf[placed.scope, default: [:]][nearest] = cluster
                made.append(Member(seq: nearest, scope: placed.scope, cluster: cluster, similarity: 1))
                if placed.scope == CampaignText.wholeSubmission { clusteredSubmissions += 1 }
            }
            clusterOf[placed.scope, default: [:]][placed.seq] = cluster
            made.append(Member(seq: placed.seq, scope: placed.scope, cluster: cluster, similarity: min(1, max(0, placed.similarity))))
            sizes[cluster] += 1
            if placed.scope == CampaignText.wholeSubmission { clusteredSubmissions += 1 }
        }
        members = made.sorted { ($0.seq, $0.scope) < ($1.seq, $1.scope) }
        campaigns = clusters.indices.filter {
            clusters[$0].scope == CampaignText.wholeSubmission && sizes[$0] >= minimumSize
        }.count
    }
}

/// One stored free text of a submission as the review reads it.
package struct CampaignTextRow: Sendable {
    package let seq: Int64
    package let field: OpenTextField
    package let text: String
    package let publication: PublicationChoice

    package init(seq: Int64, field: OpenTextField, text: String, publication: PublicationChoice) {
        self.seq = seq
        self.field = field
        self.text = text
        self.publication = publication
    }
}

extension CampaignText {
    /// The campaign text of each submission in `seqs` from its stored free texts: answers and "other"
    /// texts of questions that are not personal, in survey order, separated by blank lines; and
    /// whether its respondent's publication choice lets all of that text appear.
    package static func reviewTexts(of seqs: [Int64], rows: [CampaignTextRow], survey: Survey)
        -> [Int64: (text: String, disclosed: Bool)]
    {
        let order = Dictionary(survey.questions.enumerated().map { ($1.id.rawValue, $0) }, uniquingKeysWith: min)
        var found: [Int64: [(position: Int, text: String, disclosed: Bool)]] = [:]
        for row in rows where row.field.kind != .sector {
            guard let id = row.field.question, let question = survey.question(id), !question.isPersonal else { continue }
            let position = (order[question.id.rawValue] ?? 0) * 2 + (row.field.kind == .other ? 1 : 0)
            found[row.seq, default: []].append((position, row.text, row.publication.disclosesText(of: question)))
        }
        var result: [Int64: (text: String, disclosed: Bool)] = [:]
        for seq in seqs {
            let parts = (found[seq] ?? []).sorted { $0.position < $1.position }
            result[seq] = (parts.map { $0.text }.joined(separator: "\n\n"), parts.allSatisfy { $0.disclosed })
        }
        return result
    }

    /// Whether the stored representative's text (`texts`, read for it alone) may stand for the
    /// cluster; when not, every member's text is read and ``shownRepresentative(of:members:texts:)`` picks.
    package static func storedRepresentativeStands(_ cluster: CampaignCluster, texts: [Int64: (text: String, disclosed: Bool)]) -> Bool {
        cluster.representativeSeq.flatMap { texts[$0] }.map { $0.disclosed && !$0.text.isEmpty } ?? false
    }

    /// The member whose text stands for the cluster (``CampaignRule/shownRepresentative(stored:members:)``)
    /// with that text, from the members' campaign texts; nil when every member's text is withheld.
    package static func shownRepresentative(
        of cluster: CampaignCluster, members: [CampaignMember], texts: [Int64: (text: String, disclosed: Bool)]
    ) -> (seq: Int64, respondent: String, text: String)? {
        let candidates = members.compactMap { member -> CampaignRule.Candidate? in
            // A member who wrote nothing has no text to stand for the cluster.
            guard let text = texts[member.seq] else { return nil }
            return CampaignRule.Candidate(
                seq: member.seq, disclosesText: text.disclosed && !text.text.isEmpty, similarity: member.similarity)
        }
        guard let seq = CampaignRule.shownRepresentative(stored: cluster.representativeSeq, members: candidates),
            let text = texts[seq]?.text, let member = members.first(where: { $0.seq == seq })
        else { return nil }
        return (seq, member.respondent, text)
    }
}

extension CampaignLeftOut {
    /// The submissions the counted-once tables leave out, sorted, from the members of a survey's
    /// confirmed whole-submission clusters (cluster, its stored representative, member): every member
    /// of a cluster of at least `minimumSize` but the one it counts as.
    package static func seqs(
        ofConfirmed rows: [(cluster: Int64, stored: Int64?, seq: Int64)], minimumSize: Int
    ) -> [Int64] {
        var members: [Int64: (stored: Int64?, seqs: [Int64])] = [:]
        for row in rows { members[row.cluster, default: (row.stored, [])].seqs.append(row.seq) }
        var seqs: [Int64] = []
        for (_, cluster) in members where cluster.seqs.count >= minimumSize {
            let counted = CampaignRule.countedMember(stored: cluster.stored, members: cluster.seqs)
            seqs += cluster.seqs.filter { $0 != counted }
        }
        return seqs.sorted()
    }
}
