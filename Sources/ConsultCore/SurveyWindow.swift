import Foundation

/// When a survey accepts submissions: from `opensAt` to `closesAt`, both included.
///
/// This is the one place the deadline rule lives: a submission is on time iff the
/// instant it was received is not after `closesAt`.
public struct SurveyWindow: Sendable, Hashable {
    public let opensAt: Date
    public let closesAt: Date

    public init(opensAt: Date, closesAt: Date) {
        self.opensAt = opensAt
        self.closesAt = closesAt
    }

    /// Where a survey stands at an instant.
    public enum Status: String, Sendable, Hashable, CaseIterable {
        case upcoming
        case open
        case closed
    }

    public func status(at instant: Date) -> Status {
        if instant < opensAt { return .upcoming }
        if instant > closesAt { return .closed }
        return .open
    }

    /// Whether a submission received at `instant` is accepted.
    public func accepts(receivedAt instant: Date) -> Bool {
        status(at: instant) == .open
    }
}
