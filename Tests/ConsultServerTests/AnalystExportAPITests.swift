import ConsultCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite struct AnalystExportAPITests {
    @Test func analystsDownloadEveryExportAndOthersAreRefused() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let analyst = try await server.token(.analyst)
        try await server.run { client in
            var confidential = validAnswers
            confidential["publication"] = .string("confidential")
            confidential["which"] = .string("SECRET-TEXT")
            #expect(try await client.submit(validAnswers).status == .created)
            #expect(try await client.submit(confidential).status == .created)

            let base = "/api/v1/surveys/consult-test"
            #expect(try await client.send(.get, "\(base)/stats").status == .unauthorized)
            #expect(try await client.send(.get, "\(base)/responses.csv", token: "nope").status == .unauthorized)

            let stats = try await client.send(.get, "\(base)/stats", token: analyst)
            #expect(stats.body["submissions"] == .number(2))
            #expect(stats.body["by_sector"]?["academia"] == .number(2))

            let csv = try await client.executeRequest(
                uri: "\(base)/analysis/respondents_by_sector.csv?line_ending=lf", method: .get,
                headers: [.authorization: "Bearer \(analyst)"], body: nil)
            #expect(csv.status == .ok)
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
            let text = String(buffer: csv.body)
            #expect(text.hasPrefix("sector,label,respondents,percent\n"))
            #expect(text.contains("academia,Academia,2,100\n"))

            let unknownTable = try await client.send(.get, "\(base)/analysis/nope.csv", token: analyst)
            #expect(unknownTable.status == .notFound)

            for (path, prefix) in [("analysis.xml", "<?xml"), ("responses.xml", "<?xml"), ("analysis.zip", "PK")] {
                let response = try await client.executeRequest(
                    uri: "\(base)/\(path)", method: .get, headers: [.authorization: "Bearer \(analyst)"], body: nil)
                #expect(response.status == .ok, "\(path)")
                #expect(String(decoding: Data(buffer: response.body).prefix(5), as: UTF8.self).hasPrefix(prefix), "\(path)")
            }
            let raw = try await client.executeRequest(
                uri: "\(base)/responses.csv", method: .get, headers: [.authorization: "Bearer \(analyst)"], body: nil)
            let rawText = String(buffer: raw.body)
            #expect(rawText.contains("EEG headsets"))
            #expect(!rawText.contains("SECRET-TEXT"))
            #expect(rawText.contains("ada@example.org"))
        }
    }
}
