import ConsultPostgres
import Foundation
import PostgresNIO
import PostgresTestSupport
import Testing

@Suite("PostgreSQL reads from a blocking thread (the export writers')")
struct PostgresBlockingTests {
    @Test("a cursor streams every row in order, in batches smaller than the result")
    func streamsInBatches() async throws {
        try await withStore { store, client in
            try await client.query("CREATE TABLE item (n bigint PRIMARY KEY, label text)")
            try await client.query("INSERT INTO item SELECT n, 'item ' || n FROM generate_series(1, 2345) AS n")
            let (seen, labels) = try await offCooperativeThreads {
                try store.blockingSnapshot { session in
                    var seen: [Int64] = [], labels: [String] = []
                    try session.forEach("SELECT n, label FROM item WHERE n > \(Int64(5)) ORDER BY n", batch: 100) { row in
                        let (n, label) = try row.decode((Int64, String).self)
                        seen.append(n)
                        labels.append(label)
                    }
                    return (seen, labels)
                }
            }
            #expect(seen == Array(6...2345))
            #expect(labels.last == "item 2345")
        }
    }

    @Test("every pass in one snapshot sees the same rows, whatever is committed meanwhile")
    func repeatableSnapshot() async throws {
        try await withStore { store, client in
            try await client.query("CREATE TABLE item (n bigint PRIMARY KEY)")
            try await client.query("INSERT INTO item SELECT generate_series(1, 10)")
            let counts = try await offCooperativeThreads {
                try store.blockingSnapshot { session -> [Int] in
                    let before = try session.first("SELECT count(*) FROM item", as: Int.self) ?? -1
                    // Another node commits while the export is between its two passes.
                    try blockingWait { try await client.query("INSERT INTO item SELECT generate_series(11, 20)") }
                    var streamed = 0
                    try session.forEach("SELECT n FROM item", batch: 3) { _ in streamed += 1 }
                    return [before, streamed]
                }
            }
            #expect(counts == [10, 10])
            let after = try await offCooperativeThreads { () throws -> Int? in
                try store.blockingSnapshot { session -> Int? in try session.first("SELECT count(*) FROM item", as: Int.self) }
            }
            #expect(after == 20)
        }
    }

    @Test("an error in the body or the query ends the transaction and gives the connection back")
    func errorsReleaseTheConnection() async throws {
        try await withStore { store, _ in
            // More failures than the pool has connections: each must give its connection back.
            for _ in 0..<30 {
                await #expect(throws: Stop.self) {
                    _ = try await offCooperativeThreads { () throws -> Int in try store.blockingSnapshot { _ -> Int in throw Stop() } }
                }
                await #expect(throws: PSQLError.self) {
                    _ = try await offCooperativeThreads { () throws -> [Int] in
                        try store.blockingSnapshot { session -> [Int] in try session.all("SELECT * FROM no_such_table", as: Int.self) }
                    }
                }
            }
            // A read-only snapshot refuses writes.
            await #expect(throws: PSQLError.self) {
                try await offCooperativeThreads { () throws -> Void in
                    try store.blockingSnapshot { session -> Void in try session.execute("CREATE TABLE written (n int)") }
                }
            }
            let seven = try await offCooperativeThreads { () throws -> Int64? in
                try store.blockingSnapshot { session -> Int64? in try session.first("SELECT 7::bigint", as: Int64.self) }
            }
            #expect(seven == 7)
        }
    }

    @Test("callers that block every thread of Swift's cooperative pool still get their rows", .timeLimit(.minutes(1)))
    func callersOnTheCooperativePool() async throws {
        try await withStore { store, _ in
            // Each call blocks the pool's thread it runs on; more of them than the pool has threads.
            let callers = ProcessInfo.processInfo.activeProcessorCount * 4
            let answers = try await withThrowingTaskGroup(of: Int64?.self) { group in
                for number in 0..<callers {
                    group.addTask {
                        try store.blockingSnapshot { session -> Int64? in
                            try session.first("SELECT \(Int64(number))::bigint + 1", as: Int64.self)
                        }
                    }
                }
                return try await group.reduce(into: [Int64]()) { $0.append($1 ?? 0) }
            }
            #expect(answers.sorted() == (1...Int64(callers)).map { $0 })
        }
    }

    private struct Stop: Error {}

    private func withStore(_ body: (PostgresStore, PostgresClient) async throws -> Void) async throws {
        try await PostgresTestDatabase.with { client, url in
            let store = try await PostgresStore.open(try PostgresLocation(parsing: url))
            defer { try? store.close() }
            try await body(store, client)
        }
    }
}

/// Runs `work` on a thread of GCD's, as the export writers do, and waits for it without blocking the caller.
func offCooperativeThreads<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
    }
}

/// Waits on this (non-cooperative) thread for `work`.
private func blockingWait(_ work: @escaping @Sendable () async throws -> Void) throws {
    let done = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var failure: (any Error)?
    Task {
        do { try await work() } catch { failure = error }
        done.signal()
    }
    done.wait()
    if let failure { throw failure }
}
