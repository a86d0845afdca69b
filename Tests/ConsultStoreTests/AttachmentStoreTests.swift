import ConsultCore
import ConsultStore
import Crypto
import Foundation
import GRDB
import SurveyFiles
import Testing

/// Position papers in the store: staged with incremental BLOB I/O, bound in the storing
/// transaction only by their owner, replaced without losing bytes, and copied by backups.
@Suite struct AttachmentStoreTests {
    let folder: URL
    let survey: Survey
    let now = Date(timeIntervalSince1970: 1_760_000_000)

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("attachments-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        survey = try SurveyFile.load(path: root.appendingPathComponent("Surveys/position-papers.yaml").path)
    }

    /// 700 KB of varied bytes, more than one BLOB write piece.
    static let paper: Data = {
        var bytes = [UInt8](repeating: 0, count: 700_000)
        for index in bytes.indices { bytes[index] = UInt8(truncatingIfNeeded: index &* 2_654_435_761 >> 13) }
        return Data("%PDF-1.7\n".utf8) + Data(bytes) + Data("\nstartxref\n0\n%%EOF\n".utf8)
    }()

    func stage(_ bytes: Data, owner: String, in database: ConsultDatabase) async throws -> AttachedFile {
        let upload = CheckedUpload(
            surveyID: survey.id.rawValue, question: "paper", fileName: "paper.pdf", kind: .pdf, size: bytes.count,
            sha256: Data(SHA256.hash(data: bytes)), ownerToken: owner)
        return try await SQLiteAttachmentStore(database).stage(upload, limit: 3, at: now) { offset, count in
            bytes.subdata(in: offset..<min(bytes.count, offset + count))
        }.file
    }

    func answers(_ files: [AttachedFile]) throws -> AnswerSet {
        try survey.check([
            "sector": .string("academia"), "country": .string("BE"), "publication": .string("public_anonymous"),
            "paper": .array(files.map(\.json)),
        ], as: .submission)
    }

    func content(_ id: String, at path: String) throws -> Data? {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try queue.read { db in try Data.fetchOne(db, sql: "SELECT content FROM attachment WHERE public_id = ?", arguments: [id]) }
    }

    @Test func aDraftsUploadIsBoundBySubmittingAndKeptByteForByteInABackup() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("live.sqlite").path
        let database = try ConsultDatabase(path: path)
        let (draft, token) = try await database.createDraft(
            for: survey.id, answers: AnswerSet([:]), at: now, client: "test", limits: .standard)
        let file = try await stage(Self.paper, owner: token, in: database)
        #expect(file.sha256 == SHA256.hash(data: Self.paper).map { String(format: "%02x", $0) }.joined())
        // The same bytes again from the same owner: the staged file, not a second one.
        #expect(try await stage(Self.paper, owner: token, in: database).id == file.id)

        guard case .accepted(let accepted) = try await database.submitDraft(
            id: draft, token: token, answers: try answers([file]), survey: survey, receivedAt: now)
        else { Issue.record("refused"); return }
        #expect(try await SQLiteAttachmentStore(database).currentFiles(ofSubmission: accepted.id).map(\.file) == [file])

        let copy = folder.appendingPathComponent("copy.sqlite").path
        _ = try database.backup(to: copy)
        try database.close()
        #expect(try content(file.id, at: path) == Self.paper)
        let restored = try #require(try content(file.id, at: copy))
        #expect(restored == Self.paper)
        #expect(Data(SHA256.hash(data: restored)).map { String(format: "%02x", $0) }.joined() == file.sha256)
    }

    @Test func anotherRespondentsUploadCannotBeBoundAndNothingIsStored() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try ConsultDatabase(path: folder.appendingPathComponent("live.sqlite").path)
        defer { try? database.close() }
        let file = try await stage(Self.paper, owner: "someone else's upload token, long enough", in: database)
        let (draft, token) = try await database.createDraft(
            for: survey.id, answers: AnswerSet([:]), at: now, client: "test", limits: .standard)
        await #expect(throws: AttachmentRefusal.self) {
            _ = try await database.submitDraft(id: draft, token: token, answers: try answers([file]), survey: survey, receivedAt: now)
        }
        await #expect(throws: AttachmentRefusal.self) {
            _ = try await database.submit(try answers([file]), to: survey, receivedAt: now)
        }
        #expect(try await database.submissionCount(survey: survey.id) == 0)
        #expect(try await database.draft(id: draft, token: token).submittedAs == nil)
    }

    @Test func anEditThatDropsAFileMarksItReplacedAndKeepsItsBytes() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("live.sqlite").path
        let database = try ConsultDatabase(path: path)
        let owner = "an upload token of thirty-two or more characters"
        let first = try await stage(Self.paper, owner: owner, in: database)
        guard case .accepted(let accepted) = try await database.submit(try answers([first]), to: survey, receivedAt: now, fileOwner: owner),
            let editToken = accepted.editToken
        else { Issue.record("refused"); return }
        let second = try await stage(Self.paper + Data("more".utf8), owner: owner, in: database)
        guard case .accepted = try await database.replaceAnswers(
            of: accepted.id, token: editToken, with: try answers([second]), survey: survey, receivedAt: now, fileOwner: owner)
        else { Issue.record("refused"); return }
        #expect(try await SQLiteAttachmentStore(database).currentFiles(ofSubmission: accepted.id).map(\.file) == [second])
        try database.close()
        #expect(try content(first.id, at: path) == Self.paper)
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        let replaced = try await queue.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM attachment WHERE replaced_at_ms IS NOT NULL")
        }
        #expect(replaced == 1)
    }

    @Test func stagedFilesNoSubmissionTookArePurgedAndBoundOnesAreKept() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("live.sqlite").path
        let database = try ConsultDatabase(path: path)
        let owner = "an upload token of thirty-two or more characters"
        let bound = try await stage(Self.paper, owner: owner, in: database)
        guard case .accepted = try await database.submit(try answers([bound]), to: survey, receivedAt: now, fileOwner: owner)
        else { Issue.record("refused"); return }
        let staged = try await stage(Self.paper + Data("staged".utf8), owner: owner, in: database)
        let store = SQLiteAttachmentStore(database)
        #expect(try await store.purgeStaged(olderThan: 86_400, at: now.addingTimeInterval(3_600)) == 0)
        #expect(try await store.purgeStaged(olderThan: 86_400, at: now.addingTimeInterval(86_401)) == 1)
        try database.close()
        #expect(try content(bound.id, at: path) == Self.paper)
        #expect(try content(staged.id, at: path) == nil)
    }
}
