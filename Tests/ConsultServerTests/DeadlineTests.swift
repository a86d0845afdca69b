import ConsultCore
import ConsultServer
import ConsultStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Synchronization
import Testing

@Suite struct DeadlineTests {
    @Test func aSubmissionAtExactlyTheDeadlineIsAcceptedAndOneMillisecondLaterRefused() async throws {
        let server = try TestServer(now: testDeadline)
        defer { server.remove() }
        try await server.run { client in
            let onTime = try await client.submit(validAnswers)
            #expect(onTime.status == .created)
            #expect(onTime.body["received_at"] == .string("2025-11-10T17:00:00.000Z"))

            server.clock.set(testDeadline.addingTimeInterval(0.001))
            let late = try await client.submit(validAnswers)
            #expect(late.status == .forbidden)
            #expect(late.body["type"] == .string("/problems/deadline-passed"))
            #expect(late.body["closes_at"] == .string("2025-11-10T17:00:00.000Z"))
            #expect(late.body["closes_at_local"] == .string("2025-11-10T18:00:00.000+01:00"))
            #expect(late.body["time_zone"] == .string("Europe/Vienna"))
            #expect(late.body["received_at"] == .string("2025-11-10T17:00:00.001Z"))
        }
        let database = try server.openDatabase()
        defer { try? database.close() }
        #expect(try await database.submissionCount(survey: server.survey.id) == 1)
        #expect(try await database.refusedAttempts(survey: server.survey.id) == ["deadline-passed": 1])
    }

    @Test func beforeTheOpeningASubmissionIsRefusedAndNothingStored() async throws {
        let server = try TestServer(now: Date(timeIntervalSince1970: 1_756_684_799.999))  // 1 ms before opens_at
        defer { server.remove() }
        let response = try await server.run { client in try await client.submit(validAnswers) }
        #expect(response.status == .forbidden)
        #expect(response.body["type"] == .string("/problems/not-yet-open"))
        #expect(response.body["opens_at"] == .string("2025-09-01T00:00:00.000Z"))
        let database = try server.openDatabase()
        defer { try? database.close() }
        #expect(try await database.submissionCount(survey: server.survey.id) == 0)
        #expect(try await database.refusedAttempts(survey: server.survey.id) == ["not-yet-open": 1])
    }

    @Test func anInvalidSubmissionAfterTheDeadlineIsRefusedForTheDeadline() async throws {
        let server = try TestServer(now: testDeadline.addingTimeInterval(60))
        defer { server.remove() }
        let response = try await server.run { client in try await client.submit([:]) }
        #expect(response.status == .forbidden)
        #expect(response.body["type"] == .string("/problems/deadline-passed"))
    }

