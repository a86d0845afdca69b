import ConsultStore
import Foundation
import Hummingbird

/// The respondent's credentials a browser keeps for one survey, each in a cookie scoped
/// to that survey's pages (`/s/<survey>`): the draft being filled in (with the submission it
/// edits, when it edits one) and the submission just made, for the confirmation page.
///
/// Neither outlives its use: the draft cookie ends when the draft expires (and at the latest
/// at the deadline, after which a draft cannot be saved), the submission's at the deadline,
/// after which its edit link changes nothing.
struct ResponseCookies {
    static let draftName = "consult_draft"
    static let submittedName = "consult_submitted"
    /// A submission made in the last minutes before the deadline is still remembered this long,
    /// so that its confirmation page and receipt download work.
    static let lastMinuteGrace: TimeInterval = 10 * 60

    /// The draft being filled in: `id.token`, or `id.token.submission.editToken` when it edits a submission.
    struct Draft {
        let id: String
        let token: String
        let edits: (id: String, token: String)?

        init(id: String, token: String, edits: (id: String, token: String)? = nil) {
            self.id = id
            self.token = token
            self.edits = edits
        }

        init?(_ value: String) {
            let parts = value.split(separator: ".").map(String.init)
            guard parts.count == 2 || parts.count == 4, parts.allSatisfy({ !$0.isEmpty && $0.count <= 64 }) else { return nil }
            id = parts[0]
            token = parts[1]
            edits = parts.count == 4 ? (parts[2], parts[3]) : nil
        }

        var value: String { ([id, token] + (edits.map { [$0.id, $0.token] } ?? [])).joined(separator: ".") }
    }

    /// A submission and its edit token: `id.token`.
    struct Submitted {
        let id: String
        let token: String

        init(id: String, token: String) {
            self.id = id
            self.token = token
        }

        init?(_ value: String) {
            let parts = value.split(separator: ".").map(String.init)
            guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.count <= 64 }) else { return nil }
            id = parts[0]
            token = parts[1]
        }

        var value: String { "\(id).\(token)" }
    }

    static func draft(in request: Request) -> Draft? {
        request.cookies[draftName].flatMap { Draft($0.value) }
    }

    static func submitted(in request: Request) -> Submitted? {
        request.cookies[submittedName].flatMap { Submitted($0.value) }
    }

    /// The cookie of `draft`, saved at `now`, living until the draft expires or the survey closes at `closesAt`.
    static func draftCookie(_ draft: Draft, survey: String, limits: DraftLimits, closesAt: Date, now: Date) -> Cookie {
        let ends = min(limits.expiry(updatedAt: now, closesAt: closesAt), closesAt)
        return cookie(draftName, draft.value, survey: survey, maxAge: ends.timeIntervalSince(now))
    }

    /// The cookie of a submission made at `now`, living until the survey closes at `closesAt`.
    static func submittedCookie(_ submitted: Submitted, survey: String, closesAt: Date, now: Date) -> Cookie {
        cookie(
            submittedName, submitted.value, survey: survey,
            maxAge: max(closesAt.timeIntervalSince(now), lastMinuteGrace))
    }

    private static func cookie(_ name: String, _ value: String, survey: String, maxAge: TimeInterval) -> Cookie {
        Cookie(
            name: name, value: value, maxAge: max(0, Int(maxAge.rounded(.down))), path: "/s/\(survey)", httpOnly: true,
            sameSite: .lax)
    }

    static func removal(_ name: String, survey: String) -> Cookie {
        Cookie(name: name, value: "", maxAge: 0, path: "/s/\(survey)", httpOnly: true, sameSite: .lax)
    }
}
