import ConsultCore
import ConsultStore
import Foundation
import HummingbirdTesting
import Testing

@testable import ConsultServer

/// Role tokens end: revoked at once or at their expiry, on the API and in signed-in browsers.
@Suite struct RoleTokenLifecycleTests {
    @Test func aRevokedTokenIsRefusedOnTheAPIAndItsBrowserIsSignedOutAtOnce() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let token = try await server.token(.analyst)
        let other = try await server.token(.analyst)
        try await server.run { client in
            let browser = FormBrowser(client)
            _ = try await browser.get("/sign-in")
            #expect(try await browser.post("/sign-in", [("token", token)]).location == "/analyst")
            #expect(try await browser.get("/analyst/s/consult-test").status == .ok)
            #expect(try await client.send(.get, "/api/v1/surveys/consult-test/stats", token: token).status == .ok)

            // Revoked from another connection to the file, as `consult token revoke` does beside the server.
            let database = try server.openDatabase()
            let id = try #require(try await database.roleTokens().first?.id)
            let revoked = try await database.revokeToken(id: id, by: "cli:ops", reason: "Left the team", at: server.clock.now())
            #expect(revoked.revokedAt != nil)
            try database.close()

            let refused = try await client.send(.get, "/api/v1/surveys/consult-test/stats", token: token)
            #expect(refused.status == .unauthorized)
            #expect(refused.body["type"] == .string("/problems/token-revoked"))
            #expect(refused.body["detail"]?.string?.contains("revoked") == true)
            #expect(try await browser.get("/analyst/s/consult-test").status == .unauthorized)
            let again = FormBrowser(client)
            _ = try await again.get("/sign-in")
            let signIn = try await again.post("/sign-in", [("token", token)])
            #expect(signIn.status == .unauthorized)
            #expect(signIn.html.contains("The token was revoked"))
            // Other tokens are untouched.
            #expect(try await client.send(.get, "/api/v1/surveys/consult-test/stats", token: other).status == .ok)
        }
        let database = try server.openDatabase()
        defer { try? database.close() }
        let audit = try await database.auditLog().filter { $0.action == "token.revoked" }
        #expect(audit.count == 1)
        #expect(audit.first?.actor == "cli:ops")
        #expect(audit.first?.reason == "Left the team")
        #expect(audit.first?.subject?.hasPrefix("analyst:tester (tk-") == true)
    }

    @Test func anExpiredTokenIsRefusedAndEndsItsBrowserSession() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let start = server.clock.now()
        let database = try server.openDatabase()
        let token = try await database.createToken(
            role: .organizer, name: "Temp", expiresAt: start.addingTimeInterval(3600), by: "cli:ops", at: start)
        try database.close()
        try await server.run { client in
            let browser = FormBrowser(client)
            _ = try await browser.get("/sign-in")
            #expect(try await browser.post("/sign-in", [("token", token)]).location == "/organizer")
            #expect(try await client.send(.get, "/api/v1/audit", token: token).status == .ok)

            server.clock.set(start.addingTimeInterval(3600))
            let refused = try await client.send(.get, "/api/v1/audit", token: token)
            #expect(refused.status == .unauthorized)
            #expect(refused.body["type"] == .string("/problems/token-expired"))
            #expect(refused.headers[.wwwAuthenticate] == #"Bearer error="invalid_token""#)
            // The browser's 12-hour session would still run; the token's expiry ends it.
            #expect(try await browser.get("/organizer").status == .unauthorized)
            let again = FormBrowser(client)
            _ = try await again.get("/sign-in")
            let signIn = try await again.post("/sign-in", [("token", token)])
            #expect(signIn.status == .unauthorized)
            #expect(signIn.html.contains("The token expired at"))
        }
    }

    @Test func lastUseIsRecordedAtMostOnceAMinute() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let start = server.clock.now()
        let token = try await server.token(.analyst)
        func lastUsed() async throws -> Date? {
            let database = try server.openDatabase()
            defer { try? database.close() }
            return try await database.roleTokens().first?.lastUsedAt
        }
        #expect(try await lastUsed() == nil)
        try await server.run { (client: any TestClientProtocol) async throws in
            #expect(try await client.send(.get, "/api/v1/surveys/consult-test/stats", token: token).status == .ok)
            server.clock.set(start.addingTimeInterval(30))
            #expect(try await client.send(.get, "/api/v1/surveys/consult-test/stats", token: token).status == .ok)
        }
        #expect(try await lastUsed() == start)
        try await server.run { (client: any TestClientProtocol) async throws in
            server.clock.set(start.addingTimeInterval(61))
            #expect(try await client.send(.get, "/api/v1/surveys/consult-test/stats", token: token).status == .ok)
        }
        #expect(try await lastUsed() == start.addingTimeInterval(61))
    }

    @Test func onlyAnalystsReassignSectors() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let organizer = try await server.token(.organizer)
        let analyst = try await server.token(.analyst)
        try await server.run { client in
            let id = try #require(try await client.submit(validAnswers).body["id"]?.string)
            let body = JSONValue.object(["sector": .string("law_enforcement"), "reason": .string("Works for a police lab")])
            let refused = try await client.send(.put, "/api/v1/submissions/\(id)/sector", json: body, token: organizer)
            #expect(refused.status == .forbidden)
            #expect(refused.body["detail"]?.string?.contains("the token is a organizer token") == true)
            #expect(try await client.send(.put, "/api/v1/submissions/\(id)/sector", json: body, token: analyst).status == .ok)
        }
        let database = try server.openDatabase()
        defer { try? database.close() }
        #expect(try await database.auditLog().filter { $0.action == "sector.reassigned" }.map(\.actor) == ["analyst:tester"])
    }

    @Test func theReadmeAndTheAPIDocumentAgreeThatOnlyAnalystsReassignSectors() throws {
        let readme = try String(contentsOf: repositoryFile("README.md"), encoding: .utf8)
        #expect(readme.contains("| `PUT /api/v1/submissions/{id}/sector` | analysts only"))
        let document = try JSONDecoder().decode(
            JSONValue.self, from: Data(contentsOf: repositoryFile("Sources/ConsultServer/Resources/openapi.json")))
        let security = document["paths"]?["/api/v1/submissions/{submissionId}/sector"]?["put"]?["security"]
        #expect(security == .array([.object(["analystToken": .array([])])]))
    }
}