    /// 200 submissions race across the deadline; the clock moves 1 ms at each reading, so
    /// the receive instants straddle it. None may be accepted after it or refused before it.
    @Test func concurrentSubmissionsRacingTheDeadlineAreDecidedByTheirReceiveInstant() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let clock = ManualClock(testDeadline.addingTimeInterval(-0.1), step: 0.001)
        let outcomes = try await server.run(.ahc(.http), clock: clock) { client in
            // At most 8 in flight, the client's connections to one host: enough to race, and no request
            // waits in its pool (on a loaded machine a queued one outwaited the pool's timeout).
            try await withThrowingTaskGroup(of: (HTTPResponse.Status, String?).self) { group in
                func submit() {
                    group.addTask {
                        let response = try await client.submit(validAnswers)
                        return (response.status, response.body["received_at"]?.string)
                    }
                }
                var outcomes: [(HTTPResponse.Status, String?)] = []
                for _ in 0..<8 { submit() }
                var started = 8
                while let outcome = try await group.next() {
                    outcomes.append(outcome)
                    if started < 200 {
                        submit()
                        started += 1
                    }
                }
                return outcomes
            }
        }
        func receivedAt(_ outcome: (HTTPResponse.Status, String?)) -> Date? {
            outcome.1.flatMap { try? Instant.parse($0) }
        }
        let accepted = outcomes.filter { $0.0 == .created }
        let refused = outcomes.filter { $0.0 == .forbidden }
        #expect(accepted.count + refused.count == 200)
        #expect(accepted.allSatisfy { receivedAt($0).map { $0 <= testDeadline } == true })
        #expect(refused.allSatisfy { receivedAt($0).map { $0 > testDeadline } == true })
        #expect(accepted.count == 101)
        let database = try server.openDatabase()
        defer { try? database.close() }
        #expect(try await database.submissionCount(survey: server.survey.id) == 101)
        #expect(try await database.refusedAttempts(survey: server.survey.id) == ["deadline-passed": 99])
    }

    /// With the real clock: a survey closing two seconds from now accepts now and refuses after.
    /// On a machine too busy to send one request within the window (the refusal's own
    /// `received_at` shows it), the scenario is repeated with a window twice as long.
    @Test func aSurveyClosingInTwoSecondsAcceptsBeforeAndRefusesAfter() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let organizer = try await server.token(.organizer)
        try await server.run(clock: SystemInstantSource()) { client in
            #expect(try await client.send(.get, "/healthz").status == .ok)
            var window: TimeInterval = 2
            for attempt in 1...3 {
                let closesAt = Date().addingTimeInterval(window)
                let moved = try await client.send(
                    .put, "/api/v1/surveys/consult-test/deadline",
                    json: .object(["closes_at": .string(Instant.utcText(closesAt)), "reason": .string("test")]),
                    token: organizer)
                #expect(moved.status == .ok)
                let before = try await client.submit(validAnswers)
                if before.status == .forbidden, attempt < 3,
                    let received = before.body["received_at"]?.string.flatMap({ try? Instant.parse($0) }),
                    received > closesAt
                {
                    window *= 2
                    continue
                }
                #expect(before.status == .created)
                try await Task.sleep(for: .milliseconds(Int(closesAt.timeIntervalSinceNow * 1000) + 100))
                let after = try await client.submit(validAnswers)
                #expect(after.status == .forbidden)
                #expect(after.body["type"] == .string("/problems/deadline-passed"))
                break
            }
        }
    }

    @Test func aDraftIsSavedResumedAndSubmittedButNotAfterTheDeadline() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.run { client in
            let partial: [String: JSONValue] = ["sector": .string("academia"), "uses": .string("yes"), "which": .string("EEG")]
            let created = try await client.send(
                .post, "/api/v1/surveys/consult-test/drafts", json: .object(["answers": .object(partial)]))
            #expect(created.status == .created)
            let id = try #require(created.body["id"]?.string)
            let token = try #require(created.body["resume_token"]?.string)

            let badType = try await client.send(
                .put, "/api/v1/drafts/\(id)", json: .object(["answers": .object(["years": .string("many")])]), token: token)
            #expect(badType.status == .unprocessableContent)

            let early = try await client.send(.post, "/api/v1/drafts/\(id)/submit", token: token)
            #expect(early.status == .unprocessableContent)

            // The respondent changes an earlier answer: the answer to the now hidden question is dropped on submit.
            var complete = validAnswers
            complete["uses"] = .string("no")
            complete["which"] = .string("no longer asked")
            let saved = try await client.send(.put, "/api/v1/drafts/\(id)", json: .object(["answers": .object(complete)]), token: token)
            #expect(saved.status == .ok)
            let resumed = try await client.send(.get, "/api/v1/drafts/\(id)", token: token)
            #expect(resumed.body["answers"] == .object(complete))
            #expect(try await client.send(.get, "/api/v1/drafts/\(id)", token: "wrong").status == .unauthorized)

            let submitted = try await client.send(.post, "/api/v1/drafts/\(id)/submit", token: token)
            #expect(submitted.status == .created)
            let submissionID = try #require(submitted.body["id"]?.string)
            let read = try await client.send(.get, "/api/v1/submissions/\(submissionID)", token: submitted.body["edit_token"]?.string)
            #expect(read.body["answers"]?["which"] == nil)
            #expect(try await client.send(.post, "/api/v1/drafts/\(id)/submit", token: token).status == .conflict)
            // A submitted draft keeps no answers: its resume token reads nothing.
            #expect(try await client.send(.get, "/api/v1/drafts/\(id)", token: token).status == .gone)

            let second = try await client.send(
                .post, "/api/v1/surveys/consult-test/drafts", json: .object(["answers": .object(validAnswers)]))
            let secondID = try #require(second.body["id"]?.string)
            server.clock.set(testDeadline.addingTimeInterval(1))
            let late = try await client.send(.post, "/api/v1/drafts/\(secondID)/submit", token: second.body["resume_token"]?.string)
            #expect(late.status == .forbidden)
            #expect(late.body["type"] == .string("/problems/deadline-passed"))
            let lateSave = try await client.send(
                .put, "/api/v1/drafts/\(secondID)", json: .object(["answers": .object([:])]), token: second.body["resume_token"]?.string)
            #expect(lateSave.status == .forbidden)
            let stillReadable = try await client.send(.get, "/api/v1/drafts/\(secondID)", token: second.body["resume_token"]?.string)
            #expect(stillReadable.status == .ok)
            let newDraft = try await client.send(.post, "/api/v1/surveys/consult-test/drafts")
            #expect(newDraft.status == .forbidden)
        }
    }
}
