// Position papers (extract): analysts' side of attached files over the real server.
import ConsultCore
import ConsultServer
import ConsultStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import Testing
import TextExtraction

/// Attachment rows inserted with `sqlite3` as the files part stores them (its upload code is
/// another part's), with their real SHA-256.
struct AttachmentFixture {
    let server: TestServer

    /// Stores `content` as a current file of submission `submissionID`; returns its public id.
    func insert(submission submissionID: String, question: String, kind: String, name: String, content: Data) throws -> String {
        let file = server.folder.appendingPathComponent("fixture-\(UUID().uuidString)")
        try content.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let hash = try run("/usr/bin/sha256sum", [file.path]).prefix(64)
        let publicID = "f-" + UUID().uuidString.lowercased()
        _ = try run("/usr/bin/env", ["sqlite3", server.databasePath, """
            INSERT INTO attachment (public_id, survey_id, question, submission_seq, file_name, kind, size, sha256,
                uploaded_at_ms, content)
            SELECT '\(publicID)', 'consult-test', '\(question)', seq, '\(name)', '\(kind)', \(content.count), X'\(hash)', 0,
                readfile('\(file.path)')
            FROM submission WHERE id = '\(submissionID)';
            """])
        return publicID
    }

    /// Runs the extraction worker over every pending file, as `consult serve` does in the background.
    func extractAll(limits: ExtractionLimits = ExtractionLimits()) async throws {
        let database = try server.openDatabase()
        defer { try? database.close() }
        let consultation = Consultation(surveys: [server.survey], database: database, clock: server.clock)
        let worker = AttachmentExtractionWorker(
            consultation: consultation, extractor: TextExtractor(limits: limits, scratchFolder: server.folder),
            logger: Logger(label: "extract-test"))
        await worker.extractPending(limit: 100)
    }

    func run(_ program: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(program) \(arguments.joined(separator: " "))")
        return String(decoding: data, as: UTF8.self)
    }
}

@Suite struct AttachmentAnalystTests {
    static let base = "/api/v1/surveys/consult-test"

    /// A one-page PDF whose only line is `text` (ASCII).
    static func pdf(_ text: String) -> Data {
        let content = "BT /F1 12 Tf 72 720 Td (\(text)) Tj ET"
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            "<< /Length \(content.utf8.count) >>\nstream\n\(content)\nendstream", "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
        var out = "%PDF-1.4\n"
        var offsets: [Int] = []
        for (index, object) in objects.enumerated() {
            offsets.append(out.utf8.count)
            out += "\(index + 1) 0 obj\n\(object)\nendobj\n"
        }
        let xref = out.utf8.count
        out += "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n" + offsets.map { String(format: "%010d 00000 n \n", $0) }.joined()
        out += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        return Data(out.utf8)
    }

    static func get(_ client: some TestClientProtocol, _ uri: String, token: String?) async throws
        -> (status: HTTPResponse.Status, headers: HTTPFields, bytes: Data)
    {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        let response = try await client.executeRequest(uri: uri, method: .get, headers: headers, body: nil)
        return (response.status, response.headers, Data(buffer: response.body))
    }

