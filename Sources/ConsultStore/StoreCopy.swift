import Foundation

/// Copies a whole consultation from one store to another (`consult copy`): the source is read on a thread
/// of its own while the target writes, a few batches apart, so memory stays bounded however large it is.
public enum StoreCopy {
    /// Copies everything `source` holds into `target` (which must hold nothing yet) and returns how many
    /// rows each table carried. Blocks the calling thread; nothing is written if anything fails.
    public static func copy(from source: any StoreTransfer, to target: any StoreTransfer) throws -> [String: Int] {
        let pipe = BatchPipe(capacity: 4)
        let reader = Thread {
            do {
                try source.read { batch in try pipe.put(batch) }
                pipe.finish(nil)
            } catch {
                pipe.finish(error)
            }
        }
        reader.start()
        var counts: [String: Int] = [:]
        do {
            try target.write {
                let batch = try pipe.take()
                if let batch { counts[batch.table.name, default: 0] += batch.rows.count }
                return batch
            }
        } catch {
            pipe.abandon()
            pipe.waitForReader()
            throw error
        }
        pipe.waitForReader()
        return counts
    }
}

/// A bounded queue of batches between the reading thread and the writing one.
private final class BatchPipe: @unchecked Sendable {
    // Every field is read and written under `condition`.
    private let condition = NSCondition()
    private var batches: [TransferBatch] = []
    private var finished = false
    private var failure: (any Error)?
    private var abandoned = false
    private var readerDone = false
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Hands a batch over, waiting while the writer is `capacity` batches behind.
    func put(_ batch: TransferBatch) throws {
        condition.lock()
        defer { condition.unlock() }
        while batches.count >= capacity && !abandoned { condition.wait() }
        if abandoned { throw CopyAbandoned() }
        batches.append(batch)
        condition.broadcast()
    }

    /// The reader is done, with the error that stopped it if any.
    func finish(_ error: (any Error)?) {
        condition.lock()
        finished = true
        failure = error
        readerDone = true
        condition.broadcast()
        condition.unlock()
    }

    /// The next batch, nil after the last; rethrows the reader's error.
    func take() throws -> TransferBatch? {
        condition.lock()
        defer { condition.unlock() }
        while batches.isEmpty && !finished { condition.wait() }
        if let failure { throw failure }
        guard !batches.isEmpty else { return nil }
        let batch = batches.removeFirst()
        condition.broadcast()
        return batch
    }

    /// The writer failed: the reader stops at its next batch.
    func abandon() {
        condition.lock()
        abandoned = true
        condition.broadcast()
        condition.unlock()
    }

    func waitForReader() {
        condition.lock()
        while !readerDone { condition.wait() }
        condition.unlock()
    }
}

/// The writer failed; the reader stops.
private struct CopyAbandoned: Error {}
