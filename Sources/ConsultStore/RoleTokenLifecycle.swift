import ConsultCore
import Foundation
import GRDB

/// A role token as `consult token list` shows it: who holds it and its state, never the token.
public struct RoleTokenRecord: Sendable, Hashable {
    /// The token's public id, e.g. `tk-3f9a0c1b2d`: a prefix of its hash, which tells nothing of the token.
    public let id: String
    public let role: Role
    public let name: String
    public let createdAt: Date
    /// When it last signed a browser in or authorized an API request (to the minute).
    public let lastUsedAt: Date?
    public let expiresAt: Date?
    public let revokedAt: Date?
    package let rowID: Int64

    /// How the audit log names the token: its holder and its public id, e.g. `analyst:Bo (tk-3f9a0c1b2d)`.
    package var auditSubject: String { "\(holder.actor) (\(id))" }

    package init(
        id: String, role: Role, name: String, createdAt: Date, lastUsedAt: Date?, expiresAt: Date?, revokedAt: Date?, rowID: Int64
    ) {
        self.id = id
        self.role = role
        self.name = name
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.rowID = rowID
    }

    /// Whether a use at `instant` is worth writing down: at most once a minute per token, so that
    /// using a token costs no write per request.
    package func isUseWorthNoting(at instant: Date) -> Bool {
        guard let lastUsedAt else { return true }
        return instant.timeIntervalSince(lastUsedAt) >= 60
    }

    /// Who holds the token.
    public var holder: Principal { Principal(role: role, name: name, tokenID: rowID) }

    /// Why the token is not accepted at `instant`, or nil when it is.
    public func refusal(at instant: Date) -> TokenRefusal? {
        if let revokedAt { return .revoked(revokedAt) }
        if let expiresAt, expiresAt <= instant { return .expired(expiresAt) }
        return nil
    }

    /// Whether the token is active, expired or revoked at `instant`.
    public func state(at instant: Date) -> RoleTokenState {
        switch refusal(at: instant) {
        case nil: .active
        case .expired?: .expired
        case .revoked?, .unknown?: .revoked
        }
    }

    /// The columns `init(row:)` reads, of `role_token` named `t`.
    static let columns = """
        t.id AS row_id, t.public_id, t.role, t.name, t.created_at_ms, t.last_used_at_ms, t.expires_at_ms, t.revoked_at_ms
        """

    init?(row: Row) {
        guard let role = Role(rawValue: row["role"]) else { return nil }
        self.role = role
        id = row["public_id"]
        name = row["name"]
        createdAt = Date(milliseconds: row["created_at_ms"])
        lastUsedAt = (row["last_used_at_ms"] as Int64?).map(Date.init(milliseconds:))
        expiresAt = (row["expires_at_ms"] as Int64?).map(Date.init(milliseconds:))
        revokedAt = (row["revoked_at_ms"] as Int64?).map(Date.init(milliseconds:))
        rowID = row["row_id"]
    }
}

/// Where a role token stands, as `consult token list` shows it.
public enum RoleTokenState: String, Sendable, Hashable {
    case active, expired, revoked
}

/// Why a role token is not accepted.
public enum TokenRefusal: Error, Sendable, Hashable {
    /// No token has this value.
    case unknown
    case expired(Date)
    case revoked(Date)

    /// One sentence for the API's problem and the sign-in page.
    public var message: String {
        switch self {
        case .unknown: "The token is not valid."
        case .expired(let date): "The token expired at \(Instant.utcText(date)); ask for a new one."
        case .revoked(let date): "The token was revoked at \(Instant.utcText(date)); ask for a new one."
        }
    }
}

/// Why a token cannot be revoked; nothing was changed.
public struct TokenRevocationFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String
    public var description: String { message }

    package init(message: String) {
        self.message = message
    }
}

