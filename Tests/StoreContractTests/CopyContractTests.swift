import ConsultCore
import ConsultExport
import ConsultPostgres
import ConsultStore
import Crypto
import Foundation
import PostgresTestSupport
import SurveyFiles
import SyntheticResponses
import Testing

/// `consult copy`: a whole consultation (submissions and their versions, the reading room's themes and
/// codings, campaigns and their review, position papers and their text, tokens, the audit log, the keys)
/// moved SQLite → PostgreSQL → SQLite exports byte for byte what the original exports, in every format.
@Suite("consult copy between engines")
struct CopyContractTests {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let neurotech = try! SurveyFile.load(path: repository.appendingPathComponent("Surveys/neurotech-2025.yaml").path)
    static let papers = try! SurveyFile.load(path: repository.appendingPathComponent("Surveys/position-papers.yaml").path)
    static let whileOpen = Date(timeIntervalSince1970: 1_760_000_000)
    /// Every export a survey has, as `consult export` writes them.
    static let exports: [(ExportContent, ExportFormat)] = [
        (.analysis, .csv), (.analysis, .xml), (.analysis, .zip), (.analysis, .xlsx), (.analysis, .qdc), (.analysis, .qdpx),
        (.analysis, .attachments), (.raw, .csv), (.raw, .xml), (.raw, .zip), (.raw, .xlsx), (.raw, .sav), (.raw, .dta),
    ]

    @Test("SQLite → PostgreSQL → SQLite: every export byte-identical; receipts, tokens and edit links still work")
    func roundTrip() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("copy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let original = try ConsultDatabase(path: folder.appendingPathComponent("original.sqlite").path)
        defer { try? original.close() }
        let kept = try await Consultation.fill(original)
        try await PostgresTestDatabase.with { _, url in
            let location = try PostgresLocation(parsing: url), backPath = folder.appendingPathComponent("back.sqlite").path
            // Each copy goes into a store opened for it; the stores are then opened again, as a node started on the
            // copy would be, with the keys the copy brought.
            let target = try await PostgresStore.open(location)
            let there = try await offCooperativeThreads { try StoreCopy.copy(from: original.transfer, to: target.transfer) }
            try target.close()
            let postgres = try await PostgresStore.open(location)
            defer { try? postgres.close() }
            let backTarget = try ConsultDatabase(path: backPath)
            let home = try await offCooperativeThreads { try StoreCopy.copy(from: postgres.transfer, to: backTarget.transfer) }
            try backTarget.close()
            let back = try ConsultDatabase(path: backPath)
            defer { try? back.close() }
            #expect(there == home)
            #expect(there["submission"] == kept.submissions)
            #expect(there["attachment"] ?? 0 >= 2)

            for survey in [Self.neurotech, Self.papers] {
                let expected = try await Self.exportEverything(of: survey, from: original, into: folder.appendingPathComponent("a"))
                #expect(expected.count >= Self.exports.count)
                for (name, store) in [("PostgreSQL", postgres as any ConsultStorage), ("SQLite again", back)] {
                    let copied = try await Self.exportEverything(of: survey, from: store, into: folder.appendingPathComponent(name))
                    #expect(copied.keys.sorted() == expected.keys.sorted(), "\(name)")
                    for (file, bytes) in expected where copied[file] != bytes {
                        Issue.record("\(name): \(survey.id) \(file) differs from the original's export")
                    }
                }
            }

            // What respondents and staff hold still works on the copy.
            for store in [postgres as any ConsultStorage, back] {
                let stored = try await store.submission(id: kept.edited.id, token: kept.edited.token)
                #expect(stored.version == 2)
                let receipt = try await store.receipt(ofSubmission: kept.edited.id, token: kept.edited.token)
                #expect(original.receipts.problem(with: receipt) == nil)
                guard case .success = try await store.principal(forToken: kept.analystToken, at: Self.whileOpen) else {
                    Issue.record("the analyst's token does not work on the copy")
                    continue
                }
                #expect(try await store.auditLog(survey: nil) == (try await original.auditLog(survey: nil)))
                #expect(try await store.window(of: Self.neurotech) == (try await original.window(of: Self.neurotech)))
            }

            // A copy into a database that holds a consultation is refused, and changes nothing.
            let before = try await postgres.submissionCount(survey: Self.neurotech.id)
            #expect(throws: TransferRefusal.self) {
                try StoreCopy.copy(from: original.transfer, to: postgres.transfer)
            }
            #expect(try await postgres.submissionCount(survey: Self.neurotech.id) == before)
        }
    }

    /// Every export of `survey` from `store` with one clock: file path (below `folder`) → bytes.
    static func exportEverything(of survey: Survey, from store: any ConsultStorage, into folder: URL) async throws -> [String: Data] {
        let exporter = Exporter(database: store, clock: { Date(timeIntervalSince1970: 1_795_000_000) })
        var files: [String: Data] = [:]
        // A REFI-QDA codebook needs themes; the position papers' survey has none.
        let themed = try await !store.themeBook.themes(of: survey.id.rawValue).isEmpty
        for (content, format) in exports where themed || (format != .qdc && format != .qdpx) {
            let into = folder.appendingPathComponent(survey.id.rawValue).appendingPathComponent("\(content.rawValue)-\(format.rawValue)")
            for file in try await exporter.export(survey, content: content, format: format, into: into) {
                files["\(content.rawValue)-\(format.rawValue)/\(file.lastPathComponent)"] = try Data(contentsOf: file)
            }
        }
        return files
    }
}

