import Hummingbird

/// How consult is reached in a deployment: the public URL its links are built on, and the
/// reverse proxies trusted to report the client's address.
public struct Deployment: Sendable {
    /// The URL respondents use; nil: links name the address each connection came in on.
    public var publicOrigin: PublicOrigin?
    public var trustedProxies: TrustedProxies

    public init(publicOrigin: PublicOrigin? = nil, trustedProxies: TrustedProxies = .none) {
        self.publicOrigin = publicOrigin
        self.trustedProxies = trustedProxies
    }

    /// Whether respondents use https: cookies are then `Secure` and responses carry HSTS.
    public var isHTTPS: Bool { publicOrigin?.isHTTPS == true }
}

/// Puts the deployment into each request's context: the public origin for links and, when
/// the peer is a trusted proxy, the client address it forwarded for.
struct DeploymentMiddleware: RouterMiddleware {
    let deployment: Deployment

    func handle(
        _ request: Request, context: ConsultRequestContext,
        next: (Request, ConsultRequestContext) async throws -> Response
    ) async throws -> Response {
        var context = context
        context.publicOrigin = deployment.publicOrigin
        if let peer = context.clientAddress?.address, !deployment.trustedProxies.isEmpty {
            context.clientAddress = ClientAddress.of(peer: peer, headers: request.headers, trusting: deployment.trustedProxies)
        }
        return try await next(request, context)
    }
}
