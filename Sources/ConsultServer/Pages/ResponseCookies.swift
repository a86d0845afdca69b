import ConsultStore
import Foundation
import Hummingbird

/// The respondent's credentials a browser keeps for one survey, each in a cookie scoped
/// to that survey's pages (`/s/<survey>`): the draft being filled in (with the submission it
/// edits, when it edits one) and the submission just made, for the confirmation page.
struct ResponseCookies {
    static let draftName = "consult_draft"
    static let submittedName = "consult_submitted"
    /// Drafts are kept for the browser for 90 days.
    static let lifetime = 90 * 86_400

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

    static func cookie(_ name: String, _ value: String, survey: String) -> Cookie {
        Cookie(name: name, value: value, maxAge: lifetime, path: "/s/\(survey)", httpOnly: true, sameSite: .lax)
    }

    static func removal(_ name: String, survey: String) -> Cookie {
        Cookie(name: name, value: "", maxAge: 0, path: "/s/\(survey)", httpOnly: true, sameSite: .lax)
    }
}
