import ConsultCore
import Foundation
import Testing

@Suite struct InstantTests {
    let deadline = Date(timeIntervalSince1970: 1_762_794_000)  // 2025-11-10T17:00:00Z

    @Test(arguments: [
        "2025-11-10T18:00:00+01:00", "2025-11-10T17:00:00Z", "2025-11-10T17:00Z", "2025-11-10T12:00:00-05:00",
        "2025-11-10T18:00:00 Europe/Vienna", "2025-11-10T12:00 America/New_York", "2025-11-10T17:00:00 UTC",
    ])
    func readsAnOffsetOrAZoneName(text: String) throws {
        #expect(try Instant.parse(text) == deadline)
    }

    @Test func keepsFractionsOfASecond() throws {
        let date = try Instant.parse("2025-11-10T17:00:00.250Z")
        #expect(date.timeIntervalSince(deadline) == 0.25)
        #expect(Instant.utcText(date) == "2025-11-10T17:00:00.250Z")
    }

    @Test func utcTextAgreesWithTheCalendarFromCenturiesBackToCenturiesAhead() {
        let utc = TimeZone(identifier: "UTC") ?? .gmt
        var generator = SplitMix(seed: 2025)
        // Day boundaries, leap days and random whole milliseconds from 1600 to 2400.
        var instants: [Int64] = [0, -1, 86_399_999, 86_400_000, 951_782_400_000, 4_107_542_399_999, -11_676_096_000_000]
        for _ in 0..<2000 { instants.append(Int64(generator.next() % 25_245_000_000_000) - 11_676_096_000_000) }
        for millis in instants {
            let date = Date(timeIntervalSince1970: Double(millis) / 1000)
            let expected = Instant.localText(date, in: utc).replacingOccurrences(of: "+00:00", with: "Z")
            #expect(Instant.utcText(date) == expected, "\(millis)")
        }
    }

    @Test func alwaysWritesThreeFractionalDigitsSoInstantsSortAsText() {
        #expect(Instant.utcText(deadline) == "2025-11-10T17:00:00.000Z")
        #expect(Instant.utcText(deadline.addingTimeInterval(0.5)) == "2025-11-10T17:00:00.500Z")
        #expect(Instant.utcText(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        // Whole seconds next to fractions: the text order is the time order.
        let instants = [0.0, 0.001, 0.999, 1, 1.01, 59.5, 60, 3_600, 86_399.999, 86_400].map(deadline.addingTimeInterval)
        let texts = instants.map(Instant.utcText)
        #expect(texts.sorted() == texts)
        #expect(texts.allSatisfy { $0.wholeMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/) != nil })
    }

    @Test func usesTheZoneRulesOfTheDay() throws {
        #expect(Instant.utcText(try Instant.parse("2025-07-01T12:00:00 Europe/Vienna")) == "2025-07-01T10:00:00.000Z")
        #expect(Instant.utcText(try Instant.parse("2025-12-01T12:00:00 Europe/Vienna")) == "2025-12-01T11:00:00.000Z")
    }

    @Test(arguments: [
        ("2025-11-10T18:00:00", "\"2025-11-10T18:00:00\" has no UTC offset or time-zone name; write e.g. "
            + "2025-11-10T18:00:00+01:00 or 2025-11-10T18:00:00 Europe/Vienna"),
        ("2025-11-10 18:00+01:00", "\"2025-11-10 18:00+01:00\" is not a date and time; write e.g. "
            + "2025-11-10T18:00:00+01:00 or 2025-11-10T18:00:00 Europe/Vienna"),
        ("2025-02-30T10:00:00Z", "\"2025-02-30T10:00:00Z\" names a day that does not exist"),
        ("2025-11-10T18:00:00 CET", "\"2025-11-10T18:00:00 CET\" names an unknown time zone \"CET\"; "
            + "use an IANA name such as Europe/Vienna"),
        ("2025-11-10T18:00:00+25:00", "\"2025-11-10T18:00:00+25:00\" has an impossible UTC offset +25:00"),
        ("2026-03-29T02:30:00 Europe/Vienna", "\"2026-03-29T02:30:00 Europe/Vienna\" is not a valid time: it does not "
            + "exist in Europe/Vienna (hours past 23, or skipped by a daylight-saving change)"),
    ])
    func refusesAnInstantThatDoesNotSayWhichMoment(text: String, message: String) {
        let error = #expect(throws: Instant.ParseError.self) { try Instant.parse(text) }
        #expect(error?.message == message)
    }

    @Test func writesLocalTimeWithTheOffsetOfThatInstant() throws {
        let vienna = try #require(TimeZone(identifier: "Europe/Vienna"))
        #expect(Instant.localText(deadline, in: vienna) == "2025-11-10T18:00:00.000+01:00")
        let summer = try Instant.parse("2025-07-01T10:00:00Z")
        #expect(Instant.localText(summer, in: vienna) == "2025-07-01T12:00:00.000+02:00")
        #expect(Instant.localText(summer.addingTimeInterval(0.007), in: vienna) == "2025-07-01T12:00:00.007+02:00")
    }
}

/// A small deterministic random number generator for test inputs.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
