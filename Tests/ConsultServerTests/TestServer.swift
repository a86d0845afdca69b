import ConsultCore
import ConsultServer
import ConsultStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import SurveyFiles
import Synchronization
import Testing

/// A clock the tests set and move; each `now()` may also advance it by a fixed step.
final class ManualClock: InstantSource {
    private let state: Mutex<(now: Date, step: TimeInterval)>

    init(_ now: Date, step: TimeInterval = 0) {
        state = Mutex((now, step))
    }

    func now() -> Date {
        state.withLock { state in
            let now = state.now
            state.now = now.addingTimeInterval(state.step)
            return now
        }
    }

    func set(_ date: Date, step: TimeInterval = 0) {
        state.withLock { $0 = (date, step) }
    }
}

/// A file of this repository.
func repositoryFile(_ relative: String) -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(relative)
}

/// The deadline of the test survey: 2025-11-10T17:00:00Z.
let testDeadline = Date(timeIntervalSince1970: 1_762_794_000)

/// A small survey with every question type, conditional questions and a score.
let testSurveyYAML = """
    id: consult-test
    title: Test consultation
    language: en
    time_zone: Europe/Vienna
    opens_at: 2025-09-01T00:00:00Z
    closes_at: 2025-11-10T18:00:00+01:00
    respondent:
      sector_question: sector
      country_question: country
      publication_question: publication
    sectors:
      - {id: law_enforcement, label: Law enforcement, keywords: [police, customs]}
      - {id: academia, label: Academia, keywords: [university]}
    sections:
      - id: profile
        title: About you
        questions:
          - {id: sector, type: single_choice, text: Sector, required: true, other: true}
          - {id: country, type: country, text: Country, required: true}
          - {id: name, type: text, text: Name, max_length: 20, personal: true}
          - {id: email, type: email, text: E-mail, personal: true}
          - {id: years, type: number, text: Years, min: 0, max: 60, integer: true}
      - id: views
        title: Views
        questions:
          - id: uses
            type: single_choice
            text: Do you use it?
            required: true
            options: [{id: "yes", label: "Yes"}, {id: "no", label: "No"}]
          - {id: which, type: text, text: Which?, max_length: 50, required: true, show_if: {question: uses, equals: "yes"}}
          - id: tools
            type: multiple_choice
            text: Tools
            min_picks: 1
            max_picks: 2
            other: true
            options: [{id: eeg, label: EEG}, {id: fmri, label: fMRI}, {id: tms, label: TMS}]
          - id: likelihood
            type: scale
            text: Likelihood
            required: true
            points: [{value: 1, label: Low}, {value: 2, label: Medium}, {value: 3, label: High}]
          - id: concerns
            type: matrix
            text: Concerns
            required: true
            items: [{id: privacy, label: Privacy}, {id: consent, label: Consent}]
            points: [{value: 1, label: Low}, {value: 2, label: High}]
          - {id: publication, type: single_choice, text: Publication, required: true}
    scoring:
      levels: [{id: low, label: Low}, {id: high, label: High}]
      scores:
        - id: risk
          label: Risk
          sum: [likelihood, concerns]
          bands: [{min: 0, max: 4, level: low}, {min: 5, max: 7, level: high}]
    """

/// A valid, complete set of answers to the test survey.
let validAnswers: [String: JSONValue] = [
    "sector": .string("academia"),
    "country": .string("AT"),
    "name": .string("Ada"),
    "email": .string("ada@example.org"),
    "years": .number(12),
    "uses": .string("yes"),
    "which": .string("EEG headsets"),
    "tools": .array([.string("eeg"), .object(["choice": .string("other"), "other": .string("eye tracking")])]),
    "likelihood": .number(3),
    "concerns": .object(["privacy": .number(2), "consent": .number(1)]),
    "publication": .string("public_named"),
]

/// A temporary database folder and the test survey, for starting the real server on loopback.
struct TestServer {
    let folder: URL
    let clock: ManualClock
    let survey: Survey

    /// `surveyFile` names a file of the repository to serve instead of the test survey.
    init(now: Date = testDeadline.addingTimeInterval(-86_400), surveyFile: String? = nil) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("consult-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        clock = ManualClock(now)
        if let surveyFile {
            survey = try SurveyFile.load(path: repositoryFile(surveyFile).path)
        } else {
            survey = try SurveyFile.parse(testSurveyYAML, file: "consult-test.yaml")
        }
    }

    var databasePath: String { folder.appendingPathComponent("consult.sqlite").path }

    func openDatabase() throws -> ConsultDatabase {
        try ConsultDatabase(path: databasePath)
    }

    /// Creates a role token in the database (before the server starts).
    func token(_ role: Role) async throws -> String {
        let database = try openDatabase()
        defer { try? database.close() }
        return try await database.createToken(role: role, name: "tester", at: clock.now())
    }

    /// Starts the real server on a free loopback port, runs `test`, and stops it (closing the database).
    func run<Value: Sendable>(
        _ setup: TestingSetup = .live, clock: (any InstantSource)? = nil, rateLimit: Int = 0,
        deployment: Deployment = Deployment(), logger given: Logger? = nil,
        _ test: @Sendable (any TestClientProtocol) async throws -> Value
    ) async throws -> Value {
        let consultation = Consultation(surveys: [survey], database: try openDatabase(), clock: clock ?? self.clock)
        var logger = Logger(label: "consult-test")
        logger.logLevel = .warning
        if let given { logger = given }
        // The test client keeps one connection between its requests, and a test may do long work between
        // two of them on a loaded machine: the idle limit (15 s by default, ConnectionLimitsTests checks
        // it) must not close the connection under it.
        let app = try buildApplication(
            consultation, address: ServerAddress(host: "127.0.0.1", port: 0), rateLimit: rateLimit,
            deployment: deployment, connections: ConnectionLimits(idleTimeout: .seconds(600)), logger: logger)
        return try await app.test(setup) { client in try await test(client) }
    }

    func remove() {
        try? FileManager.default.removeItem(at: folder)
    }
}

extension TestClientProtocol {
    /// Sends `body` as JSON with optional headers and returns the status and the decoded body.
    func send(
        _ method: HTTPRequest.Method, _ uri: String, json body: JSONValue? = nil, token: String? = nil,
        headers extra: HTTPFields = [:]
    ) async throws -> (status: HTTPResponse.Status, body: JSONValue, headers: HTTPFields) {
        var headers = extra
        if body != nil { headers[.contentType] = "application/json" }
        if let token { headers[.authorization] = "Bearer \(token)" }
        let response = try await executeRequest(
            uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0.canonicalText) })
        let bytes = Data(buffer: response.body)
        let decoded = bytes.isEmpty ? JSONValue.null : (try? JSONDecoder().decode(JSONValue.self, from: bytes)) ?? .string(String(decoding: bytes, as: UTF8.self))
        return (response.status, decoded, response.headers)
    }

    func submit(_ answers: [String: JSONValue], headers: HTTPFields = [:]) async throws
        -> (status: HTTPResponse.Status, body: JSONValue, headers: HTTPFields)
    {
        try await send(.post, "/api/v1/surveys/consult-test/submissions", json: .object(["answers": .object(answers)]), headers: headers)
    }
}

extension JSONValue {
    subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }
}
