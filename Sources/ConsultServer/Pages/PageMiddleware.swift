import Foundation
import Hummingbird
import HTTPTypes

/// Sends the browser security headers with every response, errors included: a content
/// security policy without inline scripts or styles, no MIME sniffing, no referrer (links
/// can hold secret tokens), and no framing.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    static var headers: HTTPFields {
        [
            HTTPField.Name("Content-Security-Policy")!:
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
            HTTPField.Name("X-Content-Type-Options")!: "nosniff",
            HTTPField.Name("Referrer-Policy")!: "no-referrer",
            HTTPField.Name("X-Frame-Options")!: "DENY",
        ]
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        for field in Self.headers { response.headers[field.name] = field.value }
        return response
    }
}

/// Shows problems on the web pages as readable HTML pages (with the same status) instead of
/// `application/problem+json`; the API keeps its problem documents.
struct PageErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let renderer: PageRenderer

    /// The paths that are the API's, answered with problem documents.
    static func isAPI(_ path: String) -> Bool {
        path.hasPrefix("/api/") || path == "/openapi.json" || path == "/healthz"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let problem as Problem where !Self.isAPI(request.uri.path) {
            var view: [String: Any] = [
                "title": problem.title, "detail": problem.detail, "status": Int(problem.status.code),
            ]
            if case .string(let link)? = problem.extensions["sign_in"] { view["signInLink"] = link }
            if case .array(let errors)? = problem.extensions["errors"], !errors.isEmpty {
                view["hasErrors"] = true
                view["errors"] = errors.compactMap { error -> [String: String]? in
                    guard case .object(let members) = error, case .string(let message)? = members["message"] else { return nil }
                    if case .string(let question)? = members["question"] { return ["question": question, "message": message] }
                    return ["question": "", "message": message]
                }
            }
            var response = renderer.render("error", view, status: problem.status)
            for field in problem.headers where field.name != .wwwAuthenticate { response.headers[field.name] = field.value }
            return response
        }
    }
}

