import Foundation

/// Signals that a group of submissions (a campaign's members, or a whole survey's) may have been
/// stuffed: many from one client address, many with identical closed answers, or many in a burst.
/// They are shown to analysts and organizers only and are never used to drop or discount anything.
public struct StuffingSignals: Sendable {
    /// What the signals read of one submission.
    public struct Submission: Sendable, Hashable {
        /// The keyed hash of the client address it was submitted from (nil: not known, e.g. imported).
        public let clientKey: Data?
        /// Its closed answers (choices, ratings, numbers) in a canonical form; "" when it has none.
        public let closedAnswers: String
        public let receivedAt: Date

        public init(clientKey: Data?, closedAnswers: String, receivedAt: Date) {
            self.clientKey = clientKey
            self.closedAnswers = closedAnswers
            self.receivedAt = receivedAt
        }
    }

    /// The rule's thresholds, in one place.
    public enum Rule {
        /// Submissions from one address at which the address is a signal.
        public static let sameAddress = 5
        /// Submissions with the same closed answers at which they are a signal.
        public static let identicalClosedAnswers = 5
        /// Submissions within ``burstWindow`` at which they are a burst.
        public static let burstSize = 10
        public static let burstWindow: TimeInterval = 60
    }

    /// Addresses sending at least ``Rule/sameAddress`` submissions: how many, and how many submissions they sent.
    public let sharedAddresses: (addresses: Int, submissions: Int, largest: Int)
    /// Groups of at least ``Rule/identicalClosedAnswers`` submissions with the same closed answers.
    public let identicalAnswers: (groups: Int, submissions: Int, largest: Int)
    /// The most submissions received within ``Rule/burstWindow``, and when that window began.
    public let densestWindow: (count: Int, from: Date?)

    public init(_ submissions: [Submission]) {
        func groups<Key: Hashable>(_ keys: [Key], threshold: Int) -> (Int, Int, Int) {
            var counts: [Key: Int] = [:]
            for key in keys { counts[key, default: 0] += 1 }
            let large = counts.values.filter { $0 >= threshold }
            return (large.count, large.reduce(0, +), large.max() ?? 0)
        }
        sharedAddresses = groups(submissions.compactMap(\.clientKey), threshold: Rule.sameAddress)
        identicalAnswers = groups(
            submissions.map(\.closedAnswers).filter { !$0.isEmpty }, threshold: Rule.identicalClosedAnswers)
        let times = submissions.map(\.receivedAt).sorted()
        var best = (count: 0, from: Date?.none), start = 0
        for end in times.indices {
            while times[end].timeIntervalSince(times[start]) >= Rule.burstWindow { start += 1 }
            if end - start + 1 > best.count { best = (end - start + 1, times[start]) }
        }
        densestWindow = best
    }

    /// Whether any signal is raised.
    public var any: Bool { sharedAddresses.addresses > 0 || identicalAnswers.groups > 0 || isBurst }

    /// Whether the densest window holds a burst.
    public var isBurst: Bool { densestWindow.count >= Rule.burstSize }

    /// One plain sentence per signal raised, for pages.
    public var sentences: [String] {
        var lines: [String] = []
        if sharedAddresses.addresses > 0 {
            lines.append(
                "\(sharedAddresses.submissions) submissions came from \(sharedAddresses.addresses) client address(es) "
                    + "sending at least \(Rule.sameAddress) each (the most from one address: \(sharedAddresses.largest)).")
        }
        if identicalAnswers.groups > 0 {
            lines.append(
                "\(identicalAnswers.submissions) submissions share identical closed answers in \(identicalAnswers.groups) "
                    + "group(s) of at least \(Rule.identicalClosedAnswers) (the largest: \(identicalAnswers.largest)).")
        }
        if isBurst, let from = densestWindow.from {
            lines.append(
                "A burst: \(densestWindow.count) submissions within \(Int(Rule.burstWindow)) seconds from \(Instant.utcText(from)).")
        }
        return lines
    }
}
