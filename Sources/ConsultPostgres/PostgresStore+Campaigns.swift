import ConsultCore
import ConsultStore
import Foundation
import Logging
import PostgresNIO

// campaigns: the campaign roles on PostgreSQL, the storing transaction's hook and what the campaign
// types share (the survey's campaign lock, the free texts as the detector and the review read them).
extension PostgresStore {
    /// campaigns: the clusters of look-alike submissions and their review.
    public var campaignReview: any CampaignReview { PostgresCampaignReview(store: self) }

    /// campaigns: the campaigns table and the counted-once figures of the analysis.
    public var campaignCounting: any CampaignCounting { PostgresCampaignCounting(store: self) }

    /// campaigns: the signals of ballot stuffing.
    public var campaignSignals: any CampaignSignalStore { PostgresCampaignSignalStore(store: self) }

    /// campaigns: places new submissions among look-alikes (one per node: each keeps its index in memory).
    public func campaignDetector(surveys: [Survey]) -> any CampaignDetector {
        PostgresCampaignDetector(store: self, surveys: surveys)
    }

    /// Queues submission `seq` at `version` for the campaign detector, in the transaction that stores
    /// or edits it (as the SQLite store's triggers do): a submission is never stored unqueued.
    func queueForCampaigns(_ seq: Int64, version: Int, on connection: PostgresConnection) async throws {
        try await connection.run(
            """
            INSERT INTO near_duplicate_queue (submission_seq, version) VALUES (\(seq), \(Int64(version)))
            ON CONFLICT (submission_seq) DO UPDATE SET version = excluded.version
            """, logger: logger)
    }

    /// Takes the campaign lock of `survey` until the transaction ends. Everything that changes a
    /// survey's fingerprints, clusters or members (placing, rebuilding, reviewing) holds it, on every
    /// node: they run one after the other as under SQLite's single writer, and a detector holding it
    /// sees every change made before. Storing submissions never takes it.
    func lockCampaigns(of survey: String, on connection: PostgresConnection) async throws {
        try await connection.run("SELECT pg_advisory_xact_lock(\(Self.campaignLockSpace), hashtext(\(survey)))", logger: logger)
    }

    /// The first key of the campaign locks ("CAMP"); the second is the hash of the survey id (two
    /// surveys sharing a hash only wait for each other).
    static let campaignLockSpace: Int32 = 0x4341_4D50

    /// A stored free text (an answer to a text question, or an "other" text) as its field.
    static func openTextField(question: String, isOther: Bool) -> OpenTextField? {
        OpenTextField(storedQuestion: question, kind: isOther ? OpenTextField.Kind.other.rawValue : OpenTextField.Kind.answer.rawValue)
    }
}
