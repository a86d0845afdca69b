import ConsultCore
import Foundation
import GRDB

/// What a role token lets its holder do.
public enum Role: String, Sendable, Hashable, CaseIterable, Codable {
    /// Moves deadlines, reads the audit log, sees the live figures.
    case organizer
    /// Reads exports and statistics, re-assigns sectors.
    case analyst
}

/// Someone holding a role token.
public struct Principal: Sendable, Hashable {
    public let role: Role
    public let name: String
    /// The row id of the role token they hold (nil when made without one): the coder identity
    /// the reading room records on codings.
    public let tokenID: Int64?

    public init(role: Role, name: String, tokenID: Int64? = nil) {
        self.role = role
        self.name = name
        self.tokenID = tokenID
    }

    /// How the audit log names them.
    public var actor: String { "\(role.rawValue):\(name)" }
}

/// One line of the append-only audit log.
public struct AuditRecord: Sendable, Hashable {
    public var id: Int64?
    public let at: Date
    public let actor: String
    /// What happened, e.g. `deadline.changed`.
    public let action: String
    public let surveyID: String?
    public let subject: String?
    public let oldValue: String?
    public let newValue: String?
    public let reason: String?

    public init(
        id: Int64? = nil, at: Date, actor: String, action: String, surveyID: String?, subject: String?,
        oldValue: String?, newValue: String?, reason: String?
    ) {
        self.id = id
        self.at = at
        self.actor = actor
        self.action = action
        self.surveyID = surveyID
        self.subject = subject
        self.oldValue = oldValue
        self.newValue = newValue
        self.reason = reason
    }
}

extension ConsultDatabase {
    /// Creates a role token and returns it; only its hash is stored, so it is shown this once.
    public func createToken(
        role: Role, name: String, expiresAt: Date? = nil, by actor: String = "cli", at instant: Date
    ) async throws -> String {
        try await issueToken(role: role, name: name, expiresAt: expiresAt, by: actor, at: instant).token
    }

    /// The audit log, oldest first, optionally for one survey.
    public func auditLog(survey: String? = nil) async throws -> [AuditRecord] {
        try await pool.read { db in
            let rows = try Row.fetchAll(
                db, sql: "SELECT * FROM audit_entry WHERE ?1 IS NULL OR survey_id = ?1 ORDER BY id", arguments: [survey])
            return rows.map { row in
                AuditRecord(
                    id: row["id"], at: Date(milliseconds: row["at_ms"]), actor: row["actor"], action: row["action"],
                    surveyID: row["survey_id"], subject: row["subject"], oldValue: row["old_value"],
                    newValue: row["new_value"], reason: row["reason"])
            }
        }
    }

    func appendAudit(_ record: AuditRecord, in db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO audit_entry (at_ms, actor, action, survey_id, subject, old_value, new_value, reason)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                record.at.milliseconds, record.actor, record.action, record.surveyID, record.subject, record.oldValue,
                record.newValue, record.reason,
            ])
    }
}
