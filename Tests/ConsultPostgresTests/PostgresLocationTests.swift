import ConsultPostgres
import PostgresNIO
import PostgresTestSupport
import Testing

@Suite("PostgreSQL URLs")
struct PostgresLocationTests {
    @Test("user, percent-encoded password, host, port and database are read")
    func fullURL() throws {
        let location = try PostgresLocation(parsing: "postgresql://consult:p%40ss%3Aw%2Frd%25@db.example.org:6543/consult_prod")
        #expect(location.username == "consult")
        #expect(location.password == "p@ss:w/rd%")
        #expect(location.endpoint == .tcp(host: "db.example.org", port: 6543))
        #expect(location.database == "consult_prod")
        let configuration = location.clientConfiguration()
        #expect(configuration.host == "db.example.org")
        #expect(configuration.port == 6543)
        #expect(configuration.username == "consult")
        #expect(configuration.password == "p@ss:w/rd%")
        #expect(configuration.database == "consult_prod")
        #expect(configuration.unixSocketPath == nil)
    }

    @Test("postgres:// is accepted too; the port defaults to 5432 and the database to the server's choice")
    func shortScheme() throws {
        let location = try PostgresLocation(parsing: "postgres://alice@127.0.0.1")
        #expect(location.endpoint == .tcp(host: "127.0.0.1", port: 5432))
        #expect(location.password == nil)
        #expect(location.database == nil)
    }

    @Test("?host=/dir is a Unix socket, named as libpq names it, never encrypted")
    func unixSocket() throws {
        let location = try PostgresLocation(parsing: "postgresql://consult@:5433/consult?host=%2Fvar%2Frun%2Fpostgresql")
        #expect(location.endpoint == .unixSocket(directory: "/var/run/postgresql", port: 5433))
        #expect(location.tlsMode == .disable)
        #expect(location.clientConfiguration().unixSocketPath == "/var/run/postgresql/.s.PGSQL.5433")
        let plain = try PostgresLocation(parsing: "postgresql://consult@/consult?host=/tmp/pg/")
        #expect(plain.clientConfiguration().unixSocketPath == "/tmp/pg/.s.PGSQL.5432")
    }

    @Test(
        "sslmode defaults to disable on loopback, require elsewhere",
        arguments: [
            ("postgresql://u@127.0.0.1/d", PostgresLocation.TLSMode.disable),
            ("postgresql://u@127.8.9.10:7000/d", .disable),
            ("postgresql://u@localhost/d", .disable),
            ("postgresql://u@[::1]:5433/d", .disable),
            ("postgresql://u@db.example.org/d", .require),
            ("postgresql://u@10.0.0.5/d", .require),
            ("postgresql://u@127.0.0.1.example.org/d", .require),
        ]
    )
    func defaultTLS(url: String, expected: PostgresLocation.TLSMode) throws {
        #expect(try PostgresLocation(parsing: url).tlsMode == expected)
    }

    @Test("sslmode and application_name are taken as given")
    func explicitParameters() throws {
        let remote = try PostgresLocation(parsing: "postgresql://u@db.example.org/d?sslmode=disable")
        #expect(remote.tlsMode == .disable)
        let verified = try PostgresLocation(parsing: "postgresql://u@[::1]:6000/d?sslmode=verify-full&application_name=consult-node-2")
        #expect(verified.tlsMode == .verifyFull)
        #expect(verified.endpoint == .tcp(host: "::1", port: 6000))
        #expect(verified.applicationName == "consult-node-2")
        let parameters = verified.clientConfiguration().options.additionalStartupParameters
        #expect(parameters.contains { $0.0 == "application_name" && $0.1 == "consult-node-2" })
        #expect(try PostgresLocation(parsing: "postgresql://u@h/d?sslmode=require").tlsMode == .require)
    }

    @Test(
        "bad input names the wrong part and never shows the password",
        arguments: [
            ("mysql://u:s3cret@h/d", "postgresql://"),
            ("postgresql://h:5432/d", "user:"),
            ("postgresql://:s3cret@h/d", "user:"),
            ("postgresql://u:s3cret@h:port/d", "port:"),
            ("postgresql://u:s3cret@h:70000/d", "port:"),
            ("postgresql://u:s3cret@/d", "host:"),
            ("postgresql://u:s3cret@[::1/d", "host:"),
            ("postgresql://u:s3cret@h/d/e", "database:"),
            ("postgresql://u:s3cret@h/d?sslmode=prefer", "sslmode:"),
            ("postgresql://u:s3cret@/d?host=/tmp&sslmode=require", "sslmode:"),
            ("postgresql://u:s3cret@/d?host=relative", "host:"),
            ("postgresql://u:s3cret@h/d?host=/tmp", "host:"),
            ("postgresql://u:s3cret@h/d?connect_timeout=3", "connect_timeout"),
            ("postgresql://u:s3cret@h/d?application_name=", "application_name:"),
            ("postgresql://u:s3cr#et@h/d", "user or password"),
            ("postgresql://u:s3c/ret@h/d", "user or password"),
            ("postgresql://u:s3c?ret@h/d", "user or password"),
            ("postgresql://u:s3cret%zz@h/d", "password:"),
            ("postgresql://u:s3cret@h/d#x", "'#'"),
        ]
    )
    func refusals(url: String, part: String) {
        do {
            let location = try PostgresLocation(parsing: url)
            Issue.record("accepted \(location.redactedDescription)")
        } catch {
            #expect(error.description.contains(part), "\(error.description)")
            #expect(!error.description.contains("s3c"))
        }
    }

    @Test("the redacted description keeps everything but the password")
    func redacted() throws {
        let location = try PostgresLocation(parsing: "postgresql://consult:s3cret@db.example.org:6543/c?application_name=n1")
        #expect(location.redactedDescription == "postgresql://consult:***@db.example.org:6543/c?sslmode=require&application_name=n1")
    }

    @Test("a PostgreSQL URL is told from an SQLite path")
    func recognition() {
        #expect(PostgresLocation.isPostgresURL("postgresql://consult@127.0.0.1/consult"))
        #expect(PostgresLocation.isPostgresURL("postgres://consult@127.0.0.1/consult"))
        #expect(PostgresLocation.isPostgresURL("PostgreSQL://consult@127.0.0.1/consult"))
        #expect(!PostgresLocation.isPostgresURL("consult.sqlite"))
        #expect(!PostgresLocation.isPostgresURL("/var/lib/consult/postgresql.sqlite"))
        #expect(!PostgresLocation.isPostgresURL("postgresql:/consult.sqlite"))
    }

    @Test("a parsed URL reaches the real server over TCP and over its Unix socket, with its application name")
    func connects() async throws {
        try await PostgresTestDatabase.with { client, url in
            let rows = try await client.query("SELECT current_setting('unix_socket_directories'), current_setting('port')")
            var socket: (String, String)?
            for try await row in rows.decode((String, String).self) { socket = row }
            let (directory, port) = try #require(socket)
            let database = try #require(try PostgresLocation(parsing: url).database)
            let socketURL = "postgresql://consult@:\(port)/\(database)?host=\(directory)&application_name=socket-check"
            let name = try await PostgresTestDatabase.withRunningClient(url: socketURL) { viaSocket in
                let rows = try await viaSocket.query(
                    "SELECT application_name, client_addr IS NULL FROM pg_stat_activity WHERE pid = pg_backend_pid()"
                )
                var found: (String, Bool)?
                for try await row in rows.decode((String, Bool).self) { found = row }
                return found
            }
            #expect(name?.0 == "socket-check")
            #expect(name?.1 == true)
        }
    }
}
