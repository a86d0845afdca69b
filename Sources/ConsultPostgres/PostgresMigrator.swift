import Logging
import PostgresNIO

/// Brings a PostgreSQL database's schema up to date at start: applies the migrations it has not recorded, in order,
/// each in one transaction together with its `schema_migration` row.
///
/// Several nodes may start at once: every step takes a transaction-scoped advisory lock first, so one node applies a
/// migration while the others wait, then find it recorded. A database that records a migration this binary does not
/// know (a newer consult ran against it), or whose applied migration has another checksum now, is refused before
/// anything is applied.
public struct PostgresMigrator: Sendable {
    /// The advisory lock key of the migrations: "consult" in ASCII.
    public static let lockKey: Int64 = 0x63_6F_6E_73_75_6C_74

    /// The migrations this binary knows, in order.
    public let migrations: [Migration]

    /// A migrator for `migrations` (in any order; they are sorted by number).
    /// - Throws: ``MigrationError/duplicateNumber(_:_:)`` when two share a number.
    public init(migrations: [Migration]) throws(MigrationError) {
        self.migrations = try Migration.ordered(migrations)
    }

    /// Applies every migration the database has not recorded yet.
    /// - Returns: The ids this call applied, in order (empty when the schema was already up to date).
    /// - Throws: ``MigrationError`` when the database is refused or a migration fails (that one is rolled back,
    ///   those before it stay applied), or the client's error when the database cannot be reached.
    @discardableResult
    public func migrate(
        _ client: PostgresClient, logger: Logger = Logger(label: "consult.postgres.migrations")
    ) async throws -> [String] {
        var applied: [String] = []
        while let id = try await client.withConnection({ try await applyNext(on: $0, logger: logger) }) {
            applied.append(id)
        }
        return applied
    }

    /// One transaction: lock, check what is recorded, apply the first missing migration and record it.
    private func applyNext(on connection: PostgresConnection, logger: Logger) async throws -> String? {
        try await connection.query("BEGIN", logger: logger)
        do {
            let applied = try await applyNextInTransaction(on: connection, logger: logger)
            try await connection.query("COMMIT", logger: logger)
            return applied
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
    }

    private func applyNextInTransaction(on connection: PostgresConnection, logger: Logger) async throws -> String? {
        try await connection.query("SELECT pg_advisory_xact_lock(\(Self.lockKey))", logger: logger)
        try await connection.query(
            """
            CREATE TABLE IF NOT EXISTS schema_migration (
                id text PRIMARY KEY,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            logger: logger
        )
        var recorded: [String: String] = [:]
        let rows = try await connection.query("SELECT id, checksum FROM schema_migration ORDER BY id", logger: logger)
        for try await (id, checksum) in rows.decode((String, String).self) {
            recorded[id] = checksum
        }
        try check(recorded)

        guard let next = migrations.first(where: { recorded[$0.id] == nil }) else { return nil }
        let statements: [String]
        do {
            statements = try SQLScript.statements(in: next.sql)
        } catch {
            throw MigrationError.unreadable(id: next.id, reason: error.description)
        }
        logger.info("applying PostgreSQL migration", metadata: ["migration": "\(next.id)"])
        for (number, statement) in statements.enumerated() {
            do {
                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            } catch {
                throw MigrationError.failed(id: next.id, statement: number + 1, reason: Self.reason(error))
            }
        }
        try await connection.query(
            "INSERT INTO schema_migration (id, checksum) VALUES (\(next.id), \(next.checksum))", logger: logger
        )
        return next.id
    }

    /// Refuses a database that records unknown migrations, an applied migration with another checksum,
    /// or one that lacks a migration numbered below one it has (they would run out of order).
    private func check(_ recorded: [String: String]) throws(MigrationError) {
        let known = Set(migrations.map(\.id))
        let unknown = recorded.keys.filter { !known.contains($0) }.sorted()
        guard unknown.isEmpty else { throw .unknownApplied(unknown) }
        for migration in migrations {
            if let checksum = recorded[migration.id], checksum != migration.checksum {
                throw .checksumChanged(id: migration.id, recorded: checksum, now: migration.checksum)
            }
        }
        guard let latest = migrations.last(where: { recorded[$0.id] != nil }) else { return }
        let skipped = migrations.filter { recorded[$0.id] == nil && $0.number < latest.number }.map(\.id)
        guard skipped.isEmpty else { throw .outOfOrder(skipped, after: latest.id) }
    }

    /// The server's message and SQLSTATE; PSQLError's own description hides them.
    private static func reason(_ error: any Error) -> String {
        guard let error = error as? PSQLError, let info = error.serverInfo, let message = info[.message] else {
            return String(describing: error)
        }
        return info[.sqlState].map { "\(message) (SQLSTATE \($0))" } ?? message
    }
}
