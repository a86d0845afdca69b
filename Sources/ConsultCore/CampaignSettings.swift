/// How a survey finds campaigns among its submissions (the survey file's `campaigns` mapping).
public struct CampaignSettings: Sendable, Hashable {
    /// The estimated Jaccard similarity of word shingles (0...1) at or above which a text joins the
    /// cluster of an earlier look-alike.
    public let similarity: Double
    /// The members a cluster needs to count as a campaign (at least 2).
    public let minimumSize: Int

    /// The default threshold, chosen with `Scripts/benchmark-campaigns.sh` (see BENCHMARKS.md).
    public static let defaultSimilarity = 0.25
    public static let defaultMinimumSize = 5
    /// What a survey file without `campaigns` gets.
    public static let standard = CampaignSettings(similarity: defaultSimilarity, minimumSize: defaultMinimumSize)

    public init(similarity: Double, minimumSize: Int) {
        self.similarity = similarity
        self.minimumSize = minimumSize
    }
}
