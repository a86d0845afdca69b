import Hummingbird
import NIOCore

/// The request context of consult's routes: Hummingbird's core storage, who sent the
/// request (the rate limit counts requests by it), where the pages' links point, and
/// whether the request is a `HEAD`.
public struct ConsultRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    /// The local address the connection came in on.
    public let localAddress: SocketAddress?
    /// The client: the peer, or the client a trusted proxy forwarded for (`DeploymentMiddleware`).
    public var clientAddress: ClientAddress?
    /// The configured public URL (`DeploymentMiddleware`), if any.
    public var publicOrigin: PublicOrigin?
    /// True when the client sent `HEAD`: the route runs as `GET`, and may skip producing a body
    /// that would only be dropped (an export, for instance).
    public internal(set) var answersHEAD = false
    /// The id `RequestLogResponder` gave this request: in its log line, its `X-Request-Id` header and its problem document.
    public internal(set) var requestID: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
        localAddress = source.channel.localAddress
        clientAddress = remoteAddress?.ipAddress.flatMap { IPAddress($0) }.map(ClientAddress.init)
    }

    /// Where private links point: the public URL, else the address this connection reached
    /// (never the request's `Host` header).
    public var origin: PublicOrigin? { publicOrigin ?? PublicOrigin(reachedAt: localAddress) }
}
