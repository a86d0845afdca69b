import ConsultCore
import ConsultStore
import Foundation
import PostgresNIO

extension PostgresStore: DeadlineRecords {
    public func window(of survey: Survey) async throws -> SurveyWindow {
        try await reading { connection in
            let moved = try await connection.first(
                "SELECT closes_at_ms FROM survey_state WHERE survey_id = \(survey.id.rawValue)", as: Int64?.self, logger: logger)
            return survey.window(movedTo: moved ?? nil)
        }
    }

    /// How a transaction holds the survey's state row: storing a submission shares it, moving the deadline owns it.
    enum StateLock: String {
        case share = "FOR SHARE"
        case update = "FOR UPDATE"
    }

    /// The window in force, read inside a transaction with the survey's state row locked: a submission
    /// judged with it is judged against the deadline no move can change before the transaction ends.
    func window(of survey: Survey, locking lock: StateLock, on connection: PostgresConnection) async throws -> SurveyWindow {
        try await connection.run(
            "INSERT INTO survey_state (survey_id) VALUES (\(survey.id.rawValue)) ON CONFLICT (survey_id) DO NOTHING",
            logger: logger)
        let moved = try await connection.first(
            "SELECT closes_at_ms FROM survey_state WHERE survey_id = \(survey.id.rawValue) \(unescaped: lock.rawValue)",
            as: Int64?.self, logger: logger)
        return survey.window(movedTo: moved ?? nil)
    }

    public func moveDeadline(
        of survey: Survey, to closesAt: Date, actor: String, reason: String, at instant: Date
    ) async throws -> Date {
        let closesAt = closesAt.truncatedToMilliseconds
        return try await transaction { connection in
            let current = try await window(of: survey, locking: .update, on: connection)
            guard closesAt > current.opensAt else {
                throw DeadlineRefusal(message: "the deadline \(Instant.utcText(closesAt)) must be after the opening "
                    + Instant.utcText(current.opensAt))
            }
            try await connection.run(
                "UPDATE survey_state SET closes_at_ms = \(closesAt.milliseconds) WHERE survey_id = \(survey.id.rawValue)",
                logger: logger)
            try await appendAudit(AuditRecord(
                at: instant, actor: actor, action: "deadline.changed", surveyID: survey.id.rawValue, subject: nil,
                oldValue: Instant.utcText(current.closesAt), newValue: Instant.utcText(closesAt), reason: reason), on: connection)
            return current.closesAt
        }
    }

    /// The refusal of a submission received outside the window in force (the attempt counted), or nil.
    func refusal(for survey: Survey, at receivedAt: Date, on connection: PostgresConnection) async throws -> SubmissionOutcome? {
        let window = try await window(of: survey, locking: .share, on: connection)
        let status = window.status(at: receivedAt)
        guard status != .open else { return nil }
        let reason = status == .upcoming ? "not-yet-open" : "deadline-passed"
        try await connection.run(
            """
            INSERT INTO refused_attempt (survey_id, attempted_at_ms, reason)
            VALUES (\(survey.id.rawValue), \(receivedAt.milliseconds), \(reason))
            """, logger: logger)
        return .refused(status, window: window, receivedAt: receivedAt)
    }
}
