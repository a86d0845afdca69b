import ConsultCore
import ConsultPostgres
import ConsultStore
import Crypto
import Foundation
import SurveyFiles
import Testing

/// The position-paper roles the contract checks (both engines have them).
protocol AttachmentNode: Sendable {
    var attachmentStore: any AttachmentStore { get }
    var attachmentFiles: any AttachmentFiles { get }
    var attachmentTexts: any AttachmentTexts { get }
    var attachmentTextSearch: any AttachmentTextSearch { get }
    var attachmentCatalog: any AttachmentCatalog { get }
}

extension ConsultDatabase: AttachmentNode {}
extension PostgresStore: AttachmentNode {}

typealias FileNode = ContractStore & AttachmentNode

extension Engine {
    /// Runs `body` with two nodes that store position papers, on one new database.
    func withTwoFileNodes(_ body: (any FileNode, any FileNode) async throws -> Void) async throws {
        try await withNodes(2) { nodes in
            let nodes = nodes.map { $0 as! any FileNode }
            try await body(nodes[0], nodes[1])
        }
    }
}

/// The shipped call for position papers and files for it.
enum PaperSurvey {
    static let survey: Survey = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return try! SurveyFile.load(path: root.appendingPathComponent("Surveys/position-papers.yaml").path)
    }()
    static let now = Date(timeIntervalSince1970: 1_760_000_000)
    static let owner = "an upload token of thirty-two or more characters"

    /// A few MB of varied bytes, more than one piece of the spool copy.
    static let large: Data = {
        var bytes = [UInt8](repeating: 0, count: 3_200_000)
        for index in bytes.indices { bytes[index] = UInt8(truncatingIfNeeded: index &* 2_654_435_761 >> 13) }
        return Data("%PDF-1.7\n".utf8) + Data(bytes) + Data("\n%%EOF\n".utf8)
    }()
    /// Every byte value, U+0000 and invalid UTF-8 included, four times over.
    static let everyByte = Data((0..<1024).map { UInt8($0 % 256) })

    static func upload(_ bytes: Data, owner: String = owner, name: String = "paper.pdf", kind: FileKind = .pdf) -> CheckedUpload {
        CheckedUpload(
            surveyID: survey.id.rawValue, question: "paper", fileName: name, kind: kind, size: bytes.count,
            sha256: Data(SHA256.hash(data: bytes)), ownerToken: owner)
    }

    @discardableResult
    static func stage(
        _ bytes: Data, on node: any FileNode, owner: String = owner, name: String = "paper.pdf", at instant: Date = now
    ) async throws -> AttachedFile {
        try await node.attachmentStore.stage(upload(bytes, owner: owner, name: name), limit: 3, at: instant) { offset, count in
            bytes.subdata(in: offset..<min(bytes.count, offset + count))
        }.file
    }

    static func answers(
        _ files: [AttachedFile], sector: String = "academia", publication: String = "public_anonymous"
    ) throws -> AnswerSet {
        try survey.check([
            "sector": .string(sector), "country": .string("BE"), "publication": .string(publication),
            "paper": .array(files.map(\.json)),
        ], as: .submission)
    }

    static func submit(
        _ files: [AttachedFile], on node: any FileNode, owner: String? = owner, sector: String = "academia",
        publication: String = "public_anonymous"
    ) async throws -> AcceptedSubmission {
        try await node.submit(
            try answers(files, sector: sector, publication: publication), to: survey, receivedAt: now, idempotency: nil,
            fileOwner: owner, client: nil
        ).accepted()
    }

    static func sha256Hex(_ data: Data) -> String { SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined() }
}

/// The message of the store's refusal `body` ended with (another error: its description), or nil.
func refusal(_ body: () async throws -> Void) async -> String? {
    do {
        try await body()
        return nil
    } catch let refusal as AttachmentRefusal {
        return refusal.message
    } catch {
        return "not a refusal: \(error)"
    }
}

/// Uploads, binding, editing and purging of position papers, on every engine, across two nodes.
@Suite struct AttachmentContractTests {
    let survey = PaperSurvey.survey
    let now = PaperSurvey.now

