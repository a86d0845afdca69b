// campaigns: the analysts' review of look-alike clusters (confirm, dismiss, split, move a member).
import ConsultCore
import Foundation
import GRDB

/// An analyst's verdict on a cluster; the detector never changes it.
public enum CampaignReviewState: String, Sendable, Hashable, CaseIterable {
    case unreviewed, confirmed, dismissed
}

/// One cluster of look-alike submissions with what the campaigns page and table show of it.
public struct CampaignCluster: Sendable, Hashable {
    public let id: Int64
    public let surveyID: String
    /// '' for the submissions' free texts together, else the question id whose texts were compared.
    public let scope: String
    /// The detector's representative member.
    public let representativeSeq: Int64?
    public let review: CampaignReviewState
    public let reviewedAt: Date?
    public let createdAt: Date
    public let size: Int
    public let firstReceived: Date?
    public let lastReceived: Date?
    /// Members per final sector and per country ('' for none).
    public let sectors: [String: Int]
    public let countries: [String: Int]

    /// campaigns: also made by the PostgreSQL engine.
    package init(id: Int64, surveyID: String, scope: String, representativeSeq: Int64?, review: CampaignReviewState, reviewedAt: Date?, createdAt: Date, size: Int, firstReceived: Date?, lastReceived: Date?, sectors: [String: Int], countries: [String: Int]) {
        self.id = id
        self.surveyID = surveyID
        self.scope = scope
        self.representativeSeq = representativeSeq
        self.review = review
        self.reviewedAt = reviewedAt
        self.createdAt = createdAt
        self.size = size
        self.firstReceived = firstReceived
        self.lastReceived = lastReceived
        self.sectors = sectors
        self.countries = countries
    }
}

/// One member of a cluster.
public struct CampaignMember: Sendable, Hashable {
    public let seq: Int64
    /// The pseudonymous respondent id exports and pages show.
    public let respondent: String
    public let similarity: Double
    /// Whether an analyst placed it (moved it or split it off): the detector leaves it there.
    public let placedByAnalyst: Bool
    public let finalSector: String
    public let country: String?
    public let publication: PublicationChoice
    public let receivedAt: Date

    /// campaigns: also made by the PostgreSQL engine.
    package init(seq: Int64, respondent: String, similarity: Double, placedByAnalyst: Bool, finalSector: String, country: String?, publication: PublicationChoice, receivedAt: Date) {
        self.seq = seq
        self.respondent = respondent
        self.similarity = similarity
        self.placedByAnalyst = placedByAnalyst
        self.finalSector = finalSector
        self.country = country
        self.publication = publication
        self.receivedAt = receivedAt
    }
}

/// Why a review action was refused; nothing was changed.
public enum CampaignRefusal: Error, StoreRefusal, Hashable {
    case unknownCluster(Int64)
    case unknownMember(String)
    /// A field is not acceptable, with a sentence saying why.
    case invalid(field: String, message: String)
    /// The action would break a rule of clusters (e.g. leave one with a single member).
    case conflict(String)
    /// Placing members needs a reviewer with a role token (the rows record it).
    case noReviewer

    public var message: String {
        switch self {
        case .unknownCluster(let id): "There is no cluster \(id) in this survey."
        case .unknownMember(let respondent): "Respondent \(respondent) is not a member of this cluster."
        case .invalid(_, let message), .conflict(let message): message
        case .noReviewer: "Only a holder of an analyst or organizer token can place members of clusters."
        }
    }
}

/// Who reviews, when and why: every review action is audited with these.
public struct CampaignReviewer: Sendable {
    public let tokenID: Int64?
    public let actor: String
    public let reason: AuditReason
    public let at: Date

    public init(tokenID: Int64?, actor: String, reason: AuditReason, at: Date) {
        self.tokenID = tokenID
        self.actor = actor
        self.reason = reason
        self.at = at
    }
}

/// The clusters of a survey and the analysts' review of them. Each action is one transaction and
/// one `audit_entry` (actions `campaign.confirmed`, `campaign.dismissed`, `campaign.split`,
/// `campaign.member-moved`) naming the actor, the cluster and the reason.
public struct SQLiteCampaignReview: CampaignReview {
    let database: ConsultDatabase

    /// The clusters of `survey` in `scope`, largest first.
    public func clusters(of survey: String, scope: String = "") async throws -> [CampaignCluster] {
        try await database.pool.read { db in try Self.clusters(of: survey, scope: scope, only: nil, in: db) }
    }

    /// One cluster of `survey`.
    public func cluster(_ id: Int64, of survey: String) async throws -> CampaignCluster {
        try await database.pool.read { db in try Self.cluster(id, of: survey, in: db) }
    }

