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

    /// How a transaction holds the survey's deadline: storing a submission shares it, moving the deadline owns it.
    enum StateLock: String {
        case share = "pg_advisory_xact_lock_shared"
        case update = "pg_advisory_xact_lock"
    }

    /// The advisory locks' first key: the deadlines' space (the second is the survey's hash).
    static let deadlineLockSpace: Int32 = 0x4445_4144

    /// The window in force, read inside a transaction that holds the survey's deadline lock: a submission
    /// judged with it is judged against the deadline no move can change before the transaction ends.
    ///
    /// An advisory lock, not a row lock on `survey_state`: PostgreSQL queues a new shared request behind a
    /// waiting exclusive one for advisory locks, but lets new `FOR SHARE` lockers of a row join those holding it,
    /// so under a steady stream of submissions a move waited until the stream paused (a second and more in the
    /// two-node race, past the very extension it made). The state is read in a statement after the lock is
    /// granted, so its snapshot sees a move committed meanwhile.
    func window(of survey: Survey, locking lock: StateLock, on connection: PostgresConnection) async throws -> SurveyWindow {
        try await connection.run(
            "SELECT \(unescaped: lock.rawValue)(\(Self.deadlineLockSpace), hashtext(\(survey.id.rawValue)))", logger: logger)
        let moved = try await connection.first(
            "SELECT closes_at_ms FROM survey_state WHERE survey_id = \(survey.id.rawValue)", as: Int64?.self, logger: logger)
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
                """
                INSERT INTO survey_state (survey_id, closes_at_ms) VALUES (\(survey.id.rawValue), \(closesAt.milliseconds))
                ON CONFLICT (survey_id) DO UPDATE SET closes_at_ms = excluded.closes_at_ms
                """, logger: logger)
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
