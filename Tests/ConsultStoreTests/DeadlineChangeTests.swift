import ConsultCore
import ConsultStore
import Foundation
import Testing

/// How a deadline move is described before an organizer confirms it.
@Suite struct DeadlineChangeTests {
    let opens = Date(timeIntervalSince1970: 1_000_000)
    var window: SurveyWindow { SurveyWindow(opensAt: opens, closesAt: opens.addingTimeInterval(10 * 86_400)) }
    func day(_ days: Double) -> Date { opens.addingTimeInterval(days * 86_400) }

    @Test func eachKindOfMove() throws {
        #expect(try DeadlineChange(window, to: day(20), at: day(15)).kind == .reopens)
        #expect(try DeadlineChange(window, to: day(12), at: day(15)).kind == .staysClosed)
        #expect(try DeadlineChange(window, to: day(12), at: day(5)).kind == .extends)
        #expect(try DeadlineChange(window, to: day(8), at: day(5)).kind == .shortens)
        #expect(try DeadlineChange(window, to: day(4), at: day(5)).kind == .closesNow)
        #expect(try DeadlineChange(window, to: day(8), at: day(-1)).kind == .shortens)
        #expect(try DeadlineChange(window, to: day(8), at: day(-1)).status == .upcoming)
        #expect(try DeadlineChange(window, to: day(8), at: day(5)).lengthening == -2 * 86_400)
    }

    @Test func theSameDeadlineOrOneNotAfterTheOpeningIsRefused() {
        #expect(throws: DeadlineChange.Refusal.unchanged) { try DeadlineChange(window, to: day(10), at: day(5)) }
        #expect(throws: DeadlineChange.Refusal.notAfterOpening) { try DeadlineChange(window, to: opens, at: day(5)) }
    }
}
