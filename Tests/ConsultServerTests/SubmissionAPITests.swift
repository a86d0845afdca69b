import ConsultCore
import ConsultStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite struct SubmissionAPITests {
    @Test func aValidSubmissionIsAcknowledgedAndSurvivesARestart() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let created = try await server.run { client in try await client.submit(validAnswers) }
        #expect(created.status == .created)
        let id = try #require(created.body["id"]?.string)
        let token = try #require(created.body["edit_token"]?.string)
        #expect(created.headers[.location] == "/api/v1/submissions/\(id)")
        #expect(created.body["received_at"]?.string == "2025-11-09T17:00:00.000Z")

        let read = try await server.run { client in
            try await client.send(.get, "/api/v1/submissions/\(id)", token: token)
        }
        #expect(read.status == .ok)
        #expect(read.body["answers"] == .object(validAnswers))
        #expect(read.body["version"] == .number(1))
        #expect(read.body["country"] == .string("AT"))
        #expect(read.body["region"] == .string("Western Europe"))
        #expect(read.body["level"] == .string("high"))
        #expect(read.body["sector"] == .object([
            "declared": .string("academia"), "other_text": .null, "final": .string("academia"),
        ]))
    }

    @Test func anOtherSectorIsClassifiedByKeywordsOrLeftUnclassified() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.run { client in
            for (text, expected) in [("Regional police academy", "law_enforcement"), ("Freelance artist", "unclassified")] {
                var answers = validAnswers
                answers["sector"] = .object(["choice": .string("other"), "other": .string(text)])
                let created = try await client.submit(answers)
                let id = try #require(created.body["id"]?.string)
                let read = try await client.send(.get, "/api/v1/submissions/\(id)", token: created.body["edit_token"]?.string)
                #expect(read.body["sector"] == .object([
                    "declared": .string("other"), "other_text": .string(text), "final": .string(expected),
                ]))
            }
        }
    }

    static let invalidAnswerCases: [(String, JSONValue?, String)] = [
        ("sector", nil, "an answer is required"),
        ("sector", .string("industry"), "\"industry\" is not an option; the options are law_enforcement, academia, or {\"choice\": \"other\", \"other\": \"…\"}"),
        ("sector", .object(["choice": .string("other"), "other": .string("  ")]), "say what \"other\" is: the \"other\" text is empty"),
        ("country", .string("XX"), "\"XX\" is not an ISO 3166-1 alpha-2 country code such as AT or BR"),
        ("country", .number(40), "expected text"),
        ("name", .string(String(repeating: "a", count: 21)), "the answer is 21 characters long; at most 20 are allowed"),
        ("email", .string("ada@"), "\"ada@\" is not an e-mail address"),
        ("email", .string("<script>x</script>@example.org"), "\"<script>x</script>@example.org\" is not an e-mail address"),
        ("email", .string(".ada@example.org"), "\".ada@example.org\" is not an e-mail address"),
        ("years", .number(61), "must be at most 60"),
        ("years", .number(2.5), "expected a whole number"),
        ("years", .string("12"), "expected a number"),
        ("uses", .string("maybe"), "\"maybe\" is not an option; the options are yes, no"),
        ("which", nil, "an answer is required"),
        ("tools", .array([.string("eeg"), .string("fmri"), .string("tms")]), "choose at most 2; 3 chosen"),
        ("tools", .array([.string("eeg"), .string("eeg")]), "\"eeg\" is chosen more than once"),
        ("tools", .string("eeg"), "expected a list of option ids; the options are eeg, fmri, tms, or {\"choice\": \"other\", \"other\": \"…\"}"),
        ("likelihood", .number(4), "expected one of the scale values 1, 2, 3"),
        ("concerns", .object(["privacy": .number(1)]), "rate every item; missing \"consent\""),
        ("concerns", .object(["privacy": .number(1), "consent": .number(1), "bias": .number(2)]), "\"bias\" is not an item of this question; its items are privacy, consent"),
        ("publication", .string("public"), "\"public\" is not an option; the options are public_named, public_anonymous, confidential"),
        ("unknown", .string("x"), "this survey has no question with this id"),
    ]

    @Test(arguments: invalidAnswerCases)
    func anInvalidAnswerIsRefusedNamingItsQuestion(question: String, value: JSONValue?, message: String) async throws {
        let server = try TestServer()
        defer { server.remove() }
        var edited = validAnswers
        edited[question] = value
        let answers = edited
        let response = try await server.run { client in try await client.submit(answers) }
        #expect(response.status == .unprocessableContent)
        #expect(response.body["type"] == .string("/problems/invalid-answers"))
        #expect(response.body["errors"] == .array([.object(["question": .string(question), "message": .string(message)])]))
        let database = try server.openDatabase()
        defer { try? database.close() }
        #expect(try await database.submissionCount(survey: server.survey.id) == 0)
    }

    @Test func anAnswerToAHiddenQuestionIsRefused() async throws {
        let server = try TestServer()
        defer { server.remove() }
        var edited = validAnswers
        edited["uses"] = .string("no")
        let answers = edited
        let response = try await server.run { client in try await client.submit(answers) }
        #expect(response.status == .unprocessableContent)
        #expect(response.body["errors"] == .array([.object([
            "question": .string("which"),
            "message": .string("this question is only asked when the answer to \"uses\" is \"yes\"; leave it out"),
        ])]))
    }

    @Test func malformedRequestsGetAProblemAndChangeNothing() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.run { client in
            let path = "/api/v1/surveys/consult-test/submissions"
            let notJSON = try await client.executeRequest(
                uri: path, method: .post, headers: [.contentType: "application/json"], body: .init(string: "{\"answers\":"))
            #expect(notJSON.status == .badRequest)
            #expect(notJSON.headers[.contentType] == "application/problem+json")
            let wrongType = try await client.executeRequest(
                uri: path, method: .post, headers: [.contentType: "text/plain"], body: .init(string: "{}"))
            #expect(wrongType.status == .unsupportedMediaType)
            let extra = try await client.send(.post, path, json: .object(["answers": .object([:]), "x": .null]))
            #expect(extra.status == .badRequest)
            let huge = try await client.executeRequest(
                uri: path, method: .post, headers: [.contentType: "application/json"],
                body: .init(string: String(repeating: " ", count: (1 << 20) + 1)))
            #expect(huge.status == .contentTooLarge)
            let unknown = try await client.send(.post, "/api/v1/surveys/nope/submissions", json: .object(["answers": .object([:])]))
            #expect(unknown.status == .notFound)
            #expect(unknown.body["type"] == .string("/problems/not-found"))
            let traversal = try await client.send(.get, "/api/v1/surveys/..%2F..%2Fetc")
            #expect(traversal.status == .notFound)
        }
        let database = try server.openDatabase()
        defer { try? database.close() }
        #expect(try await database.submissionCount(survey: server.survey.id) == 0)
    }

    @Test func aRetryWithTheSameIdempotencyKeyReturnsTheFirstResult() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.run { client in
            let key: HTTPFields = [.idempotencyKeyForTests: "retry-1"]
            let first = try await client.submit(validAnswers, headers: key)
            let retry = try await client.submit(validAnswers, headers: key)
            #expect(first.status == .created)
            #expect(retry.status == .created)
            #expect(retry.body == first.body)
            var other = validAnswers
            other["years"] = .number(3)
            let conflict = try await client.submit(other, headers: key)
            #expect(conflict.status == .conflict)
            #expect(conflict.body["type"] == .string("/problems/idempotency-conflict"))
        }
        let database = try server.openDatabase()
        defer { try? database.close() }
        #expect(try await database.submissionCount(survey: server.survey.id) == 1)
    }

    @Test func theOwnerEditsUntilTheDeadlineAndEveryVersionIsKept() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.run { client in
            let created = try await client.submit(validAnswers)
            let id = try #require(created.body["id"]?.string)
            let token = try #require(created.body["edit_token"]?.string)
            var edited = validAnswers
            edited["likelihood"] = .number(1)
            let body = JSONValue.object(["answers": .object(edited)])

            let noToken = try await client.send(.put, "/api/v1/submissions/\(id)", json: body)
            #expect(noToken.status == .unauthorized)
            let wrongToken = try await client.send(.put, "/api/v1/submissions/\(id)", json: body, token: "guess")
            #expect(wrongToken.status == .unauthorized)

            server.clock.set(testDeadline)
            let update = try await client.send(.put, "/api/v1/submissions/\(id)", json: body, token: token)
            #expect(update.status == .ok)
            #expect(update.body["version"] == .number(2))
            let read = try await client.send(.get, "/api/v1/submissions/\(id)", token: token)
            #expect(read.body["answers"] == .object(edited))
            #expect(read.body["level"] == .string("low"))

            server.clock.set(testDeadline.addingTimeInterval(0.001))
            let late = try await client.send(.put, "/api/v1/submissions/\(id)", json: body, token: token)
            #expect(late.status == .forbidden)
            #expect(late.body["type"] == .string("/problems/deadline-passed"))
            let stillReadable = try await client.send(.get, "/api/v1/submissions/\(id)", token: token)
            #expect(stillReadable.body["version"] == .number(2))
        }
    }
}

extension HTTPField.Name {
    static let idempotencyKeyForTests = HTTPField.Name("Idempotency-Key")!
}