    /// The members of cluster `id`, most similar first (at most ``memberListLimit``).
    public func members(of id: Int64, survey: String) async throws -> [CampaignMember] {
        try await database.pool.read { db in
            _ = try Self.cluster(id, of: survey, in: db)
            return try Self.members(of: id, limit: CampaignCluster.memberListLimit, pseudonyms: database.pseudonyms, in: db)
        }
    }

    /// The campaign text of each submission in `seqs`: its answers and "other" texts of questions
    /// that are not personal, in survey order, separated by blank lines; and whether its
    /// respondent's publication choice lets all of that text appear.
    public func texts(of seqs: [Int64], survey: Survey) async throws -> [Int64: (text: String, disclosed: Bool)] {
        try await database.pool.read { db in try Self.texts(of: seqs, survey: survey, in: db) }
    }

    /// The member whose text may stand for cluster `id` (``CampaignRule/shownRepresentative(stored:members:)``)
    /// with that text; nil when every member's text is withheld.
    public func shownRepresentative(of id: Int64, survey: Survey) async throws -> (seq: Int64, respondent: String, text: String)? {
        try await database.pool.read { db in
            let cluster = try Self.cluster(id, of: survey.id.rawValue, in: db)
            return try Self.shownRepresentative(of: cluster, survey: survey, pseudonyms: database.pseudonyms, in: db)
        }
    }

    // MARK: Actions

    /// Marks cluster `id` confirmed (a campaign the "counted once" tables count once).
    public func confirm(_ id: Int64, in survey: String, by reviewer: CampaignReviewer) async throws -> CampaignCluster {
        try await setReview(.confirmed, of: id, in: survey, by: reviewer)
    }

    /// Marks cluster `id` dismissed (not a campaign: its members count as any submission).
    public func dismiss(_ id: Int64, in survey: String, by reviewer: CampaignReviewer) async throws -> CampaignCluster {
        try await setReview(.dismissed, of: id, in: survey, by: reviewer)
    }

    private func setReview(
        _ state: CampaignReviewState, of id: Int64, in survey: String, by reviewer: CampaignReviewer
    ) async throws -> CampaignCluster {
        try await database.pool.write { db in
            let before = try Self.cluster(id, of: survey, in: db)
            try db.execute(
                sql: "UPDATE campaign_cluster SET review = ?, reviewed_at_ms = ?, reviewed_by = ? WHERE id = ?",
                arguments: [state.rawValue, reviewer.at.milliseconds, reviewer.tokenID, id])
            try audit("campaign.\(state.rawValue)", cluster: id, survey: survey, old: before.review.rawValue,
                new: state.rawValue, reviewer, in: db)
            return try Self.cluster(id, of: survey, in: db)
        }
    }

    /// Moves the members `respondents` of cluster `id` into a new, unreviewed cluster of the same
    /// scope; at least two must go and at least two stay. Returns the new cluster.
    public func split(
        _ id: Int64, members respondents: [String], in survey: String, by reviewer: CampaignReviewer
    ) async throws -> CampaignCluster {
        guard let tokenID = reviewer.tokenID else { throw CampaignRefusal.noReviewer }
        return try await database.pool.write { db in
            let cluster = try Self.cluster(id, of: survey, in: db)
            let seqs = try Array(Set(respondents)).map { try Self.member($0, of: id, in: db) }.sorted()
            guard seqs.count >= 2, cluster.size - seqs.count >= 2 else {
                throw CampaignRefusal.conflict(
                    "A split moves at least 2 members and leaves at least 2 (this cluster has \(cluster.size)); "
                        + "move a single member out instead.")
            }
            try db.execute(
                sql: """
                    INSERT INTO campaign_cluster (survey_id, scope, representative_seq, review, created_at_ms)
                    VALUES (?, ?, ?, 'unreviewed', ?)
                    """,
                arguments: [survey, cluster.scope, seqs[0], reviewer.at.milliseconds])
            let newID = db.lastInsertedRowID
            for seq in seqs {
                try db.execute(
                    sql: "UPDATE campaign_member SET cluster_id = ?, placed_by = ? WHERE submission_seq = ? AND scope = ?",
                    arguments: [newID, tokenID, seq, cluster.scope])
            }
            try Self.keepRepresentative(of: cluster, in: db)
            try audit("campaign.split", cluster: id, survey: survey, old: "\(cluster.size) members",
                new: "cluster \(newID): " + Set(respondents).sorted().joined(separator: " "), reviewer, in: db)
            return try Self.cluster(newID, of: survey, in: db)
        }
    }

