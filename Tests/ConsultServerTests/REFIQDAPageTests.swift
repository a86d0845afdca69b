import ConsultCore
import ConsultStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import ConsultServer

/// The REFI-QDA downloads on the analyst page and the codebook import over the API, audited.
@Suite struct REFIQDAPageTests {
    static let codebook = """
        <?xml version="1.0" encoding="UTF-8"?>
        <CodeBook xmlns="urn:QDA-XML:codebook:1.0">
          <Codes>
            <Code guid="0902cdeb-ac64-4854-954e-5fd5f1cbb172" name="Risks &amp; harms" isCodable="true" color="#c03">
              <Description>What could go wrong</Description>
              <Code guid="{DD2392D8-0DC0-475F-9D4D-BCE3A05B201F}" name="Privacy" isCodable="true"/>
            </Code>
          </Codes>
        </CodeBook>
        """

    @Test func theAnalystPageOffersTheProjectAndTheCodebookOnceThereAreThemes() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let token = try await server.token(.analyst)
        try await server.run { client in
            #expect(try await client.submit(validAnswers).status == .created)
            let browser = FormBrowser(client)
            _ = try await browser.get("/sign-in")
            _ = try await browser.post("/sign-in", [("token", token)])
            let before = try await browser.get("/analyst/s/consult-test")
            #expect(before.html.contains("/analyst/s/consult-test/download/project.qdpx"))
            #expect(!before.html.contains("/download/codebook.qdc") && !before.html.contains("themes_by_sector.csv"))
            #expect(try await browser.get("/analyst/s/consult-test/download/codebook.qdc").status == .conflict)
            let project = try await browser.get("/analyst/s/consult-test/download/project.qdpx")
            #expect(project.status == .ok)
            #expect(project.headers[.contentDisposition] == "attachment; filename=\"consult-test-project.qdpx\"")

            let imported = try await client.executeRequest(
                uri: "/api/v1/surveys/consult-test/codebook.qdc", method: .put,
                headers: [.authorization: "Bearer \(token)", .contentType: "application/xml"],
                body: ByteBuffer(string: Self.codebook))
            #expect(imported.status == .created)
            #expect(String(buffer: imported.body).contains(#""created":2"#))

            let after = try await browser.get("/analyst/s/consult-test")
            #expect(after.html.contains("/analyst/s/consult-test/download/codebook.qdc"))
            #expect(after.html.contains("/analyst/s/consult-test/download/analysis/themes_by_sector.csv"))
            let file = try await browser.get("/analyst/s/consult-test/download/codebook.qdc")
            #expect(file.status == .ok)
            #expect(file.html.contains(##"<Code guid="0902CDEB-AC64-4854-954E-5FD5F1CBB172" name="Risks &amp; harms" isCodable="true" color="#CC0033">"##))
            #expect(file.html.contains(##"<Code guid="DD2392D8-0DC0-475F-9D4D-BCE3A05B201F" name="Privacy" isCodable="true" color="#808080"/>"##))
            let themes = try await browser.get("/analyst/s/consult-test/download/analysis/themes.csv")
            #expect(themes.html.contains("Risks & harms") && themes.html.contains(",active,0,0"))
        }
        let database = try server.openDatabase()
        defer { try? database.close() }
        let audit = try await database.auditLog(survey: "consult-test")
        #expect(audit.filter { $0.action == "themes.imported" }.map(\.newValue) == ["2 themes"])
        #expect(Set(audit.filter { $0.action == "export.downloaded" }.compactMap(\.subject))
            .isSuperset(of: ["project.qdpx", "codebook.qdc", "analysis/themes.csv"]))
    }
}
