/// When a cluster of look-alike submissions is a campaign, and how the analysis counts one.
///
/// "Counted once": the analysis's `…_counted_once` tables count each campaign an analyst
/// confirmed (a cluster of the submissions' free texts together, review `confirmed`) as its
/// representative submission alone; every other member of it is left out of those tables.
/// Unreviewed and dismissed clusters, and members an analyst took out, count as usual. Nothing
/// is ever dropped from the "every submission" tables or the raw export.
public enum CampaignRule {
    /// The fewest members a cluster needs to be a campaign: the survey file's `campaigns.minimum_size`
    /// (5 when the file does not say).
    public static func minimumSize(of survey: Survey) -> Int {
        survey.campaigns.minimumSize
    }
}

extension CampaignRule {
    /// A member of a cluster as the representative rules see it.
    public struct Candidate: Sendable, Hashable {
        public let seq: Int64
        /// Whether the publication rule lets every text of its campaign text appear
        /// (``PublicationChoice/disclosesText(of:)`` for each question it answered).
        public let disclosesText: Bool
        public let similarity: Double

        public init(seq: Int64, disclosesText: Bool, similarity: Double) {
            self.seq = seq
            self.disclosesText = disclosesText
            self.similarity = similarity
        }
    }

    /// The member whose text stands for the cluster on pages and in exports: the detector's
    /// representative when its respondent lets its text appear, else the most similar member
    /// (then the earliest) whose text may appear; nil when every member asked for confidentiality,
    /// and the representative text is then withheld.
    public static func shownRepresentative(stored: Int64?, members: [Candidate]) -> Int64? {
        let showable = members.filter(\.disclosesText)
        if let stored, showable.contains(where: { $0.seq == stored }) { return stored }
        return showable.min { ($1.similarity, $0.seq) < ($0.similarity, $1.seq) }?.seq
    }

    /// The one member a confirmed campaign counts as in the "counted once" tables: the detector's
    /// representative while it is still a member, else the earliest member.
    public static func countedMember(stored: Int64?, members: [Int64]) -> Int64? {
        if let stored, members.contains(stored) { return stored }
        return members.min()
    }
}
