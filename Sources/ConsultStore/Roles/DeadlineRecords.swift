import ConsultCore
import Foundation

/// The deadline in force: the survey file's, or the one an organizer set (audited).
public protocol DeadlineRecords: Sendable {
    /// The survey's window with the deadline in force now.
    func window(of survey: Survey) async throws -> SurveyWindow
    /// Sets the survey's deadline to `closesAt` (audited with `reason`); returns the deadline in force after.
    func moveDeadline(
        of survey: Survey, to closesAt: Date, actor: String, reason: String, at instant: Date
    ) async throws -> Date
}

extension Survey {
    /// The window in force: the file's opening, and the deadline an organizer moved it to (milliseconds
    /// since 1970, as every engine stores it), if any.
    package func window(movedTo closesAtMilliseconds: Int64?) -> SurveyWindow {
        guard let closesAtMilliseconds else { return window }
        return SurveyWindow(opensAt: window.opensAt, closesAt: Date(milliseconds: closesAtMilliseconds))
    }
}
