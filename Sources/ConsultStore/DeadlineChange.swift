import ConsultCore
import Foundation

/// What moving a survey's deadline does, judged at one instant: whether it reopens a closed
/// survey, shortens or extends an open one, or closes it at once. Organizers confirm it in
/// these terms before anything is moved.
public struct DeadlineChange: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        /// The survey is closed and will accept submissions again.
        case reopens
        /// The survey stays closed; only its past deadline changes.
        case staysClosed
        /// An open (or not yet open) survey closes later.
        case extends
        /// An open (or not yet open) survey closes earlier, but not before now.
        case shortens
        /// An open survey's deadline moves into the past: it closes at once.
        case closesNow
    }

    /// Why a new deadline cannot be asked for; nothing is moved.
    public enum Refusal: Error, Sendable, Hashable {
        /// It is the deadline already in force.
        case unchanged
        /// It is not after the survey's opening.
        case notAfterOpening
    }

    public let window: SurveyWindow
    /// The new deadline, to the millisecond as the store keeps it.
    public let closesAt: Date
    /// The survey's status when the change was judged.
    public let status: SurveyWindow.Status
    public let kind: Kind

    /// Judges moving `window`'s deadline to `closesAt` at `now`.
    public init(_ window: SurveyWindow, to closesAt: Date, at now: Date) throws(Refusal) {
        let closesAt = closesAt.truncatedToMilliseconds
        if closesAt == window.closesAt.truncatedToMilliseconds { throw .unchanged }
        if closesAt <= window.opensAt { throw .notAfterOpening }
        self.window = window
        self.closesAt = closesAt
        status = window.status(at: now)
        switch status {
        case .closed: kind = closesAt >= now ? .reopens : .staysClosed
        case .open where closesAt < now: kind = .closesNow
        case .open, .upcoming: kind = closesAt > window.closesAt ? .extends : .shortens
        }
    }

    /// How much longer (positive) or shorter (negative) the survey accepts submissions, in seconds.
    public var lengthening: TimeInterval { closesAt.timeIntervalSince(window.closesAt) }
}