    @Test func analystsOpenSearchAndExportFilesUnderThePublicationRules() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let analyst = try await server.token(.analyst)
        let pseudonyms = try { let database = try server.openDatabase(); defer { try? database.close() }; return database.pseudonyms }()
        let fixture = AttachmentFixture(server: server)
        let paper = Self.pdf("Rural broadband for schools")
        try await server.run { client in
            func submit(_ publication: String, _ name: String) async throws -> String {
                let answers = TextSearchAPITests.answers(which: "Headsets", publication: publication, name: name)
                let response = try await client.submit(answers)
                #expect(response.status == .created)
                return try #require(response.body["id"]?.string)
            }
            let named = try await submit("public_named", "Ada")
            let anonymous = try await submit("public_anonymous", "Bea")
            let confidential = try await submit("confidential", "Cy")
            let paperID = try fixture.insert(submission: named, question: "which", kind: "pdf", name: "broadband-paper.pdf", content: paper)
            let cvID = try fixture.insert(
                submission: named, question: "name", kind: "text", name: "ada-cv.txt", content: Data("Ada, broadband engineer".utf8))
            let odtID = try fixture.insert(
                submission: anonymous, question: "which", kind: "odt", name: "Stellungnahme.odt",
                content: OfficeFixture.odt("Breitband und broadband im Dorf"))
            let personalID = try fixture.insert(
                submission: anonymous, question: "name", kind: "text", name: "bea.txt", content: Data("Bea likes broadband".utf8))
            let brokenID = try fixture.insert(
                submission: anonymous, question: "which", kind: "pdf", name: "broken.pdf", content: Data("%PDF-1.4 not really".utf8))
            let secretID = try fixture.insert(
                submission: confidential, question: "which", kind: "pdf", name: "secret.pdf", content: Self.pdf("Confidential broadband plan"))
            try await fixture.extractAll()
            let (ada, bea, cy) = (pseudonyms.pseudonym(for: named), pseudonyms.pseudonym(for: anonymous), pseudonyms.pseudonym(for: confidential))

            // Listed with their extraction; a personal file only for the respondent published by name.
            let adaFiles = try await client.send(.get, "\(Self.base)/respondents/\(ada)/files", token: analyst)
            guard case .array(let listed)? = adaFiles.body["files"] else { Issue.record("no files"); return }
            #expect(Set(listed.compactMap { $0["id"]?.string }) == [paperID, cvID])
            let listedPaper = try #require(listed.first { $0["id"]?.string == paperID })
            #expect(listedPaper["extraction"]?.string == "extracted" && listedPaper["pages"] == .number(1))
            #expect(listedPaper["characters"] == .number(Double("Rural broadband for schools".count)))
            let beaFiles = try await client.send(.get, "\(Self.base)/respondents/\(bea)/files", token: analyst)
            guard case .array(let beaListed)? = beaFiles.body["files"] else { Issue.record("no files"); return }
            #expect(Set(beaListed.compactMap { $0["id"]?.string }) == [odtID, brokenID])
            let broken = try #require(beaListed.first { $0["id"]?.string == brokenID })
            #expect(broken["extraction"]?.string == "failed")
            #expect(broken["failure"]?.string?.hasPrefix("pdftotext could not read the PDF") == true)
            // The whole submission's JSON lists them too.
            let reading = try await client.send(.get, "\(Self.base)/respondents/\(bea)", token: analyst)
            guard case .array(let readingFiles)? = reading.body["files"] else { Issue.record("no files in the reading"); return }
            #expect(readingFiles.count == 2)

            // Opened as a download, never inline, byte for byte.
            let opened = try await Self.get(client, "\(Self.base)/respondents/\(ada)/files/\(paperID)", token: analyst)
            #expect(opened.status == .ok)
            #expect(opened.bytes == paper)
            #expect(opened.headers[.contentType] == "application/pdf")
            #expect(opened.headers[.contentDisposition]
                == "attachment; filename=\"broadband-paper.pdf\"; filename*=UTF-8''broadband-paper.pdf")
            #expect(opened.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            #expect(opened.headers[.cacheControl] == "private, no-store")
            #expect(try await Self.get(client, "\(Self.base)/respondents/\(bea)/files/\(personalID)", token: analyst).status == .notFound)
            #expect(try await Self.get(client, "\(Self.base)/respondents/\(bea)/files/\(paperID)", token: analyst).status == .notFound)
            #expect(try await Self.get(client, "\(Self.base)/respondents/\(ada)/files/\(paperID)", token: nil).status == .unauthorized)
            // Confidential respondents' files are read in the room.
            #expect(try await Self.get(client, "\(Self.base)/respondents/\(cy)/files/\(secretID)", token: analyst).status == .ok)