    /// Moves member `respondent` of cluster `id` into cluster `target` of the same scope, or out of
    /// every cluster when `target` is nil; the cluster it leaves keeps at least two members.
    public func move(
        _ respondent: String, of id: Int64, to target: Int64?, in survey: String, by reviewer: CampaignReviewer
    ) async throws {
        guard let tokenID = reviewer.tokenID else { throw CampaignRefusal.noReviewer }
        try await database.pool.write { db in
            let cluster = try Self.cluster(id, of: survey, in: db)
            let seq = try Self.member(respondent, of: id, in: db)
            if let target {
                let destination = try Self.cluster(target, of: survey, in: db)
                guard destination.scope == cluster.scope, target != id else {
                    throw CampaignRefusal.invalid(
                        field: "to", message: "Move a member to another cluster of the same texts (scope), not to its own.")
                }
            }
            guard cluster.size > 2 else {
                throw CampaignRefusal.conflict(
                    "Cluster \(id) has only 2 members; a cluster keeps at least 2. Dismiss it instead.")
            }
            try db.execute(
                sql: "UPDATE campaign_member SET cluster_id = ?, placed_by = ? WHERE submission_seq = ? AND scope = ?",
                arguments: [target, tokenID, seq, cluster.scope])
            try Self.keepRepresentative(of: cluster, in: db)
            try audit("campaign.member-moved", cluster: id, survey: survey, old: "cluster \(id): \(respondent)",
                new: target.map { "cluster \($0): \(respondent)" } ?? "no cluster: \(respondent)", reviewer, in: db)
        }
    }

    private func audit(
        _ action: String, cluster: Int64, survey: String, old: String, new: String, _ reviewer: CampaignReviewer, in db: Database
    ) throws {
        try database.appendAudit(AuditRecord(
            at: reviewer.at, actor: reviewer.actor, action: action, surveyID: survey, subject: "campaign-cluster:\(cluster)",
            oldValue: old, newValue: new, reason: reviewer.reason.text), in: db)
    }

    // MARK: Reading

    static func clusters(of survey: String, scope: String?, only id: Int64?, in db: Database) throws -> [CampaignCluster] {
        var conditions = ["c.survey_id = ?"]
        var arguments: StatementArguments = [survey]
        if let scope { conditions.append("c.scope = ?"); arguments += [scope] }
        if let id { conditions.append("c.id = ?"); arguments += [id] }
        let filter = conditions.joined(separator: " AND ")
        var sectors: [Int64: [String: Int]] = [:], countries: [Int64: [String: Int]] = [:]
        let groups = try Row.fetchCursor(db, sql: """
            SELECT c.id, s.final_sector, ifnull(s.country, ''), count(*) FROM campaign_cluster c
            JOIN campaign_member m ON m.cluster_id = c.id JOIN submission s ON s.seq = m.submission_seq
            WHERE \(filter) GROUP BY 1, 2, 3
            """, arguments: arguments)
        while let row = try groups.next() {
            let cluster: Int64 = row[0], count: Int = row[3]
            sectors[cluster, default: [:]][row[1] as String, default: 0] += count
            countries[cluster, default: [:]][row[2] as String, default: 0] += count
        }
        return try Row.fetchAll(db, sql: """
            SELECT c.id, c.survey_id, c.scope, c.representative_seq, c.review, c.reviewed_at_ms, c.created_at_ms,
                count(s.seq) AS size, min(s.received_at_ms) AS first_ms, max(s.received_at_ms) AS last_ms
            FROM campaign_cluster c LEFT JOIN campaign_member m ON m.cluster_id = c.id
            LEFT JOIN submission s ON s.seq = m.submission_seq
            WHERE \(filter) GROUP BY c.id ORDER BY size DESC, c.id
            """, arguments: arguments
        ).map { row in
            let id: Int64 = row["id"]
            return CampaignCluster(
                id: id, surveyID: row["survey_id"], scope: row["scope"], representativeSeq: row["representative_seq"],
                review: CampaignReviewState(rawValue: row["review"]) ?? .unreviewed,
                reviewedAt: (row["reviewed_at_ms"] as Int64?).map(Date.init(milliseconds:)),
                createdAt: Date(milliseconds: row["created_at_ms"]), size: row["size"],
                firstReceived: (row["first_ms"] as Int64?).map(Date.init(milliseconds:)),
                lastReceived: (row["last_ms"] as Int64?).map(Date.init(milliseconds:)),
                sectors: sectors[id] ?? [:], countries: countries[id] ?? [:])
        }
    }

    static func cluster(_ id: Int64, of survey: String, in db: Database) throws -> CampaignCluster {
        guard let cluster = try clusters(of: survey, scope: nil, only: id, in: db).first else {
            throw CampaignRefusal.unknownCluster(id)
        }
        return cluster
    }