extension ConsultDatabase {
    /// Creates a role token, recording who made it; returns the token, shown this once (only
    /// its hash is stored), and its record with the public id that names it from then on.
    public func issueToken(
        role: Role, name: String, expiresAt: Date? = nil, by actor: String, at instant: Date
    ) async throws -> (token: String, record: RoleTokenRecord) {
        try await pool.write { db in
            var token = Secret.newToken()
            // Public ids are 40 bits of the hash: on the rare clash, draw another token.
            while try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM role_token WHERE substr(token_hash, 1, 5) = substr(?, 1, 5))",
                arguments: [Secret.hash(token)]) == true
            {
                token = Secret.newToken()
            }
            try db.execute(
                sql: "INSERT INTO role_token (role, name, token_hash, created_at_ms, expires_at_ms) VALUES (?, ?, ?, ?, ?)",
                arguments: [role.rawValue, name, Secret.hash(token), instant.milliseconds, expiresAt?.milliseconds])
            guard let record = try tokenRecord(where: "t.id = ?", [db.lastInsertedRowID], in: db) else {
                throw DatabaseError(message: "the new role token could not be read back")
            }
            try appendAudit(AuditRecord(
                at: instant, actor: actor, action: "token.created", surveyID: nil, subject: Self.auditSubject(record),
                oldValue: nil, newValue: expiresAt.map { "expires \(Instant.utcText($0))" }, reason: nil), in: db)
            return (token, record)
        }
    }

    /// Every role token, oldest first.
    public func roleTokens() async throws -> [RoleTokenRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT \(RoleTokenRecord.columns) FROM role_token t ORDER BY t.id")
                .compactMap(RoleTokenRecord.init(row:))
        }
    }

    /// Revokes the token with public id `id` at once: API requests with it are refused and the
    /// browsers signed in with it are signed out. Audited with `reason`, if given.
    public func revokeToken(id: String, by actor: String, reason: String?, at instant: Date) async throws
        -> RoleTokenRecord
    {
        try await pool.write { db in
            guard let record = try tokenRecord(where: "t.public_id = ?", [id], in: db) else {
                throw TokenRevocationFailure(message: "There is no token \(id); `consult token list` shows them.")
            }
            if let revokedAt = record.revokedAt {
                throw TokenRevocationFailure(
                    message: "The token \(id) was already revoked at \(Instant.utcText(revokedAt)); nothing was changed.")
            }
            try db.execute(
                sql: "UPDATE role_token SET revoked_at_ms = ? WHERE id = ?", arguments: [instant.milliseconds, record.rowID])
            try db.execute(sql: "DELETE FROM staff_session WHERE role_token_id = ?", arguments: [record.rowID])
            try appendAudit(AuditRecord(
                at: instant, actor: actor, action: "token.revoked", surveyID: nil, subject: Self.auditSubject(record),
                oldValue: nil, newValue: nil, reason: reason), in: db)
            return try tokenRecord(where: "t.id = ?", [record.rowID], in: db) ?? record
        }
    }

    /// Who holds `token` if it is accepted at `instant`, else why not. The lookup is by hash, so
    /// the token itself is never compared.
    public func principal(forToken token: String, at instant: Date) async throws -> Result<Principal, TokenRefusal> {
        let record = try await pool.read { db in
            try tokenRecord(where: "t.token_hash = ?", [Secret.hash(token)], in: db)
        }
        guard let record else { return .failure(.unknown) }
        if let refusal = record.refusal(at: instant) { return .failure(refusal) }
        await noteUse(of: record, at: instant)
        return .success(record.holder)
    }

    /// Records that `record`'s token was used at `instant`, at most once a minute per token.
    func noteUse(of record: RoleTokenRecord, at instant: Date) async {
        guard record.isUseWorthNoting(at: instant) else { return }
        // Best effort: a database that cannot take this write must not refuse a valid token.
        try? await pool.write { db in
            try db.execute(
                sql: "UPDATE role_token SET last_used_at_ms = ? WHERE id = ? AND coalesce(last_used_at_ms, 0) < ?",
                arguments: [instant.milliseconds, record.rowID, instant.milliseconds])
        }
    }

    func tokenRecord(where condition: String, _ arguments: StatementArguments, in db: Database) throws -> RoleTokenRecord? {
        try Row.fetchOne(db, sql: "SELECT \(RoleTokenRecord.columns) FROM role_token t WHERE \(condition)", arguments: arguments)
            .flatMap(RoleTokenRecord.init(row:))
    }

    /// How the audit log names a token: its holder and its public id, e.g. `analyst:Bo (tk-3f9a0c1b2d)`.
    static func auditSubject(_ record: RoleTokenRecord) -> String { record.auditSubject }
}
