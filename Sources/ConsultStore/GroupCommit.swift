import Foundation
import GRDB
import Synchronization

/// Group commit: the submissions waiting to be written are stored together in one
/// transaction, so that one fsync acknowledges them all, while each keeps its own answer.
///
/// A caller's work runs inside its own savepoint of the shared transaction: a failure of
/// one (a constraint, say) rolls back that one alone and reaches only its caller. Every
/// caller is answered only after the transaction has committed (with `synchronous=FULL`,
/// after the fsync); if the commit fails, every caller of the batch gets the error and
/// nothing of the batch is stored. Batches follow one another: while one commits, the next
/// gathers, so under load the batches grow by themselves and a lone request waits for no one.
final class GroupCommitter: Sendable {
    typealias Work = @Sendable (Database) throws -> Committed

    /// What a job stored: the answer for its caller, and its changes to the tallies.
    struct Committed {
        let outcome: SubmissionOutcome
        var tallies = TallyDelta()
    }

    private struct Job {
        let work: Work
        let continuation: CheckedContinuation<SubmissionOutcome, any Error>
    }

    private let writer: DatabasePool
    /// The waiting jobs, and whether a drain is under way.
    private let state = Mutex<(waiting: [Job], draining: Bool)>(([], false))
    /// The most a batch holds, so that no transaction grows without bound.
    static let maximumBatch = 512

    init(writer: DatabasePool) {
        self.writer = writer
    }

    /// Runs `work` in the next batch's transaction and returns its outcome once that batch is committed.
    func perform(_ work: @escaping Work) async throws -> SubmissionOutcome {
        try await withCheckedThrowingContinuation { continuation in
            let startDrain = state.withLock { state in
                state.waiting.append(Job(work: work, continuation: continuation))
                guard !state.draining else { return false }
                state.draining = true
                return true
            }
            if startDrain { Task { await self.drain() } }
        }
    }

    private func drain() async {
        while true {
            let batch = state.withLock { state -> [Job] in
                let batch = Array(state.waiting.prefix(Self.maximumBatch))
                state.waiting.removeFirst(batch.count)
                if batch.isEmpty { state.draining = false }
                return batch
            }
            if batch.isEmpty { return }
            let works = batch.map(\.work)
            do {
                let results = try await writer.write { db in
                    var tallies = TallyDelta()
                    let results = works.map { work -> Result<SubmissionOutcome, any Error> in
                        do {
                            var committed: Committed?
                            try db.inSavepoint {
                                committed = try work(db)
                                return .commit
                            }
                            guard let committed else { throw DatabaseError(resultCode: .SQLITE_INTERNAL) }
                            tallies.add(committed.tallies)
                            return .success(committed.outcome)
                        } catch {
                            return .failure(error)
                        }
                    }
                    try tallies.apply(in: db)
                    return results
                }
                for (job, result) in zip(batch, results) { job.continuation.resume(with: result) }
            } catch {
                for job in batch { job.continuation.resume(throwing: error) }
            }
        }
    }
}
