import ConsultStore
import Foundation
import Logging
import ServiceLifecycle

/// Deletes expired drafts (see ``DraftLimits``) every `interval`, until the service group
/// shuts down. (`consult serve` also purges once before it starts serving.)
struct DraftPurger: Service {
    let consultation: Consultation
    let logger: Logger
    var interval: Duration = .seconds(3_600)

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                guard (try? await Task.sleep(for: interval)) != nil else { return }
                await purgeOnce()
            }
        }
    }

    /// One purge at the consultation's clock's present; a failure is logged and retried next time.
    func purgeOnce() async {
        do {
            let purged = try await consultation.database.purgeExpiredDrafts(
                of: consultation.surveys, at: consultation.clock.now(), limits: consultation.draftLimits)
            if purged > 0 { logger.info("expired drafts purged", metadata: ["count": "\(purged)"]) }
            // Position papers: staged uploads no submission took live as long as a draft.
            let files = try await consultation.database.attachmentStore.purgeStaged(
                olderThan: consultation.draftLimits.untouchedLifetime, at: consultation.clock.now())
            if files > 0 { logger.info("unbound uploads purged", metadata: ["count": "\(files)"]) }
        } catch {
            logger.error("purging expired drafts failed", metadata: ["error": "\(error)"])
        }
    }
}
