// Position papers (extract): the background text extraction.
import ConsultStore
import Foundation
import Logging
import ServiceLifecycle
import TextExtraction

/// Extracts the text of every stored file that has none yet, one file at a time, and records
/// the text or the reason it failed; the file itself is only read. Started by `consult serve`
/// beside the draft purger: it works through the backlog, then looks again every `interval`.
public struct AttachmentExtractionWorker: Service {
    let consultation: Consultation
    let extractor: TextExtractor
    let logger: Logger
    var interval: Duration = .seconds(5)

    public init(consultation: Consultation, extractor: TextExtractor, logger: Logger, interval: Duration = .seconds(5)) {
        self.consultation = consultation
        self.extractor = extractor
        self.logger = logger
        self.interval = interval
    }

    public func run() async throws {
        let removed = extractor.removeLeftovers()
        if removed > 0 { logger.info("scratch PDFs of an earlier run removed", metadata: ["count": "\(removed)"]) }
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let done = await extractPending()
                if done == 0 { guard (try? await Task.sleep(for: interval)) != nil else { return } }
            }
        }
    }

    /// Extracts up to `limit` pending files; returns how many were recorded. A store failure is logged
    /// and the files stay pending for the next round.
    @discardableResult
    public func extractPending(limit: Int = 20) async -> Int {
        let texts = consultation.database.attachmentTexts
        do {
            var recorded = 0
            for pending in try await texts.pending(limit: limit) {
                guard !Task.isCancelled else { break }
                guard let content = try await texts.content(of: pending.id) else { continue }
                let outcome = await outcome(of: content, kind: pending.kind)
                if case .failed(let reason) = outcome {
                    logger.warning("text extraction failed", metadata: ["attachment": "\(pending.id)", "reason": "\(reason)"])
                }
                if try await texts.record(outcome, for: pending.id, at: consultation.clock.now()) { recorded += 1 }
            }
            return recorded
        } catch is CancellationError {
            // The server is stopping: what was not recorded stays pending for the next start.
            return 0
        } catch {
            logger.error("text extraction could not read or record", metadata: ["error": "\(error)"])
            return 0
        }
    }

    /// Runs the extractor off the cooperative threads (pdftotext may take its whole time limit).
    private func outcome(of content: Data, kind: String) async -> ExtractionOutcome {
        guard let kind = DocumentKind(rawValue: kind) else { return .failed(reason: "Unknown kind \(kind).") }
        let extractor = extractor
        return await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .utility).async {
                do {
                    let text = try extractor.extract(content, kind: kind)
                    continuation.resume(returning: .extracted(text: text.text, pages: text.pages))
                } catch let failure as ExtractionFailure {
                    continuation.resume(returning: .failed(reason: failure.reason))
                } catch {
                    continuation.resume(returning: .failed(reason: "The text could not be extracted (\(error))."))
                }
            }
        }
    }
}
