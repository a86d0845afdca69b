import ConsultCore
import ConsultServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite struct ServiceTests {
    @Test func healthAndSurveyDefinitionAreServed() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.run { client in
            #expect(try await client.send(.get, "/healthz").body == .object(["status": .string("ok"), "database": .string("ok")]))
            let definition = try await client.send(.get, "/api/v1/surveys/consult-test")
            #expect(definition.status == .ok)
            #expect(definition.body["closes_at_local"] == .string("2025-11-10T18:00:00.000+01:00"))
            #expect(definition.body["status"] == .string("open"))
            guard case .array(let sections)? = definition.body["sections"],
                case .array(let questions)? = sections.first?["questions"]
            else {
                Issue.record("no sections in \(definition.body)")
                return
            }
            #expect(questions.first?["options"] == .array([
                .object(["id": .string("law_enforcement"), "label": .string("Law enforcement"), "points": .null]),
                .object(["id": .string("academia"), "label": .string("Academia"), "points": .null]),
            ]))
        }
    }

    /// `/a/{survey_id}` or `/a/:survey_id` written as OpenAPI does here: `/a/{surveyId}`.
    static func openAPIPath(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { segment -> String in
            var name = String(segment)
            if name.hasPrefix(":") { name = "{\(name.dropFirst())}" }
            guard name.hasPrefix("{"), name.hasSuffix("}") else { return name }
            let words = name.dropFirst().dropLast().split(separator: "_")
            return "{" + (words.first.map(String.init) ?? "") + words.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined() + "}"
        }.joined(separator: "/")
    }

    /// The OpenAPI document names exactly the API routes the server has, with their methods
    /// (the web pages and their assets are not part of the API).
    @Test func theOpenAPIDocumentDescribesEveryRoute() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let document = try await server.run { client in try await client.send(.get, "/openapi.json").body }
        #expect(document["openapi"] == .string("3.1.0"))
        guard case .object(let paths)? = document["paths"] else {
            Issue.record("no paths")
            return
        }
        var operations: Set<String> = []
        for (path, item) in paths {
            guard case .object(let methods) = item else { continue }
            for method in methods.keys where ["get", "put", "post", "delete", "patch"].contains(method) {
                operations.insert("\(method.uppercased()) \(path)")
            }
        }
        let consultation = Consultation(surveys: [server.survey], database: try server.openDatabase(), clock: server.clock)
        defer { try? consultation.database.close() }
        let routes = Set(try buildRouter(consultation).routes
            .filter { ["/api/", "/healthz", "/openapi.json"].contains(where: $0.path.description.hasPrefix) }
            .map { "\($0.method) \(Self.openAPIPath($0.path.description))" })
        #expect(routes.count >= 21)
        #expect(operations == routes)
    }
}