            // The search finds the files' text under the same rule.
            let found = try await client.send(.get, "\(Self.base)/texts?q=broadband", token: analyst)
            #expect(found.status == .ok)
            #expect(found.body["total"] == .number(0))
            guard case .array(let hits)? = found.body["attachments"] else { Issue.record("no attachments"); return }
            #expect(Set(hits.compactMap { $0["id"]?.string }) == [paperID, cvID, odtID, secretID])
            #expect(found.body["attachments_total"] == .number(4))
            #expect(hits.allSatisfy { $0["kind"]?.string == "attachment" })
            let paperHit = try #require(hits.first { $0["id"]?.string == paperID })
            #expect(paperHit["file_name"]?.string == "broadband-paper.pdf" && paperHit["respondent"]?.string == ada)
            #expect(hits.first { $0["id"]?.string == secretID }?["confidential"] == .bool(true))
            let onlyConfidential = try await client.send(.get, "\(Self.base)/texts?q=broadband&publication=confidential", token: analyst)
            #expect(onlyConfidential.body["attachments_total"] == .number(1))
            let paged = try await client.send(.get, "\(Self.base)/texts?q=broadband&limit=1", token: analyst)
            let next = try #require(paged.body["attachments_next_after"])
            guard case .number(let cursor) = next else { Issue.record("no cursor"); return }
            let second = try await client.send(.get, "\(Self.base)/texts?q=broadband&limit=1&attachments_after=\(Int(cursor))", token: analyst)
            guard case .array(let secondHits)? = second.body["attachments"] else { Issue.record("no page"); return }
            #expect(secondHits.count == 1 && secondHits.first?["id"] != hits.first?["id"])
            #expect(try await client.send(.get, "\(Self.base)/texts?q=broadband&attachments_after=x", token: analyst).status == .badRequest)

            // The pages: the whole submission lists the files with the failure; the search shows the file hits.
            let browser = FormBrowser(client)
            _ = try await browser.get("/sign-in")
            _ = try await browser.post("/sign-in", [("token", analyst)])
            let page = try await browser.get("/analyst/s/consult-test/respondents/\(bea)")
            #expect(page.status == .ok)
            #expect(page.html.contains("Stellungnahme.odt") && page.html.contains("/respondents/\(bea)/files/\(odtID)"))
            #expect(page.html.contains("Extraction failed:") && page.html.contains("pdftotext could not read the PDF"))
            #expect(!page.html.contains("bea.txt"))
            let searchPage = try await browser.get("/analyst/s/consult-test/texts?q=broadband")
            #expect(searchPage.html.contains("In attached files") && searchPage.html.contains("broadband-paper.pdf"))
            #expect(searchPage.html.contains("4 files found."))
            let byPage = try await browser.get("/analyst/s/consult-test/respondents/\(ada)/files/\(paperID)")
            #expect(byPage.status == .ok && byPage.headers[.contentType] == "application/pdf")
            let dashboard = try await browser.get("/analyst/s/consult-test")
            #expect(dashboard.html.contains("/analyst/s/consult-test/download/attachments.zip"))

