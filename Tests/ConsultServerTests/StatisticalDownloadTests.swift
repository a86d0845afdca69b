import ConsultCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import ConsultServer

/// The SPSS and Stata downloads (issue #17): served like every export (attachment, no-store,
/// audited, nothing left on disk, HEAD without producing it), each file in its format.
@Suite struct StatisticalDownloadTests {
    @Test func responsesSavAndDtaAreServedAuditedAndLeaveNothing() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let token = try await server.token(.analyst)
        let organizer = try await server.token(.organizer)
        let exports = server.folder.appendingPathComponent("exports")
        try await ExportDownloadTests.run(server, exports: exports) { client in
            #expect(try await client.submit(validAnswers).status == .created)
            let formats = [("sav", "application/x-spss-sav", "$FL2"), ("dta", "application/x-stata-dta", "<stata_dta>")]
            for (kind, mediaType, magic) in formats {
                let path = "/api/v1/surveys/consult-test/responses.\(kind)"
                let head = try await client.executeRequest(uri: path, method: .head, headers: [.authorization: "Bearer \(token)"], body: nil)
                #expect(head.status == .ok && head.headers[.contentType] == mediaType, "HEAD \(kind)")
                let response = try await client.executeRequest(uri: path, method: .get, headers: [.authorization: "Bearer \(token)"], body: nil)
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == mediaType)
                #expect(response.headers[.contentDisposition] == "attachment; filename=\"consult-test-responses.\(kind)\"")
                #expect(response.headers[.cacheControl] == "no-store")
                #expect(Data(buffer: response.body).starts(with: Data(magic.utf8)), "a \(kind) file")
                #expect(try ExportDownloadTests.leftovers(exports).isEmpty)
                #expect(try await client.send(.get, path).status == .unauthorized)
                #expect(try await client.send(.get, "/api/v1/surveys/consult-test/analysis.\(kind)", token: token).status == .notFound)
            }
            let audit = try await client.send(.get, "/api/v1/audit?survey=consult-test", token: organizer)
            guard case .array(let entries) = audit.body else { Issue.record("no audit log"); return }
            let downloaded = entries.filter { $0["action"]?.string == "export.downloaded" }.compactMap { $0["subject"]?.string }
            #expect(downloaded.sorted() == ["responses.dta", "responses.sav"], "one GET each; no HEAD")
        }
    }
}
