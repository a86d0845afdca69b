import ConsultCore
import ConsultStore
import Foundation
import PostgresNIO

extension PostgresStore: AccessRecords {
    /// The columns `record(_:)` reads, of `role_token` named `t`.
    static let tokenColumns =
        "t.id, t.public_id, t.role, t.name, t.created_at_ms, t.last_used_at_ms, t.expires_at_ms, t.revoked_at_ms"
    typealias TokenRow = (Int64, String, String, String, Int64, Int64?, Int64?, Int64?)

    static func record(_ row: TokenRow) -> RoleTokenRecord? {
        guard let role = Role(rawValue: row.2) else { return nil }
        return RoleTokenRecord(
            id: row.1, role: role, name: row.3, createdAt: Date(milliseconds: row.4),
            lastUsedAt: row.5.map(Date.init(milliseconds:)), expiresAt: row.6.map(Date.init(milliseconds:)),
            revokedAt: row.7.map(Date.init(milliseconds:)), rowID: row.0)
    }

    func tokenRecord(where condition: String, _ value: some PostgresEncodable & Sendable, on connection: PostgresConnection)
        async throws -> RoleTokenRecord?
    {
        var binds = PostgresBindings()
        try binds.append(value)
        let row = try await connection.first(
            PostgresQuery(unsafeSQL: "SELECT \(Self.tokenColumns) FROM role_token t WHERE \(condition)", binds: binds),
            as: TokenRow.self, logger: logger)
        return row.flatMap(Self.record)
    }

    public func issueToken(
        role: Role, name: String, expiresAt: Date?, by actor: String, at instant: Date
    ) async throws -> (token: String, record: RoleTokenRecord) {
        try await transaction { connection in
            var token = Secret.newToken()
            // Public ids are 40 bits of the hash: on the rare clash, draw another token.
            while try await connection.first(
                "SELECT 1::bigint FROM role_token WHERE public_id = \("tk-" + Secret.hex(Secret.hash(token).prefix(5)))",
                as: Int64.self, logger: logger) != nil
            {
                token = Secret.newToken()
            }
            guard let rowID = try await connection.first(
                """
                INSERT INTO role_token (role, name, token_hash, created_at_ms, expires_at_ms)
                VALUES (\(role.rawValue), \(name), \(Secret.hash(token)), \(instant.milliseconds), \(expiresAt?.milliseconds))
                RETURNING id
                """, as: Int64.self, logger: logger),
                let record = try await tokenRecord(where: "t.id = $1", rowID, on: connection)
            else { throw ReturnedRowMissing(description: "the new role token could not be read back") }
            try await appendAudit(AuditRecord(
                at: instant, actor: actor, action: "token.created", surveyID: nil, subject: record.auditSubject,
                oldValue: nil, newValue: expiresAt.map { "expires \(Instant.utcText($0))" }, reason: nil), on: connection)
            return (token, record)
        }
    }

    public func roleTokens() async throws -> [RoleTokenRecord] {
        try await reading { connection in
            try await connection.all(
                PostgresQuery(unsafeSQL: "SELECT \(Self.tokenColumns) FROM role_token t ORDER BY t.id"), as: TokenRow.self,
                logger: logger
            ).compactMap(Self.record)
        }
    }

    public func revokeToken(id: String, by actor: String, reason: String?, at instant: Date) async throws -> RoleTokenRecord {
        try await transaction { connection in
            guard let record = try await tokenRecord(where: "t.public_id = $1 FOR UPDATE", id, on: connection) else {
                throw TokenRevocationFailure(message: "There is no token \(id); `consult token list` shows them.")
            }
            if let revokedAt = record.revokedAt {
                throw TokenRevocationFailure(
                    message: "The token \(id) was already revoked at \(Instant.utcText(revokedAt)); nothing was changed.")
            }
            try await connection.run(
                "UPDATE role_token SET revoked_at_ms = \(instant.milliseconds) WHERE id = \(record.rowID)", logger: logger)
            try await connection.run("DELETE FROM staff_session WHERE role_token_id = \(record.rowID)", logger: logger)
            try await appendAudit(AuditRecord(
                at: instant, actor: actor, action: "token.revoked", surveyID: nil, subject: record.auditSubject,
                oldValue: nil, newValue: nil, reason: reason), on: connection)
            return try await tokenRecord(where: "t.id = $1", record.rowID, on: connection) ?? record
        }
    }

