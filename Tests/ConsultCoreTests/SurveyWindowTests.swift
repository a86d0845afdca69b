import ConsultCore
import Foundation
import Testing

@Suite struct SurveyWindowTests {
    let window = SurveyWindow(
        opensAt: Date(timeIntervalSince1970: 1_757_000_000), closesAt: Date(timeIntervalSince1970: 1_762_794_000))

    @Test func isOpenFromTheFirstToTheLastInstantIncluded() {
        #expect(window.status(at: window.opensAt) == .open)
        #expect(window.status(at: window.closesAt) == .open)
        #expect(window.accepts(receivedAt: window.closesAt))
    }

    @Test func refusesOneMillisecondOutside() {
        #expect(window.status(at: window.opensAt.addingTimeInterval(-0.001)) == .upcoming)
        #expect(window.status(at: window.closesAt.addingTimeInterval(0.001)) == .closed)
        #expect(!window.accepts(receivedAt: window.closesAt.addingTimeInterval(0.001)))
        #expect(!window.accepts(receivedAt: window.opensAt.addingTimeInterval(-0.001)))
    }
}
