import ConsultPostgres
import Foundation
import PostgresNIO
import PostgresTestSupport
import Testing

@Suite("PostgreSQL migrations")
struct PostgresMigratorTests {
    /// Three migrations whose later ones need the earlier ones, each counting its own runs in `application`.
    static let chain: [Migration] = [
        try! Migration(id: "0001-notes", sql: """
            CREATE TABLE application (migration text NOT NULL);
            CREATE TABLE note (id bigint PRIMARY KEY, body text NOT NULL);
            INSERT INTO application VALUES ('0001');
            """),
        try! Migration(id: "0002-note-author", sql: """
            ALTER TABLE note ADD COLUMN author text NOT NULL DEFAULT 'nobody';
            INSERT INTO application VALUES ('0002');
            """),
        try! Migration(id: "0010-note-seed", sql: """
            INSERT INTO note (id, body, author) VALUES (1, 'first; with a semicolon', 'seed');
            INSERT INTO application VALUES ('0010');
            """),
    ]

    @Test("applies every migration once, in the order of their numbers; a second run applies nothing")
    func appliesInOrderOnce() async throws {
        try await PostgresTestDatabase.with { client, _ in
            let migrator = try PostgresMigrator(migrations: Self.chain.reversed())
            #expect(try await migrator.migrate(client) == ["0001-notes", "0002-note-author", "0010-note-seed"])
            #expect(try await migrator.migrate(client) == [])
            #expect(try await applications(client) == ["0001", "0002", "0010"])
            #expect(try await recorded(client) == Self.chain.map { [$0.id, $0.checksum] })
            #expect(try await strings(client, "SELECT author || ':' || body FROM note") == ["seed:first; with a semicolon"])
        }
    }

    @Test("two migrators started at once on two clients apply each migration exactly once")
    func concurrentNodes() async throws {
        try await PostgresTestDatabase.with { client, url in
            let slow = Self.chain + [try Migration(id: "0011-slow", sql: "SELECT pg_sleep(0.3); INSERT INTO application VALUES ('0011');")]
            let migrator = try PostgresMigrator(migrations: slow)
            try await PostgresTestDatabase.withRunningClient(url: url) { other in
                async let first = migrator.migrate(client)
                async let second = migrator.migrate(other)
                let (a, b) = try await (first, second)
                #expect(Set(a).isDisjoint(with: b))
                #expect((a + b).sorted() == slow.map(\.id))
            }
            #expect(try await applications(client) == ["0001", "0002", "0010", "0011"])
            #expect(try await recorded(client).count == 4)
        }
    }

    @Test("a database holding a migration this binary does not know is refused, and nothing is applied")
    func unknownNewerMigration() async throws {
        try await PostgresTestDatabase.with { client, _ in
            try await PostgresMigrator(migrations: Self.chain).migrate(client)
            let other = try Migration(id: "0003-other-branch", sql: "CREATE TABLE never_made (x int)")
            let older = try PostgresMigrator(migrations: Array(Self.chain[0...1]) + [other])
            await #expect(throws: MigrationError.unknownApplied(["0010-note-seed"])) { try await older.migrate(client) }
            #expect(try await strings(client, "SELECT coalesce(to_regclass('never_made')::text, 'absent')") == ["absent"])
            #expect(try await recorded(client).count == 3)
            #expect(MigrationError.unknownApplied(["0010-note-seed"]).description.contains("newer consult"))
        }
    }

