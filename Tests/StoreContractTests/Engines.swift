import ConsultCore
import ConsultStore
import Foundation
import SurveyFiles
import Testing

/// One engine under the store contract. Each test opens the same empty database through two
/// store instances, as two consult nodes behind a load balancer would, and works with them only
/// through ``ConsultStorage``.
struct Engine: Sendable, CustomTestStringConvertible {
    let name: String
    /// Opens `count` stores on one new, empty database; the returned closure removes it.
    let openNodes: @Sendable (_ count: Int) async throws -> (nodes: [any ConsultStorage], remove: @Sendable () async -> Void)

    var testDescription: String { name }

    /// Every engine the contract runs on.
    static let all: [Engine] = [.sqlite]

    /// One SQLite file in a new temporary folder, opened by `count` pools (each with its own writer).
    static let sqlite = Engine(name: "SQLite") { count in
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("contract-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("consult.sqlite").path
        var nodes: [ConsultDatabase] = []
        for _ in 0..<count { nodes.append(try ConsultDatabase(path: path)) }
        let opened = nodes
        return (opened, {
            for node in opened { try? node.close() }
            try? FileManager.default.removeItem(at: folder)
        })
    }

    /// Runs `body` with two nodes on one new database, removed afterwards even when `body` throws.
    func withTwoNodes(_ body: (any ConsultStorage, any ConsultStorage) async throws -> Void) async throws {
        let (nodes, remove) = try await openNodes(2)
        do {
            try await body(nodes[0], nodes[1])
        } catch {
            await remove()
            throw error
        }
        await remove()
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
