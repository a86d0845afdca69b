import Foundation

extension Survey {
    /// One line for organizers: counts, and the deadline in UTC and in the survey's zone.
    ///
    /// `neurotech-2025: 32 questions in 9 sections, 7 sectors; closes 2025-11-10T17:00:00Z
    /// (2025-11-10T18:00:00+01:00 Europe/Vienna); closed`
    public func summary(at now: Date) -> String {
        "\(id): \(questions.count) questions in \(sections.count) sections, \(sectors.count) sectors"
            + (scoring.map { ", \($0.scores.count) scores" } ?? "")
            + "; closes \(Instant.utcText(window.closesAt))"
            + " (\(Instant.localText(window.closesAt, in: timeZone)) \(timeZone.identifier))"
            + "; \(window.status(at: now).rawValue)"
    }
}
