import Hummingbird
import NIOCore

/// The request context of consult's routes: Hummingbird's core storage and the client's
/// address, which the rate limit counts requests by, and whether the request is a `HEAD`.
public struct ConsultRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    /// True when the client sent `HEAD`: the route runs as `GET`, and may skip producing a body
    /// that would only be dropped (an export, for instance).
    public internal(set) var answersHEAD = false

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
