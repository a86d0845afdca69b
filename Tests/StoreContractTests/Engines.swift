import ConsultCore
import ConsultPostgres
import ConsultStore
import Foundation
import PostgresTestSupport
import SurveyFiles
import Testing

/// The roles the contract checks: those both engines have (the reading room, campaigns and position
/// papers follow as the PostgreSQL engine takes them over).
typealias ContractStore = CoreStorage

/// One engine under the store contract. Each test opens the same empty database through two
/// stores, as two consult nodes behind a load balancer would, and works with them only through
/// the role protocols.
struct Engine: Sendable, CustomTestStringConvertible {
    let name: String
    /// Runs `body` with `count` stores on one new, empty database, removed afterwards.
    let withNodes: @Sendable (_ count: Int, _ body: ([any ContractStore]) async throws -> Void) async throws -> Void

    var testDescription: String { name }

    /// Every engine the contract runs on.
    static let all: [Engine] = [.sqlite, .postgres]

    /// One SQLite file in a new temporary folder, opened by `count` pools (each with its own writer).
    static let sqlite = Engine(name: "SQLite") { count, body in
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("contract-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("consult.sqlite").path
        // Opened at once, as nodes starting together would.
        let nodes = try await withThrowingTaskGroup(of: ConsultDatabase.self) { group in
            for _ in 0..<count { group.addTask { try ConsultDatabase(path: path) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        defer { for node in nodes { try? node.close() } }
        try await body(nodes)
    }

    /// A new database on the test process's throw-away PostgreSQL cluster, opened by `count` clients.
    static let postgres = Engine(name: "PostgreSQL") { count, body in
        try await PostgresTestDatabase.with { _, url in
            let location = try PostgresLocation(parsing: url)
            // Opened at once, as nodes starting together would: the migrations and the keys are made once.
            let nodes = try await withThrowingTaskGroup(of: PostgresStore.self) { group in
                for _ in 0..<count { group.addTask { try await PostgresStore.open(location) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            defer { for node in nodes { try? node.close() } }
            try await body(nodes)
        }
    }

    /// Runs `body` with two nodes on one new database.
    func withTwoNodes(_ body: (any ContractStore, any ContractStore) async throws -> Void) async throws {
        try await withNodes(2) { nodes in try await body(nodes[0], nodes[1]) }
    }
}

/// The shipped survey the contract submits to, and answers to it.
enum ContractSurvey {
    static let survey: Survey = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        // The shipped file is checked by its own tests; a broken one fails every contract test here.
        return try! SurveyFile.load(path: root.appendingPathComponent("Surveys/neurotech-2025.yaml").path)
    }()

    /// A day while the survey is open.
    static let whileOpen = Date(timeIntervalSince1970: 1_760_000_000)

    /// Checked answers from a respondent of `sector`.
    static func answers(sector: String = "academia", familiarity: Double = 4, country: String = "BR") throws -> AnswerSet {
        guard case .matrix(let items, _)? = survey.question("rights_concern")?.kind else {
            throw ContractFailure("the survey has no matrix question rights_concern")
        }
        return try survey.check([
            "sector": .string(sector), "country": .string(country), "organisation_size": .string("size_1_9"),
            "familiarity": .number(familiarity), "technologies_known": .array([.string("eeg_erp")]),
            "rights_concern": .object(Dictionary(uniqueKeysWithValues: items.map { ($0.id.rawValue, JSONValue.number(3)) })),
            "publication": .string("public_anonymous"),
        ], as: .submission)
    }
}

struct ContractFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension SubmissionOutcome {
    /// The accepted submission, or a failure naming the outcome.
    func accepted() throws -> AcceptedSubmission {
        guard case .accepted(let accepted) = self else { throw ContractFailure("not accepted: \(self)") }
        return accepted
    }

    var isRefusedAsLate: Bool {
        if case .refused(.closed, _, _) = self { return true }
        return false
    }
}
