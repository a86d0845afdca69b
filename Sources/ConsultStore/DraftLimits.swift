import Foundation

/// How many drafts may be open at once, and how long a draft is kept.
///
/// A draft is open until it is submitted. Drafts expire (and are purged) when untouched
/// for ``untouchedLifetime``, and all drafts of a survey ``afterDeadline`` after its deadline.
public struct DraftLimits: Sendable, Hashable {
    /// Open drafts one survey may hold.
    public var perSurvey: Int
    /// Open drafts started from one client address, over all surveys.
    public var perClient: Int
    /// A draft not saved for this long expires.
    public var untouchedLifetime: TimeInterval
    /// A survey's drafts expire this long after its deadline.
    public var afterDeadline: TimeInterval

    public init(perSurvey: Int, perClient: Int, untouchedLifetime: TimeInterval, afterDeadline: TimeInterval) {
        self.perSurvey = perSurvey
        self.perClient = perClient
        self.untouchedLifetime = untouchedLifetime
        self.afterDeadline = afterDeadline
    }

    /// 50,000 open drafts per survey, 100 per client address; expiry after 30 days untouched
    /// or 7 days after the deadline.
    public static let standard = DraftLimits(
        perSurvey: 50_000, perClient: 100, untouchedLifetime: 30 * 86_400, afterDeadline: 7 * 86_400)

    /// When a draft saved at `updatedAt` for a survey closing at `closesAt` expires.
    public func expiry(updatedAt: Date, closesAt: Date) -> Date {
        min(updatedAt.addingTimeInterval(untouchedLifetime), closesAt.addingTimeInterval(afterDeadline))
    }
}

/// The cap a new draft would exceed.
public enum DraftCap: Sendable, Hashable {
    case survey(limit: Int)
    case client(limit: Int)
}