    @Test("a migration numbered below one already applied is refused, and nothing is applied")
    func outOfOrderMigration() async throws {
        try await PostgresTestDatabase.with { client, _ in
            try await PostgresMigrator(migrations: Self.chain).migrate(client)
            let late = try Migration(id: "0003-other-branch", sql: "CREATE TABLE never_made (x int)")
            let migrator = try PostgresMigrator(migrations: Self.chain + [late])
            await #expect(throws: MigrationError.outOfOrder(["0003-other-branch"], after: "0010-note-seed")) {
                try await migrator.migrate(client)
            }
            #expect(try await strings(client, "SELECT coalesce(to_regclass('never_made')::text, 'absent')") == ["absent"])
            #expect(try await recorded(client).count == 3)
            // Renumbered after the latest, it applies.
            let renumbered = try Migration(id: "0011-other-branch", sql: late.sql)
            try await PostgresMigrator(migrations: Self.chain + [renumbered]).migrate(client)
            #expect(try await recorded(client).count == 4)
        }
    }

    @Test("an applied migration whose SQL changed is refused before anything else is applied")
    func changedChecksum() async throws {
        try await PostgresTestDatabase.with { client, _ in
            try await PostgresMigrator(migrations: [Self.chain[0]]).migrate(client)
            let edited = try Migration(id: "0001-notes", sql: Self.chain[0].sql + "\n-- edited")
            let migrator = try PostgresMigrator(migrations: [edited, Self.chain[1]])
            await #expect(throws: MigrationError.checksumChanged(
                id: "0001-notes", recorded: Self.chain[0].checksum, now: edited.checksum
            )) { try await migrator.migrate(client) }
            #expect(try await applications(client) == ["0001"])
        }
    }

    @Test("a failing migration leaves neither its tables nor its record, and can be applied once fixed")
    func failingMigrationRollsBack() async throws {
        try await PostgresTestDatabase.with { client, _ in
            let broken = try Migration(id: "0002-broken", sql: """
                CREATE TABLE half_done (x int);
                INSERT INTO half_done VALUES ('not a number');
                """)
            let migrator = try PostgresMigrator(migrations: [Self.chain[0], broken])
            do {
                try await migrator.migrate(client)
                Issue.record("the broken migration was applied")
            } catch let MigrationError.failed(id, statement, reason) {
                #expect(id == "0002-broken")
                #expect(statement == 2)
                #expect(reason.contains("invalid input syntax for type integer"), "\(reason)")
            }
            #expect(try await strings(client, "SELECT coalesce(to_regclass('half_done')::text, 'absent')") == ["absent"])
            #expect(try await recorded(client).map { $0[0] } == ["0001-notes"])

            let fixed = try Migration(id: "0002-broken", sql: "CREATE TABLE half_done (x int); INSERT INTO half_done VALUES (1);")
            #expect(try await PostgresMigrator(migrations: [Self.chain[0], fixed]).migrate(client) == ["0002-broken"])
            #expect(try await strings(client, "SELECT x::text FROM half_done") == ["1"])
        }
    }

    @Test("migration names and numbers are checked; the bundled ones load and are well named")
    func names() throws {
        #expect(throws: MigrationError.badName("1-short")) { try Migration(id: "1-short", sql: "") }
        #expect(throws: MigrationError.badName("0001-Upper")) { try Migration(id: "0001-Upper", sql: "") }
        #expect(throws: MigrationError.badName("0001")) { try Migration(id: "0001", sql: "") }
        #expect(throws: MigrationError.badName("+001-signed")) { try Migration(id: "+001-signed", sql: "") }
        #expect(throws: MigrationError.duplicateNumber("0002-a", "0002-b")) {
            try PostgresMigrator(migrations: [try Migration(id: "0002-a", sql: ""), try Migration(id: "0002-b", sql: "")])
        }
        let bundled = try Migration.bundled()
        #expect(bundled.map(\.number) == bundled.map(\.number).sorted())
        #expect(Set(bundled.map(\.number)).count == bundled.count)
    }

    @Test("load reads NNNN-name.sql files from a folder in order and ignores other files")
    func loadsFolder() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("consult-migrations-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "SELECT 2;".write(to: folder.appendingPathComponent("0002-second.sql"), atomically: true, encoding: .utf8)
        try "SELECT 1;".write(to: folder.appendingPathComponent("0001-first.sql"), atomically: true, encoding: .utf8)
        try "notes".write(to: folder.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)
        let migrations = try Migration.load(from: folder)
        #expect(migrations.map(\.id) == ["0001-first", "0002-second"])
        #expect(migrations[0].sql == "SELECT 1;")
        try "SELECT 3;".write(to: folder.appendingPathComponent("third.sql"), atomically: true, encoding: .utf8)
        #expect(throws: MigrationError.badName("third")) { try Migration.load(from: folder) }
    }
}

private func strings(_ client: PostgresClient, _ sql: String) async throws -> [String] {
    var values: [String] = []
    for try await value in try await client.query(PostgresQuery(unsafeSQL: sql)).decode(String.self) {
        values.append(value)
    }
    return values
}

private func applications(_ client: PostgresClient) async throws -> [String] {
    try await strings(client, "SELECT migration FROM application ORDER BY migration")
}

private func recorded(_ client: PostgresClient) async throws -> [[String]] {
    var rows: [[String]] = []
    let query: PostgresQuery = "SELECT id, checksum FROM schema_migration ORDER BY applied_at, id"
    for try await (id, checksum) in try await client.query(query).decode((String, String).self) {
        rows.append([id, checksum])
    }
    return rows
}