    @Test(arguments: Engine.all)
    func filesStagedOnOneNodeAreSubmittedOnTheOtherAndComeBackByteForByte(engine: Engine) async throws {
        try await engine.withTwoFileNodes { a, b in
            let large = try await PaperSurvey.stage(PaperSurvey.large, on: a)
            #expect(large.sha256 == PaperSurvey.sha256Hex(PaperSurvey.large) && large.size == PaperSurvey.large.count)
            // The same bytes again from the same owner, on the other node: the staged file, not a second one.
            let again = try await b.attachmentStore.stage(PaperSurvey.upload(PaperSurvey.large), limit: 3, at: now) { offset, count in
                PaperSurvey.large.subdata(in: offset..<min(PaperSurvey.large.count, offset + count))
            }
            #expect(again.file == large && !again.isNew)
            let every = try await PaperSurvey.stage(PaperSurvey.everyByte, on: b, name: "every byte.txt")
            // Bytes that are not the ones checked are not stored.
            #expect(await refusal {
                _ = try await a.attachmentStore.stage(PaperSurvey.upload(Data("checked".utf8)), limit: 3, at: now) { _, count in
                    Data("changed".utf8).prefix(count)
                }
            } == AttachmentRefusal.bytesChanged.message)
            let small = try await PaperSurvey.stage(Data("a short paper".utf8), on: a)
            // The question takes three files: a fourth staged one is refused, on either node.
            #expect(await refusal { try await PaperSurvey.stage(Data("a fourth".utf8), on: b) }
                == AttachmentRefusal.tooManyStaged(question: "paper", limit: 3).message)

            let accepted = try await PaperSurvey.submit([large, every, small], on: b)
            #expect(try await a.attachmentStore.currentFiles(ofSubmission: accepted.id).map(\.file) == [large, every, small])
            #expect(try await a.attachmentStore.currentFiles(ofSubmission: accepted.id).allSatisfy { $0.question == "paper" })
            for (file, bytes) in [(large, PaperSurvey.large), (every, PaperSurvey.everyByte), (small, Data("a short paper".utf8))] {
                let opened = try #require(try await a.attachmentFiles.file(file.id, ofSubmission: 1))
                #expect(opened.content == bytes)
                #expect(opened.summary.sha256Hex == file.sha256 && opened.summary.size == bytes.count)
                #expect(opened.summary.extraction == .pending && opened.summary.uploadedAt == now)
            }
            #expect(try await b.attachmentFiles.current(ofSubmission: 1).map(\.publicID) == [large.id, every.id, small.id])
            #expect(try await b.attachmentFiles.file(large.id, ofSubmission: 2) == nil)

            // Opening a respondent's file is in the audit log, whichever node it was opened on.
            let summary = try #require(try await b.attachmentFiles.current(ofSubmission: 1).first)
            try await b.attachmentFiles.recordDownload(
                of: summary, respondent: "R-1", survey: survey.id.rawValue, by: "analyst:contract", at: now)
            let audit = try await a.auditLog(survey: survey.id.rawValue).filter { $0.action == AuditRecord.attachmentDownloadedAction }
            #expect(audit.map(\.subject) == ["R-1/\(large.id)"] && audit.map(\.newValue) == [large.sha256])
        }
    }

    @Test(arguments: Engine.all)
    func anotherRespondentsUploadCannotBeBoundAndNothingIsStored(engine: Engine) async throws {
        try await engine.withTwoFileNodes { a, b in
            let file = try await PaperSurvey.stage(PaperSurvey.large, on: a, owner: "someone else's upload token, long enough")
            let (draft, token) = try await b.createDraft(
                for: survey.id, answers: AnswerSet([:]), at: now, client: "test", limits: .standard)
            await #expect(throws: AttachmentRefusal.self) {
                _ = try await b.submitDraft(
                    id: draft, token: token, answers: try PaperSurvey.answers([file]), survey: survey, receivedAt: now,
                    replacing: nil, fileOwner: nil, client: nil)
            }
            await #expect(throws: AttachmentRefusal.self) { try await PaperSurvey.submit([file], on: a) }
            await #expect(throws: AttachmentRefusal.self) { try await PaperSurvey.submit([file], on: b, owner: nil) }
            // The owner's own file with another name, size or hash than the upload returned is refused too.
            let mine = try await PaperSurvey.stage(Data("mine".utf8), on: a)
            let renamed = AttachedFile(id: mine.id, name: "other.pdf", kind: mine.kind, size: mine.size, sha256: mine.sha256)
            #expect(await refusal { try await PaperSurvey.submit([renamed], on: b) }
                == AttachmentRefusal.unknownFile(question: "paper", id: mine.id).message)
            #expect(try await a.submissionCount(survey: survey.id) == 0)
            #expect(try await a.draft(id: draft, token: token).submittedAs == nil)

            // A file staged under the draft's token joins the submission the draft becomes.
            let drafted = try await PaperSurvey.stage(Data("drafted".utf8), on: a, owner: token)
            let accepted = try await b.submitDraft(
                id: draft, token: token, answers: try PaperSurvey.answers([drafted]), survey: survey, receivedAt: now,
                replacing: nil, fileOwner: nil, client: nil
            ).accepted()
            #expect(try await a.attachmentStore.currentFiles(ofSubmission: accepted.id).map(\.file) == [drafted])
            // A bound file cannot be bound again by another submission.
            await #expect(throws: AttachmentRefusal.self) { try await PaperSurvey.submit([drafted], on: a, owner: token) }
        }
    }

    @Test(arguments: Engine.all)
    func anEditReplacesADroppedFileKeepsItsBytesAndKeepsTheOthers(engine: Engine) async throws {
        try await engine.withTwoFileNodes { a, b in
            let first = try await PaperSurvey.stage(Data("first version".utf8), on: a)
            let kept = try await PaperSurvey.stage(PaperSurvey.everyByte, on: a)
            let accepted = try await PaperSurvey.submit([first, kept], on: a)
            let editToken = try #require(accepted.editToken)
            let second = try await PaperSurvey.stage(Data("second version".utf8), on: b)
            let edited = try await b.replaceAnswers(
                of: accepted.id, token: editToken, with: try PaperSurvey.answers([kept, second]), survey: survey,
                receivedAt: now.addingTimeInterval(60), fileOwner: PaperSurvey.owner
            ).accepted()
            #expect(edited.version == 2)
            #expect(try await a.attachmentStore.currentFiles(ofSubmission: accepted.id).map(\.file) == [kept, second])
            #expect(try await a.attachmentFiles.current(ofSubmission: 1).map(\.publicID) == [kept.id, second.id])
            // The replaced file stays readable: the first version names it.
            #expect(try await b.attachmentFiles.file(first.id, ofSubmission: 1)?.content == Data("first version".utf8))
            // A file staged by someone else cannot come in through an edit either; nothing changes.
            let foreign = try await PaperSurvey.stage(Data("foreign".utf8), on: a, owner: "another upload token, long enough too")
            await #expect(throws: AttachmentRefusal.self) {
                _ = try await a.replaceAnswers(
                    of: accepted.id, token: editToken, with: try PaperSurvey.answers([foreign]), survey: survey,
                    receivedAt: now.addingTimeInterval(120), fileOwner: PaperSurvey.owner)
            }
            #expect(try await b.attachmentStore.currentFiles(ofSubmission: accepted.id).map(\.file) == [kept, second])
            #expect(try await b.submission(id: accepted.id, token: editToken).version == 2)
        }
    }

    @Test(arguments: Engine.all)
    func stagedFilesNoSubmissionTookArePurgedOrDiscardedAndBoundOnesAreKept(engine: Engine) async throws {
        try await engine.withTwoFileNodes { a, b in
            let bound = try await PaperSurvey.stage(Data("bound".utf8), on: a)
            _ = try await PaperSurvey.submit([bound], on: a)
            let staged = try await PaperSurvey.stage(Data("staged".utf8), on: b)
            #expect(try await a.attachmentStore.purgeStaged(olderThan: 86_400, at: now.addingTimeInterval(3_600)) == 0)
            #expect(try await b.attachmentStore.purgeStaged(olderThan: 86_400, at: now.addingTimeInterval(86_401)) == 1)
            #expect(try await a.attachmentFiles.file(bound.id, ofSubmission: 1)?.content == Data("bound".utf8))
            await #expect(throws: AttachmentRefusal.self) { try await PaperSurvey.submit([staged], on: a) }

            // Discarded only by its owner.
            let removed = try await PaperSurvey.stage(Data("removed".utf8), on: a)
            try await b.attachmentStore.discardStaged([removed.id], ownerToken: "not the owner's token, though long")
            try await b.attachmentStore.discardStaged([removed.id, bound.id], ownerToken: PaperSurvey.owner)
            await #expect(throws: AttachmentRefusal.self) { try await PaperSurvey.submit([removed], on: a) }
            #expect(try await a.attachmentFiles.file(bound.id, ofSubmission: 1)?.content == Data("bound".utf8))
            // Once discarded, the owner may stage as many as the question takes again.
            for index in 0..<3 { try await PaperSurvey.stage(Data("again \(index)".utf8), on: b) }
        }
    }

    @Test(arguments: Engine.all)
    func twoNodesExtractingAtOnceRecordEachOutcomeOnce(engine: Engine) async throws {
        try await engine.withTwoFileNodes { a, b in
            let staged = try await PaperSurvey.stage(Data("staged, not bound".utf8), on: a, owner: "a token that submits nothing, long")
            _ = staged
            let first = try await PaperSurvey.stage(Data("first".utf8), on: a)
            let second = try await PaperSurvey.stage(PaperSurvey.everyByte, on: a)
            _ = try await PaperSurvey.submit([first, second], on: b)
            let pending = try await a.attachmentTexts.pending(limit: 10)
            #expect(pending.count == 2 && pending.map(\.size) == [5, 1024] && pending.map(\.kind) == ["pdf", "pdf"])
            #expect(try await b.attachmentTexts.pending(limit: 10) == pending)
            #expect(try await b.attachmentTexts.pending(limit: 1) == Array(pending.prefix(1)))
            #expect(try await b.attachmentTexts.content(of: pending[1].id) == PaperSurvey.everyByte)
            #expect(try await b.attachmentTexts.content(of: 9_999) == nil)

            // Both nodes' workers take both files at once, each with its own outcome.
            let recorded = try await withThrowingTaskGroup(of: (Int64, Bool).self) { group in
                for round in 0..<8 {
                    for file in pending {
                        let node = round.isMultiple(of: 2) ? a : b
                        group.addTask {
                            let outcome: ExtractionOutcome = round.isMultiple(of: 3)
                                ? .failed(reason: "round \(round) failed") : .extracted(text: "Text from round \(round)\u{0}.", pages: round)
                            return (file.id, try await node.attachmentTexts.record(outcome, for: file.id, at: now))
                        }
                    }
                }
                return try await group.reduce(into: [Int64: Int]()) { counts, result in
                    if result.1 { counts[result.0, default: 0] += 1 }
                }
            }
            #expect(recorded == [pending[0].id: 1, pending[1].id: 1])
            #expect(try await a.attachmentTexts.pending(limit: 10).isEmpty)
            #expect(try await b.attachmentTexts.pending(limit: 10).isEmpty)
            let summaries = try await a.attachmentFiles.current(ofSubmission: 1)
            #expect(summaries.count == 2 && summaries.allSatisfy { $0.extraction != .pending })
            #expect(try await b.attachmentFiles.current(ofSubmission: 1) == summaries)
            for summary in summaries where summary.extraction == .extracted {
                #expect(summary.characters == "Text from round \(summary.pages ?? -1)\u{0}.".unicodeScalars.count)
            }
            // A later outcome changes nothing.
            #expect(try await a.attachmentTexts.record(.failed(reason: "late"), for: pending[0].id, at: now) == false)
            #expect(try await b.attachmentFiles.current(ofSubmission: 1) == summaries)
        }
    }

    @Test(arguments: Engine.all)
    func theCatalogListsEachSubmissionsCurrentFilesWithTheirBytesFromOneSnapshot(engine: Engine) async throws {
        try await engine.withTwoFileNodes { a, b in
            let first = try await PaperSurvey.stage(PaperSurvey.large, on: a)
            let dropped = try await PaperSurvey.stage(Data("dropped".utf8), on: a)
            let accepted = try await PaperSurvey.submit([first, dropped], on: b, sector: "industry", publication: "confidential")
            let every = try await PaperSurvey.stage(PaperSurvey.everyByte, on: b)
            _ = try await b.replaceAnswers(
                of: accepted.id, token: try #require(accepted.editToken), with: try PaperSurvey.answers([first, every], sector: "industry", publication: "confidential"),
                survey: survey, receivedAt: now, fileOwner: PaperSurvey.owner
            ).accepted()
            let later = try await PaperSurvey.stage(Data("a later paper".utf8), on: b)
            _ = try await PaperSurvey.submit([later], on: a)
            try await PaperSurvey.stage(Data("staged only".utf8), on: a, owner: "a token that never submits, long one")
            // Waiting for their text: the bound files, the replaced one too, not the staged one.
            let pending = try await a.attachmentTexts.pending(limit: 10)
            #expect(pending.count == 4)
            for file in pending {
                let bytes = try await b.attachmentTexts.content(of: file.id)
                if bytes == PaperSurvey.large {
                    #expect(try await b.attachmentTexts.record(.extracted(text: "Extracted text", pages: 3), for: file.id, at: now))
                } else if bytes == PaperSurvey.everyByte {
                    #expect(try await b.attachmentTexts.record(.failed(reason: "unreadable"), for: file.id, at: now))
                }
            }

            let node = a
            let catalog = try await Task.detached {
                try node.attachmentCatalog.read(survey: PaperSurvey.survey.id.rawValue) { files, content in
                    try files.map { file in (file, try content(file.id)) }
                }
            }.value
            #expect(catalog.map(\.0.file.publicID) == [first.id, every.id, later.id])
            #expect(catalog.map(\.1) == [PaperSurvey.large, PaperSurvey.everyByte, Data("a later paper".utf8)])
            #expect(catalog.map(\.0.finalSector) == ["industry", "industry", "academia"])
            #expect(catalog.map(\.0.publication) == [.confidential, .confidential, .publicAnonymous])
            #expect(catalog.map(\.0.file.extraction) == [.extracted, .failed, .pending])
            #expect(catalog[0].0.file.pages == 3 && catalog[0].0.file.characters == 14 && catalog[1].0.file.failure == "unreadable")
            #expect(catalog[0].0.respondent == catalog[1].0.respondent && catalog[0].0.respondent != catalog[2].0.respondent)
            #expect(catalog[0].0.respondent == b.pseudonyms.pseudonym(for: accepted.id))
            let nothing = try await Task.detached {
                try node.attachmentCatalog.read(survey: "no-such-survey") { files, content in (files.count, try content(9_999)) }
            }.value
            #expect(nothing.0 == 0 && nothing.1 == nil)
        }
    }

    @Test(arguments: Engine.all)
    func uploadsAndSubmissionsRacingOnTwoNodesKeepTheLimitAndBindAFileOnce(engine: Engine) async throws {
        try await engine.withTwoFileNodes { a, b in
            // Six different files from one owner at once, on both nodes: the question takes three.
            let staged = await withTaskGroup(of: AttachedFile?.self) { group in
                for index in 0..<6 {
                    let node = index.isMultiple(of: 2) ? a : b
                    group.addTask { try? await PaperSurvey.stage(Data("paper \(index)".utf8), on: node) }
                }
                return await group.reduce(into: [AttachedFile]()) { if let file = $1 { $0.append(file) } }
            }
            #expect(staged.count == 3)
            // Two submissions naming the same staged file at once, one on each node: one takes it.
            let file = try #require(staged.first)
            let outcomes = await withTaskGroup(of: Bool.self) { group in
                for node in [a, b] {
                    group.addTask { (try? await PaperSurvey.submit([file], on: node)) != nil }
                }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 }.count == 1)
            #expect(try await a.submissionCount(survey: survey.id) == 1)
        }
    }
}
