import ConsultCore
import ConsultServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite struct RateLimitTests {
    /// With a limit of 3 a minute, the fourth submission is refused with 429 and Retry-After,
    /// reads still pass, and after the wait the client may submit again.
    @Test func aClientOverItsLimitGets429WithRetryAfterAndNothingIsStored() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.run(rateLimit: 3) { client in
            for _ in 0..<3 { #expect(try await client.submit(validAnswers).status == .created) }
            let refused = try await client.submit(validAnswers)
            #expect(refused.status == .tooManyRequests)
            #expect(refused.body["type"] == .string("/problems/rate-limited"))
            #expect(refused.headers[.retryAfter] == "20")
            #expect(try await client.send(.get, "/api/v1/surveys").status == .ok)
            server.clock.set(server.clock.now().addingTimeInterval(20))
            #expect(try await client.submit(validAnswers).status == .created)
        }
        let database = try server.openDatabase()
        defer { try? database.close() }
        #expect(try await database.submissionCount(survey: server.survey.id) == 4)
    }

    @Test func theBucketRefillsContinuouslyAndEachClientHasItsOwn() {
        let limiter = RateLimiter(perMinute: 60)
        let start = Date(timeIntervalSince1970: 0)
        for _ in 0..<60 { #expect(limiter.admit("a", at: start) == nil) }
        #expect(limiter.admit("a", at: start) == 1)
        #expect(limiter.admit("b", at: start) == nil)
        #expect(limiter.admit("a", at: start.addingTimeInterval(1)) == nil)
        #expect(limiter.admit("a", at: start.addingTimeInterval(1)) == 1)
        #expect(RateLimiter(perMinute: 0).admit("a", at: start) == nil)
    }
}
