import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes

/// How long a client may take over each part of a request, and how many connections may be open
/// at once, so that slow or silent clients cannot hold the server's connections.
public struct ConnectionLimits: Sendable, Equatable {
    /// From the first byte of a request to the end of its header lines.
    public var headerTimeout: Duration
    /// From the end of the header lines to the end of the body.
    public var bodyTimeout: Duration
    /// How long a connection may wait for a request: after it opens, or after the last response.
    public var idleTimeout: Duration
    /// Connections served at once; further ones wait in the listen queue until one closes.
    public var maxConnections: Int

    public init(
        headerTimeout: Duration = .seconds(10), bodyTimeout: Duration = .seconds(30), idleTimeout: Duration = .seconds(15),
        maxConnections: Int = 1000
    ) {
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
        self.idleTimeout = idleTimeout
        self.maxConnections = maxConnections
    }
}

/// Where one connection's current request stands, and what that means for its deadline.
///
/// A connection is idle until a request's first bytes come, then reads its head, then its body,
/// then waits for the response, which has no deadline (an export may take long to stream).
struct RequestDeadlines {
    enum Phase: Equatable {
        case notStarted, idle, head, body, responding
    }

    /// What to do with the connection's one timer.
    enum Action: Equatable {
        /// Replace the timer: close the connection if it is still in this phase after the duration.
        case closeAfter(Duration)
        /// Stop the timer.
        case cancel
        /// Leave the timer as it is.
        case keep
    }

    let limits: ConnectionLimits
    private(set) var phase = Phase.notStarted
    /// Requests whose head came in and whose response has not ended yet.
    private var unanswered = 0

    init(_ limits: ConnectionLimits) {
        self.limits = limits
    }

    mutating func connectionOpened() -> Action {
        guard phase == .notStarted else { return .keep }
        phase = .idle
        return .closeAfter(limits.idleTimeout)
    }

    /// Bytes arrived, whether or not they completed anything.
    mutating func bytesArrived() -> Action {
        guard phase == .idle else { return .keep }
        phase = .head
        return .closeAfter(limits.headerTimeout)
    }

    mutating func headReceived() -> Action {
        unanswered += 1
        phase = .body
        return .closeAfter(limits.bodyTimeout)
    }

    mutating func bodyEnded() -> Action {
        guard unanswered > 0 else {
            // Answered before its body was read (a refusal): wait for the next request.
            phase = .idle
            return .closeAfter(limits.idleTimeout)
        }
        phase = .responding
        return .cancel
    }

    mutating func responseEnded() -> Action {
        unanswered = max(0, unanswered - 1)
        guard phase == .responding, unanswered == 0 else { return .keep }
        phase = .idle
        return .closeAfter(limits.idleTimeout)
    }
}

/// Closes a connection that stays too long idle, in its request's head or in its body
/// (see ``ConnectionLimits``). It sits after the HTTP decoder; bytes that complete no part
/// still reach it as read-complete events, which is how a head sent line by line is timed.
final class ConnectionDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var deadlines: RequestDeadlines
    private var timer: Scheduled<Void>?
    private let logger: Logger

    init(_ limits: ConnectionLimits, logger: Logger) {
        deadlines = RequestDeadlines(limits)
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { apply(deadlines.connectionOpened(), context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        apply(deadlines.connectionOpened(), context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: apply(deadlines.headReceived(), context)
        case .body: break
        case .end: apply(deadlines.bodyEnded(), context)
        }
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        apply(deadlines.bytesArrived(), context)
        context.fireChannelReadComplete()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { apply(deadlines.responseEnded(), context) }
        context.write(data, promise: promise)
    }

    private func apply(_ action: RequestDeadlines.Action, _ context: ChannelHandlerContext) {
        switch action {
        case .keep:
            return
        case .cancel:
            timer?.cancel()
            timer = nil
        case .closeAfter(let duration):
            timer?.cancel()
            let phase = deadlines.phase
            timer = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(duration)) { [self] in
                timer = nil
                logger.debug("closed a slow connection", metadata: ["phase": "\(phase)"])
                context.close(promise: nil)
            }
        }
    }
}

extension ConnectionLimits {
    /// The HTTP/1.1 server with these limits: the deadline handler on every connection, and
    /// Hummingbird's own cap on the connections accepted.
    var server: HTTPServerBuilder {
        let limits = self
        return .http1(configuration: HTTP1Channel.Configuration(
            additionalChannelHandlers: [ConnectionDeadlineHandler(limits, logger: Logger(label: "consult.connections"))]))
    }

    func availableConnections(logger: Logger) -> MaximumAvailableConnections {
        MaximumAvailableConnections(maxConnections, logger: logger)
    }
}
