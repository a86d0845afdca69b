import ConsultCore
import ConsultStore
import Foundation
import GRDB
import SurveyFiles
import Testing

@Suite struct ConsultDatabaseTests {
    let folder: URL
    let path: String
    let survey: Survey
    let now = Date(timeIntervalSince1970: 1_760_000_000)  // 2025-10-09, while the survey is open

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        path = folder.appendingPathComponent("consult.sqlite").path
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        survey = try SurveyFile.load(path: root.appendingPathComponent("Surveys/neurotech-2025.yaml").path)
    }

    func answers() throws -> AnswerSet {
        try survey.check([
            "sector": .string("academia"), "country": .string("BR"), "organisation_size": .string("size_1_9"),
            "familiarity": .number(4), "technologies_known": .array([.string("eeg_erp")]),
            "rights_concern": .object(Dictionary(uniqueKeysWithValues: rightsItems().map { ($0, JSONValue.number(3)) })),
            "publication": .string("confidential"),
        ], as: .submission)
    }

    func rightsItems() -> [String] {
        guard case .matrix(let items, _)? = survey.question("rights_concern")?.kind else { return [] }
        return items.map(\.id.rawValue)
    }

    @Test func storesTheAnswersWholeAndOneRowPerValueInOneTransaction() async throws {
        let database = try ConsultDatabase(path: path)
        let outcome = try await database.submit(try answers(), to: survey, receivedAt: now)
        guard case .accepted(let accepted) = outcome else {
            Issue.record("refused: \(outcome)")
            return
        }
        try database.close()

        let queue = try DatabaseQueue(path: path)
        try await queue.read { db in
            #expect(try String.fetchOne(db, sql: "PRAGMA journal_mode") == "wal")
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM submission_version") == 1)
            let rows = try Row.fetchAll(db, sql: """
                SELECT q.code AS question, a.number FROM answer_value a JOIN answer_code q ON q.id = a.question
                ORDER BY a.position
                """)
            #expect(rows.count == 6 + rightsItems().count)
            #expect(rows.filter { $0["question"] == "rights_concern" }.map { $0["number"] as Double } == rightsItems().map { _ in 3 })
            #expect(try Int.fetchOne(db, sql: """
                SELECT respondents FROM option_tally WHERE question = 'country' AND option = 'BR' AND sector = 'academia'
                """) == 1)
            #expect(try String.fetchOne(db, sql: "SELECT final_sector FROM submission WHERE id = ?", arguments: [accepted.id]) == "academia")
            #expect(try String.fetchOne(db, sql: "SELECT region FROM submission") == "Latin America and the Caribbean")
            #expect(try String.fetchOne(db, sql: "SELECT publication FROM submission") == "confidential")
            let tokenHash = try Data.fetchOne(db, sql: "SELECT edit_token_hash FROM submission")
            #expect(tokenHash == Secret.hash(accepted.editToken ?? ""))
            #expect(try Int.fetchOne(
                db, sql: "SELECT count(*) FROM submission WHERE CAST(edit_token_hash AS TEXT) = ?",
                arguments: [accepted.editToken]) == 0)
        }
    }

    @Test func theAuditLogIsAppendOnly() async throws {
        let database = try ConsultDatabase(path: path)
        _ = try await database.moveDeadline(
            of: survey, to: survey.window.closesAt.addingTimeInterval(86_400), actor: "test", reason: "why", at: now)
        try database.close()
        let queue = try DatabaseQueue(path: path)
        #expect(throws: DatabaseError.self) {
            try queue.write { db in try db.execute(sql: "UPDATE audit_entry SET reason = 'rewritten'") }
        }
        #expect(throws: DatabaseError.self) {
            try queue.write { db in try db.execute(sql: "DELETE FROM audit_entry") }
        }
        let reason = try await queue.read { db in try String.fetchOne(db, sql: "SELECT reason FROM audit_entry") }
        #expect(reason == "why")
    }

    @Test func aDeadlineCannotMoveBeforeTheOpening() async throws {
        let database = try ConsultDatabase(path: path)
        defer { try? database.close() }
        await #expect(throws: DeadlineRefusal.self) {
            _ = try await database.moveDeadline(
                of: survey, to: survey.window.opensAt, actor: "test", reason: "why", at: now)
        }
        #expect(try await database.auditLog().isEmpty)
    }

    @Test func roleTokensAreStoredOnlyAsHashes() async throws {
        let database = try ConsultDatabase(path: path)
        let token = try await database.createToken(role: .analyst, name: "Ana", at: now)
        #expect(try await database.principal(forToken: token, at: now).map(\.actor) == .success("analyst:Ana"))
        #expect(try await database.principal(forToken: token + "x", at: now) == .failure(.unknown))
        try database.close()
        let contents = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(contents.range(of: Data(token.utf8)) == nil)
    }

    @Test func theSigningKeyIsKeptAcrossRestarts() async throws {
        let first = try ConsultDatabase(path: path)
        guard case .accepted(let accepted) = try await first.submit(try answers(), to: survey, receivedAt: now) else {
            Issue.record("refused")
            return
        }
        try first.close()
        let second = try ConsultDatabase(path: path)
        defer { try? second.close() }
        #expect(second.receipts.problem(with: accepted.receipt) == nil)
        #expect(try second.integrityCheck() == "ok")
    }
}
