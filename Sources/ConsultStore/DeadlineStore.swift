import ConsultCore
import Foundation
import GRDB

/// Why a deadline cannot be moved.
public struct DeadlineRefusal: Error, Sendable, Hashable {
    public let message: String

    package init(message: String) {
        self.message = message
    }
}

extension ConsultDatabase {
    /// The window in force for `survey`: the file's opening, and the organizers' deadline if they moved it.
    public func window(of survey: Survey) async throws -> SurveyWindow {
        try await pool.read { db in try window(of: survey, in: db) }
    }

    func window(of survey: Survey, in db: Database) throws -> SurveyWindow {
        let moved = try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT closes_at_ms FROM survey_deadline WHERE survey_id = ?"), arguments: [survey.id.rawValue])
        return survey.window(movedTo: moved)
    }

    /// Moves the survey's deadline, recording who, when, the old and new value and why in the audit log.
    /// Returns the previous deadline.
    public func moveDeadline(
        of survey: Survey, to closesAt: Date, actor: String, reason: String, at instant: Date
    ) async throws -> Date {
        let closesAt = closesAt.truncatedToMilliseconds
        return try await pool.write { db in
            let current = try window(of: survey, in: db)
            guard closesAt > current.opensAt else {
                throw DeadlineRefusal(message: "the deadline \(Instant.utcText(closesAt)) must be after the opening "
                    + Instant.utcText(current.opensAt))
            }
            try db.execute(
                sql: """
                    INSERT INTO survey_deadline (survey_id, closes_at_ms) VALUES (?, ?)
                    ON CONFLICT (survey_id) DO UPDATE SET closes_at_ms = excluded.closes_at_ms
                    """,
                arguments: [survey.id.rawValue, closesAt.milliseconds])
            try appendAudit(AuditRecord(
                at: instant, actor: actor, action: "deadline.changed", surveyID: survey.id.rawValue, subject: nil,
                oldValue: Instant.utcText(current.closesAt), newValue: Instant.utcText(closesAt), reason: reason), in: db)
            return current.closesAt
        }
    }
}
