import ConsultCore
import ConsultServer
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Position papers through the API: the upload resource, the submission that binds the files
/// with its receipt, and the hostile uploads, each refused with its documented problem and
/// leaving the database as it was.
@Suite struct UploadAPITests {
    static let pdf = Data("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n".utf8) + Data(repeating: 0x41, count: 5000)
        + Data("\nstartxref\n0\n%%EOF\n".utf8)

    static func hex(_ data: Data) -> String { SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined() }

    static let profile: [String: JSONValue] = [
        "sector": .string("academia"), "country": .string("BE"), "publication": .string("public_anonymous"),
    ]

    func upload(
        _ client: some TestClientProtocol, _ bytes: Data, name: String = "paper.pdf", token: String? = nil
    ) async throws -> (status: HTTPResponse.Status, body: JSONValue) {
        var headers: HTTPFields = [.contentType: "application/pdf"]
        if let token { headers[.uploadTokenField] = token }
        let query = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        let response = try await client.executeRequest(
            uri: "/api/v1/surveys/position-papers/files?question=paper&name=\(query)", method: .post, headers: headers,
            body: ByteBuffer(data: bytes))
        let data = Data(buffer: response.body)
        return (response.status, (try? JSONDecoder().decode(JSONValue.self, from: data)) ?? .null)
    }

    @Test func aPDFUploadedThenNamedInASubmissionIsBoundAndListedInTheReceipt() async throws {
        let server = try TestServer(surveyFile: "Surveys/position-papers.yaml")
        defer { server.remove() }
        try await server.run { client in
            let uploaded = try await upload(client, Self.pdf)
            #expect(uploaded.status == .created)
            let file = try #require(uploaded.body["file"])
            let token = try #require(uploaded.body["upload_token"]?.string)
            #expect(file["kind"] == .string("pdf"))
            #expect(file["size"] == .number(Double(Self.pdf.count)))
            #expect(file["sha256"] == .string(Self.hex(Self.pdf)))

            var answers = Self.profile
            answers["paper"] = .array([file])
            let submitted = try await client.send(
                .post, "/api/v1/surveys/position-papers/submissions", json: .object(["answers": .object(answers)]),
                headers: [.uploadTokenField: token, .idempotencyKeyField: "paper-1"])
            #expect(submitted.status == .created)
            #expect(submitted.body["receipt"]?["files"] == .array([file]))
            // The receipt's answers hash covers the file's hash.
            let canonical = JSONValue.object(["paper": .array([file])].merging(Self.profile) { a, _ in a }).canonicalText
            #expect(submitted.body["receipt"]?["answers_sha256"] == .string(Self.hex(Data(canonical.utf8))))

            // The same submission retried with its idempotency key: the first answer, nothing new.
            let retried = try await client.send(
                .post, "/api/v1/surveys/position-papers/submissions", json: .object(["answers": .object(answers)]),
                headers: [.uploadTokenField: token, .idempotencyKeyField: "paper-1"])
            #expect(retried.body["id"] == submitted.body["id"])

            // Bound files cannot be bound again, even with the token that uploaded them.
            let again = try await client.send(
                .post, "/api/v1/surveys/position-papers/submissions", json: .object(["answers": .object(answers)]),
                headers: [.uploadTokenField: token])
            #expect(again.status == .unprocessableContent)
            #expect(again.body["type"] == .string("/problems/unknown-file"))

            let id = try #require(submitted.body["id"]?.string)
            let edit = try #require(submitted.body["edit_token"]?.string)
            let read = try await client.send(.get, "/api/v1/submissions/\(id)", token: edit)
            #expect(read.body["answers"]?["paper"] == .array([file]))
        }
    }

    @Test func hostileUploadsAreRefusedAndChangeNothing() async throws {
        let server = try TestServer(surveyFile: "Surveys/position-papers.yaml")
        defer { server.remove() }
        try await server.run { client in
            // One file first, so the database has something to keep.
            let token = try #require(try await upload(client, Self.pdf).body["upload_token"]?.string)
            let before = try databaseState(server.databasePath)

            let fake = try await upload(client, Data("this is not a PDF\u{0}".utf8), name: "paper.pdf", token: token)
            #expect(fake.status == .unsupportedMediaType)
            #expect(fake.body["type"] == .string("/problems/file-kind"))
            let truncated = try await upload(client, Self.pdf.prefix(200), token: token)
            #expect(truncated.body["type"] == .string("/problems/file-kind"))
            let empty = try await upload(client, Data(), token: token)
            #expect(empty.body["type"] == .string("/problems/empty-file"))
            var over = Self.pdf
            over.append(Data(repeating: 0x20, count: 10 * 1_048_576 + 1 - over.count))
            let tooLarge = try await upload(client, over, token: token)
            #expect(tooLarge.status == .contentTooLarge)
            #expect(tooLarge.body["type"] == .string("/problems/file-too-large"))
            let same = try await upload(client, Self.pdf, token: token)
            #expect(same.status == .ok)
            #expect(try databaseState(server.databasePath) == before)

            // Names are for display only: no path, no NUL, no right-to-left override.
            let named = try await upload(client, Self.pdf + Data("x".utf8), name: "../../etc/pa\u{0}ss\u{202E}fdp.exe", token: token)
            #expect(named.body["file"]?["name"] == .string("passfdp.exe"))
            // Many tiny files: the question takes three.
            _ = try await upload(client, Data("one".utf8), name: "1.txt", token: token)
            let fourth = try await upload(client, Data("two".utf8), name: "2.txt", token: token)
            #expect(fourth.status == .unprocessableContent)
            #expect(fourth.body["type"] == .string("/problems/too-many-files"))
        }
    }

