import ConsultStore
import Foundation
import Hummingbird

/// Organizers and analysts sign in on the web with their role token; the browser then
/// holds an HttpOnly, SameSite=Strict session cookie until they sign out or it expires.
struct SignInPages {
    let consultation: Consultation
    let renderer: PageRenderer

    func addRoutes(to router: Router<ConsultRequestContext>) {
        router.get("/sign-in", use: form)
        router.post("/sign-in", use: signIn)
        router.post("/sign-out", use: signOut)
    }

    @Sendable func form(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let visit = try await PageVisit(request, consultation: consultation)
        if let principal = visit.principal { return visit.redirect(to: "/\(principal.role.rawValue)") }
        return visit.page(renderer, "sign-in", ["title": "Sign in"])
    }

    @Sendable func signIn(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        var visit = try await PageVisit(request, consultation: consultation)
        var request = request
        let form = try await request.formFields()
        try visit.checkFormToken(form)
        let token = (form["token"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let now = consultation.clock.now()
        func refused(_ error: String) -> Response {
            visit.page(renderer, "sign-in", ["title": "Sign in", "error": error], status: .unauthorized)
        }
        guard !token.isEmpty else { return refused("Enter your token.") }
        let outcome = try await consultation.storing { try await consultation.database.signIn(token: token, at: now) }
        guard case .success(let (session, principal)) = outcome else {
            if case .failure(let refusal) = outcome, refusal != .unknown { return refused(refusal.message) }
            return refused("This token is not valid.")
        }
        // A new session id at sign-in, so that one planted before cannot ride on it.
        let fresh = Secret.newToken()
        visit.cookies.append(PageVisit.sessionCookie(fresh))
        visit.cookies.append(Cookie(
            name: PageVisit.staffCookie, value: session, maxAge: Int(StaffSession.lifetime), path: "/",
            httpOnly: true, sameSite: .strict))
        return visit.redirect(to: "/\(principal.role.rawValue)")
    }

    @Sendable func signOut(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        var visit = try await PageVisit(request, consultation: consultation)
        var request = request
        try visit.checkFormToken(try await request.formFields())
        if let session = request.cookies[PageVisit.staffCookie]?.value, !session.isEmpty {
            try await consultation.storing { try await consultation.database.signOut(session: session) }
        }
        visit.cookies.append(Cookie(
            name: PageVisit.staffCookie, value: "", maxAge: 0, path: "/", httpOnly: true, sameSite: .strict))
        return visit.redirect(to: "/")
    }
}
