import ConsultCore
import ConsultStore
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// The PostgreSQL engine behind the store's roles: one database that several consult nodes share.
///
/// Every promise the SQLite store keeps holds here across nodes: the deadline is decided inside
/// the storing transaction against the deadline in force (a row lock on the survey's state, see
/// `0001-core.sql`), idempotency keys are unique by the primary key, tallies change in the storing
/// transaction, and a commit returns only once PostgreSQL has made it durable (`synchronous_commit`
/// on, as by default; with a synchronous standby, once the standby has it too).
public final class PostgresStore: Sendable {
    let client: PostgresClient
    let logger: Logger
    let secrets: ServerSecrets
    /// The surveys whose answer ids this node has registered (see `registerCodes(of:)`).
    let coveredSurveys = Mutex<Set<String>>([])
    private let running: Task<Void, Never>

    private init(client: PostgresClient, running: Task<Void, Never>, secrets: ServerSecrets, logger: Logger) {
        self.client = client
        self.running = running
        self.secrets = secrets
        self.logger = logger
    }

    /// Connects to the database at `location`, applies the migrations it lacks (one node at a
    /// time) and loads the keys every node shares (made by the first node that needs them).
    /// A server that cannot be reached within `patience` fails the open (the client itself would keep trying).
    public static func open(
        _ location: PostgresLocation, patience: Duration = .seconds(10), logger: Logger = Logger(label: "consult.postgres")
    ) async throws -> PostgresStore {
        // The client retries failed connections on its own; each failure would be logged at info.
        var background = logger
        background.logLevel = max(logger.logLevel, .warning)
        let client = PostgresClient(configuration: location.clientConfiguration(), backgroundLogger: background)
        let running = Task { await client.run() }
        do {
            // Reaching the server is bounded; migrating may then take its time (other nodes may hold the lock).
            let reached = try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    try await client.withConnection { _ in }
                    return true
                }
                group.addTask {
                    try await Task.sleep(for: patience)
                    return false
                }
                defer { group.cancelAll() }
                return try await group.next() ?? false
            }
            guard reached else { throw PostgresUnreachable(description: "the server did not answer within \(patience)") }
            try await PostgresMigrator(migrations: Migration.bundled()).migrate(client, logger: logger)
            let secrets = try await Self.loadSecrets(client, logger: logger)
            return PostgresStore(client: client, running: running, secrets: secrets, logger: logger)
        } catch {
            running.cancel()
            throw error
        }
    }

    /// Reads every key, storing a new one first where none is stored; two nodes starting at once
    /// both end with the key stored first.
    private static func loadSecrets(_ client: PostgresClient, logger: Logger) async throws -> ServerSecrets {
        var stored: [String: Data] = [:]
        for try await (name, value) in try await client.query("SELECT name, value FROM server_secret", logger: logger)
            .decode((String, Data).self)
        {
            stored[name] = value
        }
        var missing: [String: Data] = [:]
        let secrets = try ServerSecrets.make { name, create in
            if let value = stored[name] { return value }
            let value = create()
            missing[name] = value
            return value
        }
        if missing.isEmpty { return secrets }
        for (name, value) in missing {
            try await client.query(
                "INSERT INTO server_secret (name, value) VALUES (\(name), \(value)) ON CONFLICT (name) DO NOTHING", logger: logger)
        }
        // Another node may have stored its keys first: use what is stored.
        return try await loadSecrets(client, logger: logger)
    }

    /// Runs `body` in one transaction (READ COMMITTED), committed before it returns. A transaction
    /// PostgreSQL aborted as a deadlock victim or a serialization failure, or that lost a race for a
    /// unique key (an idempotency key sent to two nodes at once), runs again from the start.
    func transaction<Result: Sendable>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await client.withConnection { connection in
                    try await connection.query("BEGIN", logger: logger)
                    let result: Result
                    do {
                        result = try await body(connection)
                    } catch {
                        // The connection may be gone; the error that matters is the body's.
                        _ = try? await connection.query("ROLLBACK", logger: logger)
                        throw error
                    }
                    try await connection.query("COMMIT", logger: logger)
                    return result
                }
            } catch let error as PSQLError where attempt < 8 && Self.isWorthRetrying(error) {
                continue
            }
        }
    }

    /// Deadlock, serialization failure, unique violation.
    static func isWorthRetrying(_ error: PSQLError) -> Bool {
        ["40P01", "40001", "23505"].contains(error.serverInfo?[.sqlState] ?? "")
    }

    /// Runs `body` on a connection outside any explicit transaction (each statement its own).
    func reading<Result: Sendable>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        try await client.withConnection { try await body($0) }
    }
}

extension PostgresStore: ServiceKeys, StorageLifecycle {
    public var receipts: ReceiptSigner { secrets.signer }
    public var formTokens: FormTokenSigner { secrets.formTokens }
    public var clientKeys: ClientAddressKeyer { secrets.clientKeys }
    public var pseudonyms: Pseudonymizer { secrets.pseudonyms }

    public func ping() async throws -> String {
        let rows = try await client.query("SELECT 1::bigint", logger: logger)
        for try await one in rows.decode(Int64.self) { return one == 1 ? "ok" : "unexpected answer" }
        return "no answer"
    }

    /// Stops the client: its connections close.
    public func close() throws {
        running.cancel()
    }
}

extension PostgresConnection {
    /// The rows of `query` decoded as `type`.
    func all<each Column: PostgresDecodable>(
        _ query: PostgresQuery, as type: (repeat each Column).Type, logger: Logger
    ) async throws -> [(repeat each Column)] {
        var rows: [(repeat each Column)] = []
        for try await row in try await self.query(query, logger: logger) {
            rows.append(try row.decode((repeat each Column).self))
        }
        return rows
    }

    /// The first row of `query` decoded as `type`, or nil.
    func first<each Column: PostgresDecodable>(
        _ query: PostgresQuery, as type: (repeat each Column).Type, logger: Logger
    ) async throws -> (repeat each Column)? {
        for try await row in try await self.query(query, logger: logger) {
            return try row.decode((repeat each Column).self)
        }
        return nil
    }

    /// Runs `query` for its effect.
    func run(_ query: PostgresQuery, logger: Logger) async throws {
        for try await _ in try await self.query(query, logger: logger) {}
    }
}

/// The PostgreSQL server did not answer in time.
public struct PostgresUnreachable: Error, CustomStringConvertible {
    public let description: String
}
