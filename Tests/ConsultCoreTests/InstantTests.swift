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

    @Test func usesTheZoneRulesOfTheDay() throws {
        #expect(Instant.utcText(try Instant.parse("2025-07-01T12:00:00 Europe/Vienna")) == "2025-07-01T10:00:00Z")
        #expect(Instant.utcText(try Instant.parse("2025-12-01T12:00:00 Europe/Vienna")) == "2025-12-01T11:00:00Z")
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
        #expect(Instant.localText(deadline, in: vienna) == "2025-11-10T18:00:00+01:00")
        let summer = try Instant.parse("2025-07-01T10:00:00Z")
        #expect(Instant.localText(summer, in: vienna) == "2025-07-01T12:00:00+02:00")
    }
}
