import Foundation
import HTTPTypes
import Hummingbird

/// When respondents use https: every response carries `Strict-Transport-Security`, and every
/// cookie is `Secure`, so a browser never sends a session or draft token over plain http.
/// Cookies are marked here, in one place, rather than where each is made.
struct HTTPSOnlyResponder<Inner: HTTPResponder>: HTTPResponder where Inner.Context: RequestContext {
    typealias Context = Inner.Context

    static var strictTransportSecurity: HTTPField.Name { HTTPField.Name("Strict-Transport-Security")! }
    /// One year, as browsers' preload lists ask.
    static var maxAge: String { "max-age=31536000" }

    let inner: Inner
    let isHTTPS: Bool

    func respond(to request: Request, context: Context) async throws -> Response {
        guard isHTTPS else { return try await inner.respond(to: request, context: context) }
        var response: Response
        do {
            response = try await inner.respond(to: request, context: context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        response.headers[Self.strictTransportSecurity] = Self.maxAge
        let cookies = response.headers[values: .setCookie]
        if !cookies.isEmpty { response.headers[values: .setCookie] = cookies.map(Self.secure) }
        return response
    }

    /// A `Set-Cookie` value with the `Secure` attribute.
    static func secure(_ setCookie: String) -> String {
        let attributes = setCookie.split(separator: ";").dropFirst()
        let isSecure = attributes.contains { $0.trimmingCharacters(in: .whitespaces).lowercased() == "secure" }
        return isSecure ? setCookie : setCookie + "; Secure"
    }
}
