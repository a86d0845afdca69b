import ConsultCore
import ConsultStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

@testable import ConsultServer

/// Exports leave nothing on disk, are audited, and are never stored by caches.
@Suite struct ExportDownloadTests {
    static let apiExports = [
        "analysis.xml", "analysis.zip", "analysis/choices.csv", "responses.csv", "responses.xml",
        "analysis.xlsx", "responses.xlsx",
    ]

    /// Runs the real server with its exports written under `exports`, a folder the test owns.
    static func run(
        _ server: TestServer, exports: URL, _ test: @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        try FileManager.default.createDirectory(at: exports, withIntermediateDirectories: true)
        let consultation = Consultation(
            surveys: [server.survey], database: try server.openDatabase(), clock: server.clock, exportFolder: exports)
        var logger = Logger(label: "consult-test")
        logger.logLevel = .warning
        let app = try buildApplication(
            consultation, address: ServerAddress(host: "127.0.0.1", port: 0), logger: logger)
        try await app.test(.live) { client in try await test(client) }
    }

    static func leftovers(_ folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path)
    }

    @Test func headAndAbortedDownloadsLeaveNoExportFile() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let token = try await server.token(.analyst)
        let organizer = try await server.token(.organizer)
        let exports = server.folder.appendingPathComponent("exports")
        try await Self.run(server, exports: exports) { client in
            #expect(try await client.submit(validAnswers).status == .created)
            for file in Self.apiExports {
                let path = "/api/v1/surveys/consult-test/\(file)"
                let head = try await client.executeRequest(
                    uri: path, method: .head, headers: [.authorization: "Bearer \(token)"], body: nil)
                #expect(head.status == .ok, "\(file)")
                #expect(head.headers[.contentDisposition]?.hasPrefix("attachment") == true, "\(file)")
                #expect(try Self.leftovers(exports).isEmpty, "HEAD \(file)")
                let port = try #require(client.port)
                let firstBytes = try RawConnection.getAndHangUp(
                    port: port, path: path, headers: ["Authorization: Bearer \(token)"])
                #expect(firstBytes.hasPrefix("HTTP/1.1 200"), "\(file)")
                #expect(try Self.leftovers(exports).isEmpty, "aborted GET \(file)")
                #expect(try await client.send(.get, path, token: token).status == .ok)
                #expect(try Self.leftovers(exports).isEmpty, "GET \(file)")
            }
            let browser = FormBrowser(client)
            _ = try await browser.get("/sign-in")
            _ = try await browser.post("/sign-in", [("token", token)])
            let cookie = browser.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
            for file in Self.apiExports {
                let head = try await client.executeRequest(
                    uri: "/analyst/s/consult-test/download/\(file)", method: .head, headers: [.cookie: cookie], body: nil)
                #expect(head.status == .ok, "\(file)")
                #expect(try Self.leftovers(exports).isEmpty, "HEAD page \(file)")
            }
            let audit = try await client.send(.get, "/api/v1/audit?survey=consult-test", token: organizer)
            guard case .array(let entries) = audit.body else { Issue.record("no audit log"); return }
            #expect(entries.filter { $0["action"]?.string == "export.downloaded" }.count == 2 * Self.apiExports.count,
                "a GET and an aborted GET of each export; no HEAD")
        }
    }

    @Test func theExportFileIsPrivateAndUnlinkedOnceOpen() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("consult-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let file = try await UnlinkedExportFile.write(in: root) { folder in
            #expect(try Self.mode(of: folder.path) == 0o700)
            let file = folder.appendingPathComponent("responses.csv")
            try Data("id\r\n1\r\n".utf8).write(to: file)
            return [file]
        }
        defer { try? file.handle.close() }
        var status = stat()
        #expect(fstat(file.handle.fileDescriptor, &status) == 0)
        #expect(status.st_mode & 0o777 == 0o600)
        #expect(status.st_nlink == 0)
        #expect(file.size == 7)
        #expect(try Self.leftovers(root).isEmpty)
        #expect(try file.handle.readToEnd() == Data("id\r\n1\r\n".utf8))

        struct WriterFailed: Error {}
        await #expect(throws: WriterFailed.self) {
            _ = try await UnlinkedExportFile.write(in: root) { folder in
                try Data("partial".utf8).write(to: folder.appendingPathComponent("responses.csv"))
                throw WriterFailed()
            }
        }
        #expect(try Self.leftovers(root).isEmpty)
    }

    static func mode(of path: String) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    @Test func everyDownloadIsAuditedAndShownToOrganizers() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let analyst = try await server.token(.analyst)
        let organizer = try await server.token(.organizer)
        let exports = server.folder.appendingPathComponent("exports")
        try await Self.run(server, exports: exports) { client in
            #expect(try await client.submit(validAnswers).status == .created)
            #expect(try await client.send(.get, "/api/v1/surveys/consult-test/responses.csv", token: analyst).status == .ok)
            #expect(try await client.send(.get, "/api/v1/surveys/consult-test/analysis/choices.csv", token: organizer).status == .ok)
            let head = try await client.executeRequest(
                uri: "/api/v1/surveys/consult-test/analysis.zip", method: .head,
                headers: [.authorization: "Bearer \(analyst)"], body: nil)
            #expect(head.status == .ok)
            #expect(try await client.send(.get, "/api/v1/surveys/consult-test/responses.xml", token: "wrong").status == .unauthorized)
            let browser = FormBrowser(client)
            _ = try await browser.get("/sign-in")
            _ = try await browser.post("/sign-in", [("token", analyst)])
            #expect(try await browser.get("/analyst/s/consult-test/download/analysis.xml").status == .ok)

            let audit = try await client.send(.get, "/api/v1/audit?survey=consult-test", token: organizer)
            guard case .array(let entries) = audit.body else { Issue.record("no audit log"); return }
            let downloads = entries.filter { $0["action"]?.string == "export.downloaded" }
            #expect(downloads.map { $0["subject"]?.string ?? "" } == ["responses.csv", "analysis/choices.csv", "analysis.xml"])
            #expect(downloads.map { $0["actor"]?.string ?? "" } == ["analyst:tester", "organizer:tester", "analyst:tester"])
            #expect(downloads.allSatisfy { $0["survey_id"]?.string == "consult-test" && $0["at"]?.string != nil })

            let organizerBrowser = FormBrowser(client)
            _ = try await organizerBrowser.get("/sign-in")
            _ = try await organizerBrowser.post("/sign-in", [("token", organizer)])
            let page = try await organizerBrowser.get("/organizer/s/consult-test")
            #expect(page.html.contains("<td><bdi>tester</bdi> (analyst) downloaded <bdi>responses.csv</bdi>.</td>"))
            #expect(page.html.contains("<td><bdi>tester</bdi> (organizer) downloaded <bdi>analysis/choices.csv</bdi>.</td>"))
        }
    }

    @Test func secretsAndPersonalDataAreNeverStoredByCaches() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let analyst = try await server.token(.analyst)
        let exports = server.folder.appendingPathComponent("exports")
        try await Self.run(server, exports: exports) { client in
            let created = try await client.submit(validAnswers)
            #expect(created.headers[.cacheControl] == "no-store")
            let id = try #require(created.body["id"]?.string)
            let editToken = try #require(created.body["edit_token"]?.string)
            #expect(try await client.send(.get, "/api/v1/submissions/\(id)", token: editToken).headers[.cacheControl] == "no-store")
            let draft = try await client.send(.post, "/api/v1/surveys/consult-test/drafts", json: .object(["answers": .object([:])]))
            #expect(draft.headers[.cacheControl] == "no-store")
            let draftID = try #require(draft.body["id"]?.string)
            let resume = try #require(draft.body["resume_token"]?.string)
            #expect(try await client.send(.get, "/api/v1/drafts/\(draftID)", token: resume).headers[.cacheControl] == "no-store")
            for file in Self.apiExports {
                let path = "/api/v1/surveys/consult-test/\(file)"
                #expect(try await client.send(.get, path, token: analyst).headers[.cacheControl] == "no-store", "\(file)")
                let head = try await client.executeRequest(
                    uri: path, method: .head, headers: [.authorization: "Bearer \(analyst)"], body: nil)
                #expect(head.headers[.cacheControl] == "no-store", "HEAD \(file)")
            }
            let browser = FormBrowser(client)
            _ = try await browser.get("/sign-in")
            _ = try await browser.post("/sign-in", [("token", analyst)])
            for file in ["analysis.zip", "responses.csv", "analysis/levels.csv"] {
                #expect(try await browser.get("/analyst/s/consult-test/download/\(file)").headers[.cacheControl] == "no-store")
            }
        }
    }
}

/// A client on a plain socket, for what HTTP clients do not do on purpose.
enum RawConnection {
    /// Sends a GET, reads the first bytes of the answer, and closes the connection without reading the rest.
    static func getAndHangUp(port: Int, path: String, headers: [String]) throws -> String {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw POSIXError(.EIO) }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        let request = (["GET \(path) HTTP/1.1", "Host: 127.0.0.1:\(port)"] + headers).joined(separator: "\r\n") + "\r\n\r\n"
        _ = request.withCString { send(socket, $0, strlen($0), 0) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = recv(socket, &buffer, buffer.count, 0)
        return String(decoding: buffer.prefix(max(0, count)), as: UTF8.self)
    }
}
