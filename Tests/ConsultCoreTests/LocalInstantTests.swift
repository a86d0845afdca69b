import ConsultCore
import Foundation
import Testing

/// What an organizer types for a deadline on the pages, read in the survey's zone.
@Suite struct LocalInstantTests {
    let vienna = TimeZone(identifier: "Europe/Vienna")!

    @Test func aDatetimeLocalValueIsLocalTimeInTheSurveysZone() throws {
        #expect(Instant.utcText(try LocalInstant.parse("2025-11-17T18:00", in: vienna)) == "2025-11-17T17:00:00.000Z")
        #expect(Instant.utcText(try LocalInstant.parse("2025-07-01T18:00:30", in: vienna)) == "2025-07-01T16:00:30.000Z")
        #expect(Instant.utcText(try LocalInstant.parse("2025-11-17T18:00:00.250", in: vienna)) == "2025-11-17T17:00:00.250Z")
    }

    @Test func explicitOffsetsAndZonesStillMeanWhatTheySay() throws {
        #expect(Instant.utcText(try LocalInstant.parse("2025-11-17T18:00:00Z", in: vienna)) == "2025-11-17T18:00:00.000Z")
        #expect(Instant.utcText(try LocalInstant.parse("2025-11-17T18:00:00-05:00", in: vienna)) == "2025-11-17T23:00:00.000Z")
        #expect(Instant.utcText(try LocalInstant.parse("2025-11-17T18:00 Europe/London", in: vienna)) == "2025-11-17T18:00:00.000Z")
    }

    @Test func timesTheClocksSkipOrRepeatAreRefusedInWords() {
        #expect(throws: Instant.ParseError.self) { try LocalInstant.parse("2025-03-30T02:30", in: vienna) }
        do {
            _ = try LocalInstant.parse("2025-03-30T02:30", in: vienna)
        } catch {
            #expect(error.message.contains("does not exist in Europe/Vienna"))
        }
        do {
            _ = try LocalInstant.parse("2025-10-26T02:30", in: vienna)
            Issue.record("an ambiguous time was accepted")
        } catch {
            #expect(error.message.contains("happens twice in Europe/Vienna"))
            #expect(error.message.contains("2025-10-26T00:30 UTC and 2025-10-26T01:30 UTC"))
        }
        #expect(throws: Instant.ParseError.self) { try LocalInstant.parse("2025-02-30T10:00", in: vienna) }
        #expect(throws: Instant.ParseError.self) { try LocalInstant.parse("tomorrow", in: vienna) }
    }

    @Test func theControlShowsTheInstantInTheZoneWithSecondsOnlyWhenNeeded() throws {
        #expect(LocalInstant.controlValue(try Instant.parse("2025-11-17T17:00:00Z"), in: vienna) == "2025-11-17T18:00")
        #expect(LocalInstant.controlValue(try Instant.parse("2025-11-17T17:00:09.5Z"), in: vienna) == "2025-11-17T18:00:09")
    }
}
