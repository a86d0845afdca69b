import ConsultCore
import ConsultStore
import Foundation

/// The organizer's confirmation step before a deadline moves: the change in plain words.
enum DeadlineConfirmation {
    /// E.g. "This reopens the survey, closed since …, until …." or "This shortens the open survey
    /// from … to …; respondents will have 3 hours less."
    static func summary(_ change: DeadlineChange, zone: TimeZone, now: Date) -> String {
        func time(_ date: Date) -> String { PageDates.localAndUTC(date, in: zone) }
        let from = time(change.window.closesAt), to = time(change.closesAt)
        let difference = PageDates.remaining(
            until: max(change.closesAt, change.window.closesAt), from: min(change.closesAt, change.window.closesAt)
        ).replacingOccurrences(of: " 0 hours", with: "").replacingOccurrences(of: " 0 minutes", with: "")
        switch (change.kind, change.status) {
        case (.reopens, _):
            return "This reopens the survey, closed since \(from), until \(to): respondents can submit again "
                + "for \(PageDates.remaining(until: change.closesAt, from: now))."
        case (.staysClosed, _):
            return "The survey stays closed: its deadline moves from \(from) to \(to), which has passed too."
        case (.closesNow, _):
            return "This closes the open survey at once: its deadline moves from \(from) to \(to), which has "
                + "already passed. Submissions are refused from then on."
        case (.extends, .upcoming):
            return "The survey opens on \(time(change.window.opensAt)); this moves its deadline from \(from) "
                + "to \(to), so respondents will have \(difference) more."
        case (.shortens, .upcoming):
            return "The survey opens on \(time(change.window.opensAt)); this moves its deadline from \(from) "
                + "to \(to), so respondents will have \(difference) less."
        case (.extends, _):
            return "This extends the open survey from \(from) to \(to); respondents will have \(difference) more."
        case (.shortens, _):
            return "This shortens the open survey from \(from) to \(to); respondents will have \(difference) less."
        }
    }

    /// Why the new deadline is not offered for confirmation, for the form's error.
    static func message(_ refusal: DeadlineChange.Refusal, _ window: SurveyWindow, zone: TimeZone) -> String {
        switch refusal {
        case .unchanged:
            "The survey already closes at \(PageDates.localAndUTC(window.closesAt, in: zone)); enter another deadline."
        case .notAfterOpening:
            "The deadline must be after the opening, \(PageDates.localAndUTC(window.opensAt, in: zone))."
        }
    }
}