    /// Members with their pseudonyms made from the submission ids (the lookup table is keyed by
    /// pseudonym, so reading it by submission would scan it).
    static func members(of id: Int64, limit: Int?, pseudonyms: Pseudonymizer, in db: Database) throws -> [CampaignMember] {
        try Row.fetchAll(db, sql: """
            SELECT s.seq, s.id, m.similarity, m.placed_by, s.final_sector, s.country, s.publication, s.received_at_ms
            FROM campaign_member m JOIN submission s ON s.seq = m.submission_seq
            WHERE m.cluster_id = ? ORDER BY m.similarity DESC, s.seq \(limit.map { "LIMIT \($0)" } ?? "")
            """, arguments: [id]
        ).map { row in
            CampaignMember(
                seq: row["seq"], respondent: pseudonyms.pseudonym(for: row["id"]), similarity: row["similarity"],
                placedByAnalyst: (row["placed_by"] as Int64?) != nil, finalSector: row["final_sector"], country: row["country"],
                publication: PublicationChoice(stored: row["publication"]), receivedAt: Date(milliseconds: row["received_at_ms"]))
        }
    }

    /// The seq of member `respondent` of cluster `id`.
    static func member(_ respondent: String, of id: Int64, in db: Database) throws -> Int64 {
        guard let seq = try Int64.fetchOne(db, sql: """
            SELECT m.submission_seq FROM respondent_pseudonym p JOIN campaign_member m ON m.submission_seq = p.submission_seq
            WHERE p.pseudonym = ? AND m.cluster_id = ?
            """, arguments: [respondent, id])
        else { throw CampaignRefusal.unknownMember(respondent) }
        return seq
    }

    /// Points the cluster at a remaining member when its representative left it.
    static func keepRepresentative(of cluster: CampaignCluster, in db: Database) throws {
        try db.execute(sql: """
            UPDATE campaign_cluster SET representative_seq = (
                SELECT submission_seq FROM campaign_member WHERE cluster_id = ?1 ORDER BY similarity DESC, submission_seq LIMIT 1)
            WHERE id = ?1 AND (representative_seq IS NULL OR representative_seq NOT IN
                (SELECT submission_seq FROM campaign_member WHERE cluster_id = ?1))
            """, arguments: [cluster.id])
    }

    static func texts(of seqs: [Int64], survey: Survey, in db: Database) throws -> [Int64: (text: String, disclosed: Bool)] {
        guard !seqs.isEmpty else { return [:] }
        var rows: [CampaignTextRow] = []
        for chunk in stride(from: 0, to: seqs.count, by: 500).map({ Array(seqs[$0..<min($0 + 500, seqs.count)]) }) {
            let marks = chunk.map { _ in "?" }.joined(separator: ",")
            for row in try Row.fetchAll(db, sql: """
                SELECT o.submission_seq, o.question, o.kind, \(ExactText.select("o.text")) AS bytes, s.publication
                FROM open_text o JOIN submission s ON s.seq = o.submission_seq
                WHERE o.submission_seq IN (\(marks)) AND o.kind IN ('answer', 'other')
                """, arguments: StatementArguments(chunk))
            {
                guard let field = OpenTextField(storedQuestion: row["question"], kind: row["kind"]),
                    let text = ExactText.decode(row["bytes"])
                else { continue }
                rows.append(CampaignTextRow(
                    seq: row["submission_seq"], field: field, text: text, publication: PublicationChoice(stored: row["publication"])))
            }
        }
        return CampaignText.reviewTexts(of: seqs, rows: rows, survey: survey)
    }

    static func shownRepresentative(of cluster: CampaignCluster, survey: Survey, pseudonyms: Pseudonymizer, in db: Database) throws
        -> (seq: Int64, respondent: String, text: String)?
    {
        let members = try Self.members(of: cluster.id, limit: nil, pseudonyms: pseudonyms, in: db)
        // The detector's representative is read first: usually it may stand, and the other
        // members' texts need not be read.
        var texts: [Int64: (text: String, disclosed: Bool)] = [:]
        if let stored = cluster.representativeSeq, members.contains(where: { $0.seq == stored }) {
            texts = try Self.texts(of: [stored], survey: survey, in: db)
        }
        if !CampaignText.storedRepresentativeStands(cluster, texts: texts) {
            texts = try Self.texts(of: members.map(\.seq), survey: survey, in: db)
        }
        return CampaignText.shownRepresentative(of: cluster, members: members, texts: texts)
    }
}

extension ConsultDatabase {
    /// campaigns: the clusters of look-alike submissions and their review.
    public var campaignReview: any CampaignReview { SQLiteCampaignReview(database: self) }
}

extension CampaignCluster {
    /// The most members a listing returns (the size counts them all).
    public static let memberListLimit = 500
}