/// A consultation with something in every table, made through the store's roles.
enum Consultation {
    struct Kept {
        var submissions = 0
        var edited: (id: String, token: String) = ("", "")
        var analystToken = ""
    }

    static func fill(_ store: any ConsultStorage) async throws -> Kept {
        var kept = Kept()
        let survey = CopyContractTests.neurotech, at = CopyContractTests.whileOpen
        var generator = ResponseGenerator(survey: survey, seed: 18)
        var accepted: [AcceptedSubmission] = []
        for index in 0..<40 {
            var json = generator.nextAnswers()
            // Eight respondents send one letter (a campaign); one text holds U+0000 and a right-to-left mark.
            if index % 5 == 0 { json["uses_comments"] = .string("We oppose neural surveillance by the police: stop it now.") }
            if index == 3 { json["uses_comments"] = .string("nul\u{0}and\u{200F}rtl é") }
            let answers = try survey.check(json, as: .submission)
            let idempotency = index == 7 ? IdempotentRequest(key: "copy-key-0007", body: Data("request".utf8)) : nil
            accepted.append(try await store.submit(
                answers, to: survey, receivedAt: at.addingTimeInterval(Double(index) * 60), idempotency: idempotency, fileOwner: nil,
                client: "192.0.2.\(index % 3)").accepted())
        }
        kept.submissions = accepted.count
        let first = accepted[1]
        _ = try await store.replaceAnswers(
            of: first.id, token: first.editToken!, with: try generator.nextAnswerSet(), survey: survey, receivedAt: at.addingTimeInterval(4_000),
            fileOwner: nil)
        kept.edited = (first.id, first.editToken!)
        _ = try await store.reassignSector(of: accepted[2].id, to: "industry", actor: "organizer:Olga", reason: "a company", at: at)
        _ = try await store.moveDeadline(
            of: survey, to: survey.window.closesAt.addingTimeInterval(3_600), actor: "organizer:Olga", reason: "one more hour", at: at)
        _ = try await store.recordRefusal(for: survey, at: survey.window.opensAt.addingTimeInterval(-60))
        _ = try await store.createDraft(for: survey.id, answers: AnswerSet([:]), at: at, client: "192.0.2.9", limits: .standard)

        let (analystToken, _) = try await store.issueToken(role: .analyst, name: "Ada", expiresAt: nil, by: "cli:test", at: at)
        kept.analystToken = analystToken
        _ = try await store.signIn(token: analystToken, at: at)
        guard case .success(let principal) = try await store.principal(forToken: analystToken, at: at), let coder = Coder(principal) else {
            throw ContractFailure("the analyst's token gives no coder")
        }

        // The reading room: themes (one merged into a later one), codings, a bulk coding.
        let risks = try await store.themeBook.create(ThemeFields(name: "Risks", colour: "#CC0000"), in: survey.id.rawValue, actor: coder.actor, at: at)
        let privacy = try await store.themeBook.create(
            ThemeFields(name: "Privacy", colour: "#AA3300", parentID: .some(risks.id)), in: survey.id.rawValue, actor: coder.actor, at: at)
        let surveillance = try await store.themeBook.create(
            ThemeFields(name: "Surveillance", colour: "#0055AA"), in: survey.id.rawValue, actor: coder.actor, at: at)
        let page = try await store.textSearch.page(of: survey, query: nil, filters: TextSearchFilters())
        for hit in page.hits.prefix(6) {
            guard let file = try await store.respondents.file(hit.respondent, of: survey.id.rawValue) else { continue }
            _ = try await store.codingLedger.code(
                hit.field, of: file.seq, version: hit.version, span: nil, theme: privacy.id, in: survey.id.rawValue, coder: coder.tokenID,
                actor: coder.actor, at: at)
        }
        _ = try await store.bulkCodings.apply(
            to: survey, query: try TextQuery("surveillance"), filters: TextSearchFilters(), theme: surveillance.id, by: coder, at: at)
        let later = try await store.themeBook.create(ThemeFields(name: "Policing", colour: "#777777"), in: survey.id.rawValue, actor: coder.actor, at: at)
        _ = try await store.themeBook.merge(surveillance.id, into: later.id, in: survey.id.rawValue, by: coder.tokenID, actor: coder.actor, at: at)

        // Campaigns: the letter's senders clustered, the cluster confirmed.
        _ = try await store.campaignDetector(surveys: [survey]).catchUp(at: at, limit: 1_000)
        for cluster in try await store.campaignReview.clusters(of: survey.id.rawValue).prefix(1) {
            _ = try await store.campaignReview.confirm(
                cluster.id, in: survey.id.rawValue,
                by: CampaignReviewer(tokenID: coder.tokenID, actor: coder.actor, reason: try AuditReason("one letter"), at: at))
        }

        // Position papers: two files, one with every byte value, their text extracted.
        let papers = CopyContractTests.papers
        let owner = "an upload token of thirty-two or more characters"
        var files: [AttachedFile] = []
        for (name, body) in [("paper.pdf", Data("%PDF-1.7\n".utf8) + Data((0..<600_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })),
                             ("notes.txt", Data("Safeguards for neural data.\n".utf8))] {
            let upload = CheckedUpload(
                surveyID: papers.id.rawValue, question: "paper", fileName: name, kind: name.hasSuffix(".pdf") ? .pdf : .text,
                size: body.count, sha256: Data(SHA256.hash(data: body)), ownerToken: owner)
            files.append(try await store.attachmentStore.stage(upload, limit: 3, at: at) { offset, count in
                body.subdata(in: offset..<min(body.count, offset + count))
            }.file)
        }
        let paperAnswers = try papers.check([
            "sector": .string("academia"), "country": .string("BE"), "publication": .string("public_anonymous"),
            "paper": .array(files.map(\.json)),
        ], as: .submission)
        _ = try await store.submit(paperAnswers, to: papers, receivedAt: at, idempotency: nil, fileOwner: owner, client: nil).accepted()
        kept.submissions += 1
        for pending in try await store.attachmentTexts.pending(limit: 10) {
            _ = try await store.attachmentTexts.record(.extracted(text: "Safeguards für neuronale Daten", pages: 1), for: pending.id, at: at)
        }
        return kept
    }
}

/// Runs `work` on a thread of GCD's, as the export writers and `consult copy` do.
func offCooperativeThreads<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
    }
}
