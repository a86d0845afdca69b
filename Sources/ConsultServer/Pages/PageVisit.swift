import ConsultCore
import ConsultStore
import Foundation
import Hummingbird

/// One browser request to a page: its session, the anti-forgery token its forms carry,
/// who is signed in, and the cookies the response sets.
///
/// The session is an opaque random cookie; a form's token is an HMAC of it, so a form
/// posted without the token, or with another session's, is refused.
struct PageVisit {
    static let sessionCookie = "consult_session"
    static let staffCookie = "consult_staff"

    let session: String
    let formToken: String
    /// The organizer or analyst signed in on this browser.
    let principal: Principal?
    /// The signed-in browser's staff session id.
    let staffSession: String?
    /// Cookies to set on the response.
    var cookies: [Cookie] = []
    private let database: any ConsultStorage

    init(_ request: Request, consultation: Consultation) async throws {
        let database = consultation.database
        if let existing = request.cookies[Self.sessionCookie]?.value, existing.utf8.count == 43 {
            session = existing
        } else {
            session = Secret.newToken()
            cookies.append(Self.sessionCookie(session))
        }
        formToken = database.formTokens.token(forSession: session)
        if let staff = request.cookies[Self.staffCookie]?.value, !staff.isEmpty {
            let now = consultation.clock.now()
            principal = try await consultation.storing { try await database.staffPrincipal(session: staff, at: now) }
            staffSession = principal == nil ? nil : staff
        } else {
            principal = nil
            staffSession = nil
        }
        self.database = database
    }

    static func sessionCookie(_ value: String) -> Cookie {
        Cookie(name: sessionCookie, value: value, path: "/", httpOnly: true, sameSite: .lax)
    }

    /// Refuses a form that lacks this session's anti-forgery token; nothing is changed.
    func checkFormToken(_ form: FormFields) throws {
        guard let token = form["csrf"], database.formTokens.accepts(token, forSession: session) else {
            throw Problem(
                "invalid-form-token", status: .forbidden, title: "This form cannot be accepted",
                detail: "The form did not carry this browser's security token: it may be from an old page or another site. "
                    + "Nothing was changed. Go back, reload the page and try again.")
        }
    }

    /// The organizer or analyst signed in with one of `roles`, or a 403 page that offers to sign in.
    func requireStaff(_ roles: Set<Role>) throws -> Principal {
        guard let principal, roles.contains(principal.role) else {
            var problem = Problem(
                "sign-in-needed", status: principal == nil ? .unauthorized : .forbidden,
                title: principal == nil ? "Please sign in" : "Not allowed",
                detail: principal == nil
                    ? "This page is for organizers and analysts. Sign in with your token."
                    : "This page needs the role \(roles.map(\.rawValue).sorted().joined(separator: " or ")); "
                        + "you are signed in as \(principal?.role.rawValue ?? "") .")
            problem.extensions["sign_in"] = .string("/sign-in")
            throw problem
        }
        return principal
    }

    /// A page with the members every page has (the form token, who is signed in) added to `view`.
    func page(_ renderer: PageRenderer, _ template: String, _ view: [String: Any], status: HTTPResponse.Status = .ok)
        -> Response
    {
        var view = view
        view["csrf"] = formToken
        if let principal {
            view["signedIn"] = ["name": UntrustedText.pageView(principal.name), "role": principal.role.rawValue]
        }
        var response = renderer.render(template, view, status: status)
        for cookie in cookies { response.setCookie(cookie) }
        return response
    }

    /// A `303 See Other` to `location`, with the visit's cookies.
    func redirect(to location: String) -> Response {
        var response = Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
        for cookie in cookies { response.setCookie(cookie) }
        return response
    }
}
