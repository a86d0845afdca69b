import ConsultCore
import ConsultStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite struct OrganizerAndReceiptTests {
    @Test func organizerRoutesRefuseMissingWrongAndOtherRoleTokens() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let analyst = try await server.token(.analyst)
        try await server.run { client in
            let body = JSONValue.object(["closes_at": .string("2025-11-17T18:00:00+01:00"), "reason": .string("extension")])
            let missing = try await client.send(.put, "/api/v1/surveys/consult-test/deadline", json: body)
            #expect(missing.status == .unauthorized)
            #expect(missing.headers[.wwwAuthenticate] == "Bearer")
            let wrong = try await client.send(.put, "/api/v1/surveys/consult-test/deadline", json: body, token: "not-a-token")
            #expect(wrong.status == .unauthorized)
            let otherRole = try await client.send(.put, "/api/v1/surveys/consult-test/deadline", json: body, token: analyst)
            #expect(otherRole.status == .forbidden)
            #expect(otherRole.body["type"] == .string("/problems/forbidden"))
            #expect(try await client.send(.get, "/api/v1/audit").status == .unauthorized)
            #expect(try await client.send(.get, "/api/v1/audit", token: analyst).status == .forbidden)
        }
        let database = try server.openDatabase()
        defer { try? database.close() }
        #expect(try await database.window(of: server.survey) == server.survey.window)
    }

    @Test func anOrganizerMovesTheDeadlineWithAReasonAndItIsAuditedAndKept() async throws {
        let server = try TestServer(now: testDeadline.addingTimeInterval(3600))
        defer { server.remove() }
        let organizer = try await server.token(.organizer)
        try await server.run { client in
            #expect(try await client.submit(validAnswers).status == .forbidden)
            let noReason = try await client.send(
                .put, "/api/v1/surveys/consult-test/deadline",
                json: .object(["closes_at": .string("2025-11-17T18:00:00 Europe/Vienna"), "reason": .string(" ")]), token: organizer)
            #expect(noReason.status == .unprocessableContent)
            let noOffset = try await client.send(
                .put, "/api/v1/surveys/consult-test/deadline",
                json: .object(["closes_at": .string("2025-11-17T18:00:00"), "reason": .string("late call")]), token: organizer)
            #expect(noOffset.status == .unprocessableContent)
            let moved = try await client.send(
                .put, "/api/v1/surveys/consult-test/deadline",
                json: .object(["closes_at": .string("2025-11-17T18:00:00 Europe/Vienna"), "reason": .string("Late call from member states")]),
                token: organizer)
            #expect(moved.status == .ok)
            #expect(moved.body == .object([
                "survey_id": .string("consult-test"), "closes_at": .string("2025-11-17T17:00:00.000Z"),
                "closes_at_local": .string("2025-11-17T18:00:00.000+01:00"), "time_zone": .string("Europe/Vienna"),
                "previous_closes_at": .string("2025-11-10T17:00:00.000Z"),
            ]))
            let audit = try await client.send(.get, "/api/v1/audit?survey=consult-test", token: organizer)
            guard case .array(let entries) = audit.body, let entry = entries.first else {
                Issue.record("no audit entry: \(audit.body)")
                return
            }
            #expect(entries.count == 1)
            #expect(entry["action"] == .string("deadline.changed"))
            #expect(entry["actor"] == .string("organizer:tester"))
            #expect(entry["old_value"] == .string("2025-11-10T17:00:00.000Z"))
            #expect(entry["new_value"] == .string("2025-11-17T17:00:00.000Z"))
            #expect(entry["reason"] == .string("Late call from member states"))
        }
        // After a restart the moved deadline holds.
        try await server.run { client in
            #expect(try await client.submit(validAnswers).status == .created)
            let surveys = try await client.send(.get, "/api/v1/surveys")
            #expect(surveys.body == .array([.object([
                "id": .string("consult-test"), "title": .string("Test consultation"),
                "opens_at": .string("2025-09-01T00:00:00.000Z"), "closes_at": .string("2025-11-17T17:00:00.000Z"),
                "status": .string("open"),
            ])]))
        }
    }

    @Test func anAnalystReassignsASectorWithAnAuditEntry() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let analyst = try await server.token(.analyst)
        let organizer = try await server.token(.organizer)
        try await server.run { client in
            let created = try await client.submit(validAnswers)
            let id = try #require(created.body["id"]?.string)
            let unknownSector = try await client.send(
                .put, "/api/v1/submissions/\(id)/sector",
                json: .object(["sector": .string("industry"), "reason": .string("x")]), token: analyst)
            #expect(unknownSector.status == .unprocessableContent)
            let reassigned = try await client.send(
                .put, "/api/v1/submissions/\(id)/sector",
                json: .object(["sector": .string("law_enforcement"), "reason": .string("Works for a police lab")]),
                token: analyst)
            #expect(reassigned.status == .ok)
            #expect(reassigned.body["sector"]?["final"] == .string("law_enforcement"))
            #expect(reassigned.body["sector"]?["declared"] == .string("academia"))
            let audit = try await client.send(.get, "/api/v1/audit", token: organizer)
            #expect(audit.body.arrayCount == 3)  // two tokens created, one re-assignment
        }
    }

    @Test func aReceiptVerifiesAndAnyChangeMakesItInvalid() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.run { client in
            let created = try await client.submit(validAnswers)
            let receipt = try #require(created.body["receipt"])
            #expect(receipt["answers_sha256"] == .string(Receipt.answersHash(JSONValue.object(validAnswers).canonicalText)))
            let valid = try await client.send(.post, "/api/v1/receipts/verify", json: receipt)
            #expect(valid.body == .object(["valid": .bool(true), "reason": .null]))

            guard case .object(var tampered) = receipt else { return }
            tampered["received_at"] = .string("2025-11-09T16:59:59Z")
            let invalid = try await client.send(.post, "/api/v1/receipts/verify", json: .object(tampered))
            #expect(invalid.body["valid"] == .bool(false))

            let garbage = try await client.send(.post, "/api/v1/receipts/verify", json: .object(["x": .number(1)]))
            #expect(garbage.status == .badRequest)
        }
    }
}

extension JSONValue {
    var arrayCount: Int? {
        if case .array(let values) = self { return values.count }
        return nil
    }
}
