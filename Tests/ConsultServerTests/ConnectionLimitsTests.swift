import Testing

@testable import ConsultServer

/// The deadlines a connection runs under, phase by phase (the real sockets are in
/// Scripts/fault/hostile_requests.py's slow-client cases).
@Suite struct ConnectionLimitsTests {
    let limits = ConnectionLimits(headerTimeout: .seconds(10), bodyTimeout: .seconds(30), idleTimeout: .seconds(15))

    @Test func aHeadSentLineByLineHasTheHeaderTimeoutFromItsFirstByte() {
        var deadlines = RequestDeadlines(limits)
        #expect(deadlines.connectionOpened() == .closeAfter(.seconds(15)))
        #expect(deadlines.bytesArrived() == .closeAfter(.seconds(10)))
        // Further lines of the same head do not move the deadline.
        #expect(deadlines.bytesArrived() == .keep)
        #expect(deadlines.bytesArrived() == .keep)
        #expect(deadlines.phase == .head)
    }

    @Test func aBodyHasTheBodyTimeoutAndTheResponseNone() {
        var deadlines = RequestDeadlines(limits)
        _ = deadlines.connectionOpened()
        _ = deadlines.bytesArrived()
        #expect(deadlines.headReceived() == .closeAfter(.seconds(30)))
        #expect(deadlines.bytesArrived() == .keep)
        #expect(deadlines.bodyEnded() == .cancel)
        #expect(deadlines.phase == .responding)
        #expect(deadlines.bytesArrived() == .keep)
    }

    @Test func aKeptAliveConnectionIsIdleAfterEachResponse() {
        var deadlines = RequestDeadlines(limits)
        _ = deadlines.connectionOpened()
        _ = deadlines.headReceived()
        _ = deadlines.bodyEnded()
        #expect(deadlines.responseEnded() == .closeAfter(.seconds(15)))
        #expect(deadlines.phase == .idle)
        #expect(deadlines.bytesArrived() == .closeAfter(.seconds(10)))
    }

    @Test func aPipelinedRequestKeepsItsOwnDeadline() {
        var deadlines = RequestDeadlines(limits)
        _ = deadlines.connectionOpened()
        _ = deadlines.headReceived()
        _ = deadlines.bodyEnded()
        #expect(deadlines.headReceived() == .closeAfter(.seconds(30)))
        #expect(deadlines.responseEnded() == .keep)
        #expect(deadlines.bodyEnded() == .cancel)
        #expect(deadlines.responseEnded() == .closeAfter(.seconds(15)))
    }

    @Test func aRequestAnsweredBeforeItsBodyEndsLeavesTheConnectionIdle() {
        var deadlines = RequestDeadlines(limits)
        _ = deadlines.connectionOpened()
        _ = deadlines.headReceived()
        #expect(deadlines.responseEnded() == .keep)
        #expect(deadlines.bodyEnded() == .closeAfter(.seconds(15)))
        #expect(deadlines.phase == .idle)
    }

    @Test func openingTwiceStartsOneIdleDeadline() {
        var deadlines = RequestDeadlines(limits)
        #expect(deadlines.connectionOpened() == .closeAfter(.seconds(15)))
        #expect(deadlines.connectionOpened() == .keep)
    }
}