            // The export: read back by Python's zipfile and csv modules.
            let export = try await Self.get(client, "\(Self.base)/attachments.zip", token: analyst)
            #expect(export.status == .ok && export.headers[.contentType] == "application/zip")
            #expect(export.headers[.contentDisposition] == "attachment; filename=\"consult-test-attachments.zip\"")
            let zip = server.folder.appendingPathComponent("attachments.zip")
            try export.bytes.write(to: zip)
            let report = try fixture.run("/usr/bin/env", ["python3", "-c", Self.readBack, zip.path])
            let read = try JSONDecoder().decode(ReadBack.self, from: Data(report.utf8))
            #expect(read.names.sorted() == ([
                "files/\(ada)/\(paperID).pdf", "files/\(ada)/\(cvID).txt", "files/\(bea)/\(odtID).odt",
                "files/\(bea)/\(brokenID).pdf", "manifest.csv",
            ] as [String]).sorted())
            #expect(read.hashesMatch && read.testOK)
            #expect(read.rows.count == 6)
            let byFile = Dictionary(read.rows.map { ($0["file"] ?? "", $0) }, uniquingKeysWith: { a, _ in a })
            let paperRow = try #require(byFile["files/\(ada)/\(paperID).pdf"])
            #expect(paperRow["file_name"] == "broadband-paper.pdf" && paperRow["kind"] == "pdf" && paperRow["pages"] == "1")
            #expect(paperRow["size"] == String(paper.count) && paperRow["extraction"] == "extracted" && paperRow["sector"] == "academia")
            #expect(byFile["files/\(bea)/\(brokenID).pdf"]?["extraction"] == "failed")
            let withheld = read.rows.filter { $0["withheld"] != "" }
            #expect(Set(withheld.map { "\($0["respondent"] ?? "") \($0["withheld"] ?? "")" }) == ["\(bea) personal", "\(cy) confidential"])
            #expect(withheld.allSatisfy { $0["file_name"] == "" && $0["sha256"] == "" && $0["file"] == "" })
            #expect(!export.bytes.contains(Data("Bea likes broadband".utf8)) && !export.bytes.contains(Data("secret.pdf".utf8)))
        }
        let database = try server.openDatabase()
        defer { try? database.close() }
        let log = try await database.auditLog(survey: "consult-test")
        #expect(log.filter { $0.action == AuditRecord.attachmentDownloadedAction }.count == 3)
        #expect(log.contains { $0.action == AuditRecord.exportDownloadedAction && $0.subject == "attachments.zip" })
    }

    /// The worker meets a DOCX zip bomb and a PDF that makes pdftotext write a gigabyte: each is a
    /// recorded failure with its reason, and each file stays byte for byte as it was stored.
    @Test func hostileFilesFailTheirExtractionAndStayAsStored() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let analyst = try await server.token(.analyst)
        let pseudonyms = try { let database = try server.openDatabase(); defer { try? database.close() }; return database.pseudonyms }()
        let fixture = AttachmentFixture(server: server)
        let bomb = try Self.python(Self.docxBomb)
        let flood = try Self.python(Self.pdfFlood)
        #expect(bomb.count < 1 << 20 && flood.count < 8 << 20)
        try await server.run { client in
            let response = try await client.submit(TextSearchAPITests.answers(which: "Headsets", publication: "public_named"))
            let submission = try #require(response.body["id"]?.string)
            let bombID = try fixture.insert(submission: submission, question: "which", kind: "docx", name: "bomb.docx", content: bomb)
            let floodID = try fixture.insert(submission: submission, question: "which", kind: "pdf", name: "flood.pdf", content: flood)
            // A 1 MiB text limit (the default's 16 MiB is TextExtractorTests'), to keep the machine free.
            var limits = ExtractionLimits()
            limits.textBytes = 1 << 20
            try await fixture.extractAll(limits: limits)
            let respondent = pseudonyms.pseudonym(for: submission)
            let listed = try await client.send(.get, "\(Self.base)/respondents/\(respondent)/files", token: analyst)
            guard case .array(let files)? = listed.body["files"] else { Issue.record("no files"); return }
            let reasons = Dictionary(files.compactMap { file in file["id"]?.string.map { ($0, file["failure"]?.string ?? "") } },
                uniquingKeysWith: { a, _ in a })
            #expect(files.allSatisfy { $0["extraction"]?.string == "failed" })
            #expect(reasons[bombID]?.hasPrefix("word/document.xml of the DOCX archive would inflate") == true)
            // The server's own worker (16 MiB) may have recorded it first: the outcome is the same.
            #expect(reasons[floodID].map { $0.hasPrefix("pdftotext wrote more than ") && $0.hasSuffix(" MiB of text and was stopped.") } == true)
            for (id, content) in [(bombID, bomb), (floodID, flood)] {
                let opened = try await Self.get(client, "\(Self.base)/respondents/\(respondent)/files/\(id)", token: analyst)
                #expect(opened.status == .ok && opened.bytes == content)
            }
        }
    }

    static func python(_ script: String) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return data
    }

    /// 64 MiB of spaces as word/document.xml: about 64 KB deflated.
    static let docxBomb = """
        import io, sys, zipfile
        b = io.BytesIO()
        with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("[Content_Types].xml", "<Types/>")
            z.writestr("word/document.xml", b" " * (64 << 20))
        sys.stdout.buffer.write(b.getvalue())
        """

    /// 50,000 pages sharing one compressed stream of 20 KB of text: a gigabyte from pdftotext.
    static let pdfFlood = """
        import sys, zlib
        pages = 50000
        line = b"(" + b"position paper text " * 10 + b") '\\n"
        content = zlib.compress(b"BT /F1 6 Tf 7 TL 10 780 Td\\n" + line * 100 + b"ET")
        objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
                   b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % (5 + i) for i in range(pages)) + b"] /Count %d >>" % pages,
                   b"<< /Length %d /Filter /FlateDecode >>\\nstream\\n" % len(content) + content + b"\\nendstream",
                   b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
        objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 1200 792] /Contents 3 0 R /Resources << /Font << /F1 4 0 R >> >> >>"] * pages
        out, offsets = bytearray(b"%PDF-1.4\\n"), []
        for n, body in enumerate(objects, 1):
            offsets.append(len(out))
            out += b"%d 0 obj\\n" % n + body + b"\\nendobj\\n"
        xref = len(out)
        out += b"xref\\n0 %d\\n0000000000 65535 f \\n" % (len(objects) + 1) + b"".join(b"%010d 00000 n \\n" % o for o in offsets)
        out += b"trailer\\n<< /Size %d /Root 1 0 R >>\\nstartxref\\n%d\\n%%%%EOF\\n" % (len(objects) + 1, xref)
        sys.stdout.buffer.write(out)
        """

    struct ReadBack: Decodable {
        let names: [String]
        let rows: [[String: String]]
        let hashesMatch: Bool
        let testOK: Bool
    }

    /// Reads the archive with Python's zipfile (testzip checks every CRC) and the manifest with csv.
    static let readBack = """
        import csv, hashlib, io, json, sys, zipfile
        with zipfile.ZipFile(sys.argv[1]) as z:
            names = z.namelist()
            ok = z.testzip() is None
            rows = list(csv.DictReader(io.TextIOWrapper(z.open("manifest.csv"), encoding="utf-8", newline="")))
            hashes = all(hashlib.sha256(z.read(r["file"])).hexdigest() == r["sha256"] for r in rows if r["file"])
        print(json.dumps({"names": names, "rows": rows, "hashesMatch": hashes, "testOK": ok}))
        """
}

/// A small ODT made in the test (ZIP: mimetype stored, content.xml deflated) by Python's zipfile.
enum OfficeFixture {
    static func odt(_ paragraph: String) -> Data {
        let script = """
            import io, sys, zipfile
            b = io.BytesIO()
            with zipfile.ZipFile(b, "w") as z:
                z.writestr("mimetype", "application/vnd.oasis.opendocument.text", zipfile.ZIP_STORED)
                z.writestr("content.xml", '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
                    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
                    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text>'
                    '<text:p>' + sys.argv[1] + '</text:p></office:text></office:body></office:document-content>',
                    zipfile.ZIP_DEFLATED)
            sys.stdout.buffer.write(b.getvalue())
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, paragraph]
        let output = Pipe()
        process.standardOutput = output
        try? process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return data
    }
}
