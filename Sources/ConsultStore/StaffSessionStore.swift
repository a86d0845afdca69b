import ConsultCore
import Foundation
import GRDB

extension ConsultDatabase {
    /// How long a browser stays signed in.
    public static let staffSessionLifetime: TimeInterval = 12 * 3600

    /// Signs a browser in with a role token: returns a new session id (stored only as a hash)
    /// and who holds the token, or nil when the token is unknown.
    public func signIn(token: String, at instant: Date) async throws -> (session: String, principal: Principal)? {
        try await pool.write { db in
            guard let row = try Row.fetchOne(
                db, sql: "SELECT id, role, name FROM role_token WHERE token_hash = ?", arguments: [Secret.hash(token)]),
                let role = Role(rawValue: row["role"])
            else { return nil }
            let session = Secret.newToken()
            let expires = instant.addingTimeInterval(Self.staffSessionLifetime)
            try db.execute(
                sql: "DELETE FROM staff_session WHERE expires_at_ms <= ?", arguments: [instant.milliseconds])
            try db.execute(
                sql: "INSERT INTO staff_session (session_hash, role_token_id, created_at_ms, expires_at_ms) VALUES (?, ?, ?, ?)",
                arguments: [Secret.hash(session), row["id"] as Int64, instant.milliseconds, expires.milliseconds])
            let principal = Principal(role: role, name: row["name"])
            try appendAudit(AuditRecord(
                at: instant, actor: principal.actor, action: "session.signed-in", surveyID: nil, subject: nil,
                oldValue: nil, newValue: nil, reason: nil), in: db)
            return (session, principal)
        }
    }

    /// Who is signed in with `session`, or nil when it is unknown or expired.
    public func staffPrincipal(session: String, at instant: Date) async throws -> Principal? {
        try await pool.read { db in
            guard let row = try Row.fetchOne(
                db, sql: """
                    SELECT t.role, t.name FROM staff_session s JOIN role_token t ON t.id = s.role_token_id
                    WHERE s.session_hash = ? AND s.expires_at_ms > ?
                    """, arguments: [Secret.hash(session), instant.milliseconds]),
                let role = Role(rawValue: row["role"])
            else { return nil }
            return Principal(role: role, name: row["name"])
        }
    }

    /// Ends a browser session (signing out); unknown sessions are ignored.
    public func signOut(session: String) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM staff_session WHERE session_hash = ?", arguments: [Secret.hash(session)])
        }
    }
}
