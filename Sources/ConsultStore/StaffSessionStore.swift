import ConsultCore
import Foundation
import GRDB

extension ConsultDatabase {
    /// Signs a browser in with a role token: returns a new session id (stored only as a hash)
    /// and who holds the token, or why the token is refused (unknown, expired or revoked).
    public func signIn(token: String, at instant: Date) async throws
        -> Result<(session: String, principal: Principal), TokenRefusal>
    {
        try await pool.write { db in
            guard let record = try tokenRecord(where: "t.token_hash = ?", [Secret.hash(token)], in: db) else {
                return .failure(.unknown)
            }
            if let refusal = record.refusal(at: instant) { return .failure(refusal) }
            let session = Secret.newToken()
            let expires = instant.addingTimeInterval(StaffSession.lifetime)
            try db.execute(
                sql: "DELETE FROM staff_session WHERE expires_at_ms <= ?", arguments: [instant.milliseconds])
            try db.execute(
                sql: "INSERT INTO staff_session (session_hash, role_token_id, created_at_ms, expires_at_ms) VALUES (?, ?, ?, ?)",
                arguments: [Secret.hash(session), record.rowID, instant.milliseconds, expires.milliseconds])
            try db.execute(
                sql: "UPDATE role_token SET last_used_at_ms = ? WHERE id = ?", arguments: [instant.milliseconds, record.rowID])
            try appendAudit(AuditRecord(
                at: instant, actor: record.holder.actor, action: "session.signed-in", surveyID: nil, subject: nil,
                oldValue: nil, newValue: nil, reason: nil), in: db)
            return .success((session, record.holder))
        }
    }

    /// Who is signed in with `session`, or nil when it is unknown or expired, or its token has
    /// since expired or been revoked: the token's state is checked on every request.
    public func staffPrincipal(session: String, at instant: Date) async throws -> Principal? {
        let record = try await pool.read { db in
            try Row.fetchOne(
                db, sql: """
                    SELECT \(RoleTokenRecord.columns) FROM staff_session s JOIN role_token t ON t.id = s.role_token_id
                    WHERE s.session_hash = ? AND s.expires_at_ms > ?
                    """, arguments: [Secret.hash(session), instant.milliseconds]
            ).flatMap(RoleTokenRecord.init(row:))
        }
        guard let record, record.refusal(at: instant) == nil else { return nil }
        await noteUse(of: record, at: instant)
        return record.holder
    }

    /// Ends a browser session (signing out); unknown sessions are ignored.
    public func signOut(session: String) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM staff_session WHERE session_hash = ?", arguments: [Secret.hash(session)])
        }
    }
}
