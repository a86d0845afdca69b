import HTTPTypes
import Hummingbird

/// What the router leaves to the HTTP layer (RFC 9110, RFC 9112): `HEAD` answered as `GET`
/// without the body (the context tells the route, so it need not produce one), `405 Method Not Allowed` with `Allow` for a path that exists only under
/// other methods, and `400` for a request without exactly one well-formed `Host`.
struct HTTPSemanticsResponder<Inner: HTTPResponder>: HTTPResponder where Inner.Context == ConsultRequestContext {
    typealias Context = ConsultRequestContext

    let inner: Inner
    /// Each route's method and path segments (`{name}` matches any one segment).
    let routes: [(method: HTTPRequest.Method, segments: [Substring])]

    init(inner: Inner, routes: [(method: HTTPRequest.Method, path: String)]) {
        self.inner = inner
        self.routes = routes.map { ($0.method, $0.path.split(separator: "/")) }
    }

    func respond(to request: Request, context: Context) async throws -> Response {
        guard let authority = request.head.authority, Self.isWellFormedHost(authority),
            request.headers[values: HTTPField.Name("Host")!].isEmpty
        else {
            return try refuse(
                Problem.badRequest("An HTTP/1.1 request needs exactly one well-formed Host header."), request, context)
        }
        let path = request.uri.path.split(separator: "/")
        let method = request.method == .head ? HTTPRequest.Method.get : request.method
        let allowed = Set(routes.filter { Self.matches($0.segments, path) }.map(\.method))
        if !allowed.isEmpty, !allowed.contains(method) {
            var methods = allowed.map(\.rawValue)
            if allowed.contains(.get) { methods.append("HEAD") }
            var problem = Problem(
                "http-405", status: .methodNotAllowed, title: "Method not allowed",
                detail: "\(request.method) is not allowed on \(request.uri.path); use \(methods.sorted().joined(separator: " or ")).")
            problem.headers[.allow] = methods.sorted().joined(separator: ", ")
            return try refuse(problem, request, context)
        }
        guard request.method == .head else { return try await inner.respond(to: request, context: context) }
        var head = request.head
        head.method = .get
        var context = context
        context.answersHEAD = true
        var response = try await inner.respond(to: Request(head: head, body: request.body), context: context)
        response.body = ResponseBody()
        return response
    }

    private func refuse(_ problem: Problem, _ request: Request, _ context: Context) throws -> Response {
        var response = try problem.response(from: request, context: context)
        for field in SecurityHeadersMiddleware<Context>.headers { response.headers[field.name] = field.value }
        if request.method == .head { response.body = ResponseBody() }
        return response
    }

    static func matches(_ route: [Substring], _ path: [Substring]) -> Bool {
        route.count == path.count && zip(route, path).allSatisfy { $0.hasPrefix("{") || $0.hasPrefix(":") || $0 == $1 }
    }

    /// A host name, IPv4 address or bracketed IPv6 address, with an optional port.
    static func isWellFormedHost(_ authority: String) -> Bool {
        guard !authority.isEmpty, authority.utf8.count <= 255 else { return false }
        return authority.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ":")
                || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "]") || byte == UInt8(ascii: "_")
        }
    }
}
