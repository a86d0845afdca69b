import ConsultStore
import Foundation
import Logging
import ServiceLifecycle

/// Keeps the campaign clusters current in the background (`consult serve` starts it): every
/// `interval` it places the submissions stored or edited since, so a new or edited submission is in
/// its cluster within about a second, and the request that stored it never waits for the detector.
/// A survey with many queued submissions (existing data, a bulk import) is clustered from scratch.
struct CampaignWorker: Service {
    let consultation: Consultation
    let detector: CampaignDetector
    let logger: Logger
    /// When placements happen. Not the consultation's clock on purpose: the worker reads time on its
    /// own schedule, and readings of the request clock belong to the requests (a test's manual clock
    /// advances at each reading).
    let clock: any InstantSource
    var interval: Duration = .milliseconds(200)
    /// The most submissions placed in one write transaction.
    static let batch = 64

    init(
        consultation: Consultation, logger: Logger, clock: any InstantSource = SystemInstantSource(),
        interval: Duration = .milliseconds(200)
    ) {
        self.clock = clock
        self.consultation = consultation
        detector = consultation.database.campaignDetector(surveys: consultation.surveys)
        self.logger = logger
        self.interval = interval
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await passOnce()
                guard (try? await Task.sleep(for: interval)) != nil else { return }
            }
        }
    }

    /// Rebuilds the surveys with a long queue, then drains the queue; a failure is logged and retried next time.
    func passOnce() async {
        do {
            for (surveyID, count) in try await detector.pending().sorted(by: { $0.key < $1.key })
            where count >= CampaignQueue.bulkThreshold {
                guard let survey = consultation.surveys.first(where: { $0.id.rawValue == surveyID }) else { continue }
                let summary = try await detector.rebuild(survey, at: clock.now())
                logger.info("campaign clusters rebuilt", metadata: [
                    "survey": "\(surveyID)", "submissions": "\(summary.submissions)", "clusters": "\(summary.clusters)",
                ])
            }
            // Passes follow one another only while a backlog fills them; otherwise the worker waits its
            // interval, so under load it writes (and fsyncs) at most a few times a second.
            while !Task.isCancelled, try await detector.catchUp(at: clock.now(), limit: Self.batch) == Self.batch {}
        } catch {
            logger.error("placing submissions in campaign clusters failed", metadata: ["error": "\(error)"])
        }
    }
}
