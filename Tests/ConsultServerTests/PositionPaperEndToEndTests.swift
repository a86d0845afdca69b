import ConsultCore
import ConsultServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Position papers from the respondent's upload to the analyst's export: a PDF uploaded through
/// the API and bound by a submission is extracted by the worker, found by the reading room's search
/// and shipped, byte for byte with its hash, in the attachments export — the two halves of the
/// feature (upload and storage; extraction and analysis) working on the same rows.
@Suite struct PositionPaperEndToEndTests {
    static let base = "/api/v1/surveys/position-papers"

    @Test func anUploadedPaperIsExtractedSearchedAndExported() async throws {
        let server = try TestServer(surveyFile: "Surveys/position-papers.yaml")
        defer { server.remove() }
        let analyst = try await server.token(.analyst)
        let paper = AttachmentAnalystTests.pdf("Neural privacy needs informed consent")
        try await server.run { client in
            let uploaded = try await UploadAPITests().upload(client, paper, name: "Our position.pdf")
            #expect(uploaded.status == .created)
            let file = try #require(uploaded.body["file"])
            let token = try #require(uploaded.body["upload_token"]?.string)
            var answers = UploadAPITests.profile
            answers["paper"] = .array([file])
            let submitted = try await client.send(
                .post, "\(Self.base)/submissions", json: .object(["answers": .object(answers)]),
                headers: [.uploadTokenField: token])
            #expect(submitted.status == .created)

            // The test server's own worker may extract the file first; either way it is extracted once.
            try await AttachmentFixture(server: server).extractAll()

            let found = try await client.send(.get, "\(Self.base)/texts?q=consent", token: analyst)
            guard case .array(let hits)? = found.body["attachments"] else { Issue.record("no attachment hits"); return }
            #expect(hits.count == 1)
            #expect(hits.first?["kind"] == .string("attachment"))
            #expect(hits.first?["file_name"] == .string("Our position.pdf"))
            // The file question is a filter of the search, like a text question.
            let byQuestion = try await client.send(.get, "\(Self.base)/texts?q=consent&question=paper", token: analyst)
            #expect(byQuestion.status == .ok && byQuestion.body["attachments_total"] == .number(1))
            let otherQuestion = try await client.send(.get, "\(Self.base)/texts?q=consent&question=summary", token: analyst)
            #expect(otherQuestion.body["attachments_total"] == .number(0))

            let export = try await AttachmentAnalystTests.get(client, "\(Self.base)/attachments.zip", token: analyst)
            #expect(export.status == .ok)
            // Read back by Python's zipfile and csv: the manifest names the upload's hash, and the file
            // in the archive has it.
            let zip = server.folder.appendingPathComponent("papers.zip")
            try export.bytes.write(to: zip)
            let script = """
                import csv, hashlib, io, sys, zipfile
                archive = zipfile.ZipFile(sys.argv[1])
                rows = list(csv.DictReader(io.TextIOWrapper(archive.open("manifest.csv"), "utf-8")))
                for row in rows:
                    print(row["file_name"], row["kind"], row["sha256"], hashlib.sha256(archive.read(row["file"])).hexdigest(), row["extraction"])
                """
            let report = try AttachmentFixture(server: server).run("/usr/bin/env", ["python3", "-c", script, zip.path])
            let hash = try #require(file["sha256"]?.string)
            #expect(report == "Our position.pdf pdf \(hash) \(hash) extracted\n")
        }
    }
}
