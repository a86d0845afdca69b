import ConsultCore
import Foundation

/// Who may do what: role tokens, browser sign-in sessions, and the append-only audit log.
public protocol AccessRecords: Sendable {
    /// A new role token (only its hash is kept), audited as issued by `actor`.
    func issueToken(
        role: Role, name: String, expiresAt: Date?, by actor: String, at instant: Date
    ) async throws -> (token: String, record: RoleTokenRecord)
    /// Every role token issued, oldest first.
    func roleTokens() async throws -> [RoleTokenRecord]
    /// Revokes token `id` (audited).
    func revokeToken(id: String, by actor: String, reason: String?, at instant: Date) async throws -> RoleTokenRecord
    /// The holder of `token` at `instant`, or why it is refused.
    func principal(forToken token: String, at instant: Date) async throws -> Result<Principal, TokenRefusal>
    /// Opens a browser session for the holder of `token`.
    func signIn(token: String, at instant: Date) async throws -> Result<(session: String, principal: Principal), TokenRefusal>
    /// The holder of a browser session still valid at `instant`.
    func staffPrincipal(session: String, at instant: Date) async throws -> Principal?
    /// Ends a browser session.
    func signOut(session: String) async throws
    /// The audit log, oldest first, of one survey (or of all when nil).
    func auditLog(survey: String?) async throws -> [AuditRecord]
    /// Audits an analyst's download of an export.
    func recordExportDownload(of survey: String, export: String, by actor: String, at instant: Date) async throws
}

extension AuditRecord {
    /// What the audit log calls a download of an export.
    public static let exportDownloadedAction = "export.downloaded"
    /// What the audit log calls an analyst opening a respondent's file.
    public static let attachmentDownloadedAction = "attachment.downloaded"
}

/// Browser sign-in sessions of organizers and analysts.
public enum StaffSession {
    /// How long a browser stays signed in.
    public static let lifetime: TimeInterval = 12 * 3600
}
