import ConsultCore
import Foundation

// The campaign roles: look-alike clusters, their review, counting and signals, and their detection. One implementation per engine
// (SQLite: the `SQLite…` types).

/// The clusters of look-alike submissions and their review (confirm, dismiss, split, move).
public protocol CampaignReview: Sendable {
    /// The clusters of `survey` in `scope`, largest first.
    func clusters(of survey: String, scope: String) async throws -> [CampaignCluster]

    /// One cluster of `survey`.
    func cluster(_ id: Int64, of survey: String) async throws -> CampaignCluster

    /// The members of cluster `id`, most similar first (at most ``memberListLimit``).
    func members(of id: Int64, survey: String) async throws -> [CampaignMember]

    /// The campaign text of each submission in `seqs`: its answers and "other" texts of questions
    /// that are not personal, in survey order, separated by blank lines; and whether its
    /// respondent's publication choice lets all of that text appear.
    func texts(of seqs: [Int64], survey: Survey) async throws -> [Int64: (text: String, disclosed: Bool)]

    /// The member whose text may stand for cluster `id` (``CampaignRule/shownRepresentative(stored:members:)``)
    /// with that text; nil when every member's text is withheld.
    func shownRepresentative(of id: Int64, survey: Survey) async throws -> (seq: Int64, respondent: String, text: String)?

    /// Marks cluster `id` confirmed (a campaign the "counted once" tables count once).
    func confirm(_ id: Int64, in survey: String, by reviewer: CampaignReviewer) async throws -> CampaignCluster

    /// Marks cluster `id` dismissed (not a campaign: its members count as any submission).
    func dismiss(_ id: Int64, in survey: String, by reviewer: CampaignReviewer) async throws -> CampaignCluster

    /// Moves the members `respondents` of cluster `id` into a new, unreviewed cluster of the same
    /// scope; at least two must go and at least two stay. Returns the new cluster.
    func split(
        _ id: Int64, members respondents: [String], in survey: String, by reviewer: CampaignReviewer
    ) async throws -> CampaignCluster

    /// Moves member `respondent` of cluster `id` into cluster `target` of the same scope, or out of
    /// every cluster when `target` is nil; the cluster it leaves keeps at least two members.
    func move(
        _ respondent: String, of id: Int64, to target: Int64?, in survey: String, by reviewer: CampaignReviewer
    ) async throws
}

extension CampaignReview {
    public func clusters(of survey: String) async throws -> [CampaignCluster] {
        try await clusters(of: survey, scope: "")
    }
}

/// Campaigns as the analysis counts them.
public protocol CampaignCounting: Sendable {
    /// Clusters of the submissions' free texts together with at least `minimumSize` members, largest first.
    func campaigns(of survey: String, minimumSize: Int) async throws -> [CampaignCluster]

    /// What the counted-once tables leave out of `survey`'s counts: confirmed clusters of at least
    /// `minimumSize` members (campaigns) count as one member each.
    func leftOut(survey: String, minimumSize: Int) async throws -> CampaignLeftOut
}

/// The ballot-stuffing signals of a cluster or a survey.
public protocol CampaignSignalStore: Sendable {
    /// The signals over the members of cluster `cluster` of `survey`.
    func signals(ofCluster cluster: Int64, survey: String) async throws -> StuffingSignals

    /// The address and burst signals over every submission of `survey` (identical closed answers
    /// are compared within campaigns only: over a whole survey they would read every answer).
    func signals(ofSurvey survey: String) async throws -> StuffingSignals
}

/// Places new submissions among look-alikes as they arrive, and rebuilds a survey's clusters.
public protocol CampaignDetector: Sendable {
    /// How many submissions wait in the queue, per survey.
    func pending() async throws -> [String: Int]

    /// Fingerprints and places up to `limit` queued submissions, oldest first, and returns how many it
    /// took off the queue. The fingerprints are computed before the write transaction, which only
    /// looks up and writes.
    func catchUp(at now: Date, limit: Int) async throws -> Int

    /// Clusters every submission of `survey` from scratch (after an upgrade or an import, or when
    /// many are queued): what placing them one by one in order of arrival would give.
    func rebuild(_ survey: Survey, at now: Date) async throws -> CampaignRebuildSummary
}

extension CampaignDetector {
    public func catchUp(at now: Date) async throws -> Int {
        try await catchUp(at: now, limit: 256)
    }
}
