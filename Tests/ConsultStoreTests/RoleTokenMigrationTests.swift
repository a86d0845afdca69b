import Foundation
import GRDB
import Testing

@testable import ConsultStore

/// Tokens made before tokens could expire or be revoked keep working, gain a public id, and can be revoked.
@Suite struct RoleTokenMigrationTests {
    @Test func aTokenFromBeforeTheLifecycleGetsAnIDAndCanBeRevoked() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("consult.sqlite").path
        let token = "an-old-token"
        let created = Date(timeIntervalSince1970: 1_760_000_000)
        let old = try DatabaseQueue(path: path)
        try Schema.migrator.migrate(
            old, upTo: "v3: compact answer values, tallies kept at ingest, versions without overflow pages")
        try await old.write { db in
            try db.execute(
                sql: "INSERT INTO role_token (role, name, token_hash, created_at_ms) VALUES ('analyst', 'Bo', ?, ?)",
                arguments: [Secret.hash(token), created.milliseconds])
        }
        try old.close()

        let database = try ConsultDatabase(path: path)
        defer { try? database.close() }
        let listed = try #require(try await database.roleTokens().first)
        #expect(listed.id == "tk-" + Secret.hex(Secret.hash(token).prefix(5)))
        #expect(listed.state(at: created) == .active && listed.expiresAt == nil && listed.lastUsedAt == nil)
        #expect(try await database.principal(forToken: token, at: created) == .success(listed.holder))
        _ = try await database.revokeToken(id: listed.id, by: "cli:ops", reason: nil, at: created.addingTimeInterval(1))
        #expect(try await database.principal(forToken: token, at: created.addingTimeInterval(2))
            == .failure(.revoked(created.addingTimeInterval(1))))
    }
}