    public func principal(forToken token: String, at instant: Date) async throws -> Result<Principal, TokenRefusal> {
        let record = try await reading { connection in
            try await tokenRecord(where: "t.token_hash = $1", Secret.hash(token), on: connection)
        }
        guard let record else { return .failure(.unknown) }
        if let refusal = record.refusal(at: instant) { return .failure(refusal) }
        await noteUse(of: record, at: instant)
        return .success(record.holder)
    }

    /// Records that `record`'s token was used at `instant`, at most once a minute per token; best
    /// effort, as a database that cannot take this write must not refuse a valid token.
    func noteUse(of record: RoleTokenRecord, at instant: Date) async {
        guard record.isUseWorthNoting(at: instant) else { return }
        _ = try? await reading { connection in
            try await connection.run(
                """
                UPDATE role_token SET last_used_at_ms = \(instant.milliseconds)
                WHERE id = \(record.rowID) AND coalesce(last_used_at_ms, 0) < \(instant.milliseconds)
                """, logger: logger)
        }
    }

    public func signIn(token: String, at instant: Date) async throws -> Result<(session: String, principal: Principal), TokenRefusal> {
        try await transaction { connection in
            guard let record = try await tokenRecord(where: "t.token_hash = $1", Secret.hash(token), on: connection) else {
                return .failure(.unknown)
            }
            if let refusal = record.refusal(at: instant) { return .failure(refusal) }
            let session = Secret.newToken()
            let expires = instant.addingTimeInterval(StaffSession.lifetime)
            try await connection.run("DELETE FROM staff_session WHERE expires_at_ms <= \(instant.milliseconds)", logger: logger)
            try await connection.run(
                """
                INSERT INTO staff_session (session_hash, role_token_id, created_at_ms, expires_at_ms)
                VALUES (\(Secret.hash(session)), \(record.rowID), \(instant.milliseconds), \(expires.milliseconds))
                """, logger: logger)
            try await connection.run(
                "UPDATE role_token SET last_used_at_ms = \(instant.milliseconds) WHERE id = \(record.rowID)", logger: logger)
            try await appendAudit(AuditRecord(
                at: instant, actor: record.holder.actor, action: "session.signed-in", surveyID: nil, subject: nil,
                oldValue: nil, newValue: nil, reason: nil), on: connection)
            return .success((session, record.holder))
        }
    }

    public func staffPrincipal(session: String, at instant: Date) async throws -> Principal? {
        let record = try await reading { connection in
            try await connection.first(
                """
                SELECT \(unescaped: Self.tokenColumns) FROM staff_session s JOIN role_token t ON t.id = s.role_token_id
                WHERE s.session_hash = \(Secret.hash(session)) AND s.expires_at_ms > \(instant.milliseconds)
                """, as: TokenRow.self, logger: logger
            ).flatMap(Self.record)
        }
        guard let record, record.refusal(at: instant) == nil else { return nil }
        await noteUse(of: record, at: instant)
        return record.holder
    }

    public func signOut(session: String) async throws {
        try await reading { connection in
            try await connection.run("DELETE FROM staff_session WHERE session_hash = \(Secret.hash(session))", logger: logger)
        }
    }

    public func auditLog(survey: String?) async throws -> [AuditRecord] {
        try await reading { connection in
            try await connection.all(
                """
                SELECT id, at_ms, actor, action, survey_id, subject, old_value, new_value, reason FROM audit_entry
                WHERE \(survey)::text IS NULL OR survey_id = \(survey) ORDER BY id
                """, as: (Int64, Int64, String, String, String?, String?, String?, String?, String?).self, logger: logger
            ).map {
                AuditRecord(
                    id: $0.0, at: Date(milliseconds: $0.1), actor: $0.2, action: $0.3, surveyID: $0.4, subject: $0.5,
                    oldValue: $0.6, newValue: $0.7, reason: $0.8)
            }
        }
    }

    public func recordExportDownload(of survey: String, export: String, by actor: String, at instant: Date) async throws {
        try await reading { connection in
            try await appendAudit(AuditRecord(
                at: instant, actor: actor, action: AuditRecord.exportDownloadedAction, surveyID: survey, subject: export,
                oldValue: nil, newValue: nil, reason: nil), on: connection)
        }
    }

    func appendAudit(_ record: AuditRecord, on connection: PostgresConnection) async throws {
        try await connection.run(
            """
            INSERT INTO audit_entry (at_ms, actor, action, survey_id, subject, old_value, new_value, reason)
            VALUES (\(record.at.milliseconds), \(record.actor), \(record.action), \(record.surveyID), \(record.subject),
                \(record.oldValue), \(record.newValue), \(record.reason))
            """, logger: logger)
    }
}
