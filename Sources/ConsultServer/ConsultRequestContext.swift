import Hummingbird
import NIOCore

/// The request context of consult's routes: Hummingbird's core storage and the client's
/// address, which the rate limit counts requests by.
public struct ConsultRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