    @Test func aSubmissionNamingFilesAfterTheDeadlineIsRefusedAndBindsNothing() async throws {
        let server = try TestServer(surveyFile: "Surveys/position-papers.yaml")
        defer { server.remove() }
        try await server.run { client in
            let uploaded = try await upload(client, Self.pdf)
            let token = try #require(uploaded.body["upload_token"]?.string)
            var answers = Self.profile
            answers["paper"] = .array([try #require(uploaded.body["file"])])
            server.clock.set(Date(timeIntervalSince1970: 4_200_000_000))
            let late = try await client.send(
                .post, "/api/v1/surveys/position-papers/submissions", json: .object(["answers": .object(answers)]),
                headers: [.uploadTokenField: token])
            #expect(late.status == .forbidden)
            #expect(late.body["type"] == .string("/problems/deadline-passed"))
            // Still staged, not bound: the same bytes under the same token return it (uploads are refused
            // after the deadline, so reopen the clock for that one check).
            server.clock.set(testDeadline.addingTimeInterval(-86_400))
            let again = try await upload(client, Self.pdf, token: token)
            #expect(again.status == .ok)
            #expect(again.body["file"] == uploaded.body["file"])
        }
    }

    /// A DOCX and an ODT as Python's zipfile writes them (the structure word processors write), and
    /// the same ZIP with the ODT's mimetype naming another format.
    static func officeFiles(in folder: URL) throws -> (docx: Data, odt: Data, spreadsheet: Data) {
        let script = """
            import sys, zipfile
            folder = sys.argv[1]
            with zipfile.ZipFile(folder + "/a.docx", "w", zipfile.ZIP_DEFLATED) as z:
                z.writestr("[Content_Types].xml", "<Types/>")
                z.writestr("word/document.xml", "<w:document/>")
            for name, kind in (("a.odt", "text"), ("a.ods", "spreadsheet")):
                with zipfile.ZipFile(folder + "/" + name, "w") as z:
                    z.writestr("mimetype", "application/vnd.oasis.opendocument." + kind, zipfile.ZIP_STORED)
                    z.writestr("content.xml", "<office:document-content/>", zipfile.ZIP_DEFLATED)
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, folder.path]
        try process.run()
        process.waitUntilExit()
        return (
            try Data(contentsOf: folder.appendingPathComponent("a.docx")),
            try Data(contentsOf: folder.appendingPathComponent("a.odt")),
            try Data(contentsOf: folder.appendingPathComponent("a.ods")))
    }

    @Test func theKindOfOfficeFilesComesFromTheirEntriesNotTheirNames() async throws {
        let server = try TestServer(surveyFile: "Surveys/position-papers.yaml")
        defer { server.remove() }
        let files = try Self.officeFiles(in: server.folder)
        try await server.run { client in
            let docx = try await upload(client, files.docx, name: "paper.pdf")
            #expect(docx.status == .created)
            #expect(docx.body["file"]?["kind"] == .string("docx"))
            #expect(docx.body["file"]?["name"] == .string("paper.pdf"))
            let odt = try await upload(client, files.odt, name: "paper.docx")
            #expect(odt.body["file"]?["kind"] == .string("odt"))
            let text = try await upload(client, Data("Unsere Stellungnahme: Einwilligung zuerst.\n".utf8), name: "paper.odt")
            #expect(text.body["file"]?["kind"] == .string("text"))
            let spreadsheet = try await upload(client, files.spreadsheet, name: "paper.odt")
            #expect(spreadsheet.status == .unsupportedMediaType)
        }
    }

    @Test func afterTheDeadlineNoUploadIsTaken() async throws {
        let server = try TestServer(now: Date(timeIntervalSince1970: 4_200_000_000), surveyFile: "Surveys/position-papers.yaml")
        defer { server.remove() }
        try await server.run { client in
            let refused = try await upload(client, Self.pdf)
            #expect(refused.status == .forbidden)
            #expect(refused.body["type"] == .string("/problems/deadline-passed"))
        }
    }
}

extension HTTPField.Name {
    static let uploadTokenField = HTTPField.Name("Upload-Token")!
    static let idempotencyKeyField = HTTPField.Name("Idempotency-Key")!
}
