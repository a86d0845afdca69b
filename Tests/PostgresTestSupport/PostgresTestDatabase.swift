import ConsultPostgres
import Foundation
import Logging
import PostgresNIO

/// A fresh, empty PostgreSQL database for one test, on the test process's one throw-away cluster.
public enum PostgresTestDatabase {
    /// Creates a database `t_<random>`, runs `body` with a running client on it and its URL, then drops it.
    /// Fails (never skips) when no PostgreSQL server can be started, with the cluster script's message.
    public static func with<Result: Sendable>(
        _ body: (PostgresClient, String) async throws -> Result
    ) async throws -> Result {
        let serverURL = try TestCluster.serverURL.get()
        let name = "t_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        try await withRunningClient(url: serverURL) { admin in
            _ = try await admin.query("CREATE DATABASE \(unescaped: name)")
        }
        let url = try replacingDatabase(in: serverURL, with: name)
        do {
            let result = try await withRunningClient(url: url) { client in try await body(client, url) }
            try await drop(name, serverURL: serverURL)
            return result
        } catch {
            try? await drop(name, serverURL: serverURL)
            throw error
        }
    }

    /// Runs `body` with a client for `url` whose `run()` goes on for exactly the body's duration.
    public static func withRunningClient<Result: Sendable>(
        url: String, _ body: (PostgresClient) async throws -> Result
    ) async throws -> Result {
        let client = PostgresClient(configuration: try PostgresLocation(parsing: url).clientConfiguration())
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }

    private static func drop(_ name: String, serverURL: String) async throws {
        try await withRunningClient(url: serverURL) { admin in
            _ = try await admin.query("DROP DATABASE IF EXISTS \(unescaped: name) WITH (FORCE)")
        }
    }

    /// `url` with its path set to `/name`, user, host and query kept.
    static func replacingDatabase(in url: String, with name: String) throws -> String {
        guard let schemeEnd = url.range(of: "://")?.upperBound else {
            throw TestClusterError(message: "the test server's URL is not a postgresql:// URL")
        }
        let rest = url[schemeEnd...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let query = rest[authorityEnd...].firstIndex(of: "?").map { rest[$0...] } ?? ""
        return String(url[..<authorityEnd]) + "/" + name + query
    }
}
