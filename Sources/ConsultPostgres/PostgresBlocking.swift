import Foundation
import Logging
import PostgresNIO

// The export writers read the store synchronously, on threads of their own (a file is written as its rows
// arrive). PostgresNIO is asynchronous; this bridge holds one pooled connection for the whole read and
// blocks the writer's thread on each round trip, never a thread of Swift's cooperative pool.

extension PostgresStore {
    /// Runs `body` on one connection inside a `REPEATABLE READ, READ ONLY` transaction, so that every read
    /// through the session sees the same rows however many passes it makes. Blocks the calling thread
    /// for as long as `body` runs: call it off Swift's cooperative threads (as the export writers do).
    public func blockingSnapshot<T>(_ body: (PostgresBlockingSession) throws -> T) throws -> T {
        try blockingTransaction(begin: "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", body)
    }

    /// Runs `body` in one read-write transaction on one connection, committed when it returns and rolled
    /// back when it throws. Blocks the calling thread, like ``blockingSnapshot(_:)`` (`consult copy` writes so).
    public func blockingTransaction<T>(_ body: (PostgresBlockingSession) throws -> T) throws -> T {
        try blockingTransaction(begin: "BEGIN", body)
    }

    private func blockingTransaction<T>(begin: PostgresQuery, _ body: (PostgresBlockingSession) throws -> T) throws -> T {
        let lease = try ConnectionLease(client)
        defer { lease.release() }
        let session = PostgresBlockingSession(connection: lease.connection, logger: logger)
        try session.execute(begin)
        let result: T
        do {
            result = try body(session)
        } catch {
            // The error that matters is the body's; a connection that is gone is closed by the pool.
            try? session.execute("ROLLBACK")
            throw error
        }
        try session.execute("COMMIT")
        return result
    }
}

/// One connection inside a read transaction, used from a blocking thread (see ``PostgresStore/blockingSnapshot(_:)``).
public final class PostgresBlockingSession {
    let connection: PostgresConnection
    let logger: Logger
    private var cursors = 0

    init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    /// Runs `query` for its effect.
    public func execute(_ query: PostgresQuery) throws {
        let (connection, logger) = (connection, logger)
        try blocking { try await connection.run(query, logger: logger) }
    }

    /// Every row of `query`, decoded as `type`: for results known to be small (use ``forEach(_:as:batch:_:)`` otherwise).
    public func all<each Column: PostgresDecodable>(
        _ query: PostgresQuery, as type: (repeat each Column).Type
    ) throws -> [(repeat each Column)] {
        let rows = try fetch(query)
        return try rows.map { try $0.decode((repeat each Column).self) }
    }

    /// The first row of `query` decoded as `type`, or nil.
    public func first<each Column: PostgresDecodable>(
        _ query: PostgresQuery, as type: (repeat each Column).Type
    ) throws -> (repeat each Column)? {
        guard let row = try fetch(query).first else { return nil }
        return try row.decode((repeat each Column).self)
    }

    /// Streams the rows of `query` to `body` in order, `batch` rows at a time through a server-side
    /// cursor: memory stays bounded however many rows there are. Decode each with `row.decode((A, B).self)`.
    public func forEach(_ query: PostgresQuery, batch: Int = 2_000, _ body: (PostgresRow) throws -> Void) throws {
        cursors += 1
        let name = "consult_cursor_\(cursors)"
        try execute(PostgresQuery(unsafeSQL: "DECLARE \(name) NO SCROLL CURSOR FOR " + query.sql, binds: query.binds))
        while true {
            let rows = try fetch(PostgresQuery(unsafeSQL: "FETCH FORWARD \(max(batch, 1)) FROM \(name)"))
            for row in rows { try body(row) }
            if rows.count < batch { break }
        }
        try execute(PostgresQuery(unsafeSQL: "CLOSE \(name)"))
    }

    private func fetch(_ query: PostgresQuery) throws -> [PostgresRow] {
        let (connection, logger) = (connection, logger)
        return try blocking {
            var rows: [PostgresRow] = []
            for try await row in try await connection.query(query, logger: logger) { rows.append(row) }
            return rows
        }
    }
}

/// Runs `operation` to its end and returns its result, blocking the calling thread meanwhile.
private func blocking<T>(_ operation: @escaping @Sendable () async throws -> T) throws -> T {
    let handoff = Handoff<Result<T, any Error>>()
    Task(executorPreference: BridgeExecutor.shared) {
        do { handoff.put(.success(try await operation())) } catch { handoff.put(.failure(error)) }
    }
    return try handoff.take().get()
}

/// One value handed from a task to a waiting thread.
private final class Handoff<Value>: @unchecked Sendable {
    // The value is written once by the task, then read by the thread after the signal.
    private var value: Value?
    private let ready = DispatchSemaphore(value: 0)

    func put(_ value: Value) {
        self.value = value
        ready.signal()
    }

    func take() -> Value {
        ready.wait()
        return value!
    }
}

/// A pooled connection held by a task until it is released, for a thread that works with it meanwhile.
private final class ConnectionLease: Sendable {
    let connection: PostgresConnection
    private let released: DispatchSemaphore
    private let finished: DispatchSemaphore

    init(_ client: PostgresClient) throws {
        let handed = Handoff<Result<PostgresConnection, any Error>>()
        let (released, finished) = (DispatchSemaphore(value: 0), DispatchSemaphore(value: 0))
        (self.released, self.finished) = (released, finished)
        Task(executorPreference: BridgeExecutor.shared) {
            do {
                try await client.withConnection { connection in
                    handed.put(.success(connection))
                    // Held until the thread is done; waiting here ties up one thread of the pool only
                    // while an export reads, so it is done on a thread of its own.
                    await withCheckedContinuation { continuation in
                        DispatchQueue.global().async {
                            released.wait()
                            continuation.resume()
                        }
                    }
                }
            } catch {
                handed.put(.failure(error))
            }
            finished.signal()
        }
        connection = try handed.take().get()
    }

    /// Gives the connection back to the pool, once the pool has it again.
    func release() {
        released.signal()
        finished.wait()
    }
}

/// Where the bridge's tasks run: threads of their own, not Swift's cooperative pool. A caller may block one of
/// the pool's few threads (a test, a writer started from a task) while the bridge works for it: on the pool, the
/// bridge's task could wait for a thread held by the very callers waiting for it (all of them, on a 2-core machine).
private final class BridgeExecutor: TaskExecutor {
    static let shared = BridgeExecutor()
    // A queue made here may start a thread when its others are blocked (unlike the cooperative pool).
    private let queue = DispatchQueue(label: "consult.postgres.blocking-bridge", attributes: .concurrent)

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}
