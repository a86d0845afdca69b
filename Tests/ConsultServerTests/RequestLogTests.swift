import ConsultCore
import ConsultServer
import ConsultStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import Synchronization
import Testing

/// What a test logger received: each line's level, message and metadata (the logger's and the call's).
final class CapturedLog: Sendable {
    struct Line: Sendable {
        let level: Logger.Level
        let message: String
        let metadata: [String: String]

        /// The line as a log file would show it, to search for what must never be there.
        var text: String { message + " " + metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ") }
    }

    let lines = Mutex<[Line]>([])

    /// A logger at info that writes here.
    func logger() -> Logger {
        var logger = Logger(label: "consult-test") { _ in Handler(log: self) }
        logger.logLevel = .info
        return logger
    }

    struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var metadataProvider: Logger.MetadataProvider?
        var logLevel: Logger.Level = .info

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { _, new in new }
            let line = Line(level: event.level, message: event.message.description, metadata: all.mapValues { "\($0)" })
            log.lines.withLock { $0.append(line) }
        }
    }
}

@Suite struct RequestLogTests {
    @Test func eachRequestLogsOneLineWithItsRouteTemplateAndIdButNoSecretsAndProblemsCarryTheId() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let organizer = try await server.token(.organizer)
        let log = CapturedLog()
        let reason = "Reason-\(UUID().uuidString)"
        let answerText = "Answer-\(UUID().uuidString)"
        let answers = validAnswers.merging(["which": .string(answerText)]) { $1 }
        let (ids, secrets) = try await server.run(logger: log.logger()) { client in
            var ids: [String] = []
            func note(_ headers: HTTPFields) throws {
                ids.append(try #require(headers[HTTPField.Name("X-Request-Id")!]))
            }
            let survey = try await client.send(.get, "/api/v1/surveys/consult-test")
            #expect(survey.status == .ok)
            try note(survey.headers)

            let submitted = try await client.submit(answers, headers: [HTTPField.Name("X-Request-Id")!: "client-chosen"])
            #expect(submitted.status == .created)
            try note(submitted.headers)
            let editToken = submitted.body["edit_token"]?.string ?? ""

            let draft = try await client.send(.post, "/api/v1/surveys/consult-test/drafts")
            try note(draft.headers)
            let draftID = try #require(draft.body["id"]?.string), resume = try #require(draft.body["resume_token"]?.string)
            let link = try await client.send(.get, "/s/consult-test/resume/\(draftID)?token=\(resume)")
            #expect(link.status == .ok)
            try note(link.headers)

            let moved = try await client.send(
                .put, "/api/v1/surveys/consult-test/deadline",
                json: .object(["closes_at": .string("2025-11-12T18:00:00+01:00"), "reason": .string(reason)]), token: organizer)
            #expect(moved.status == .ok)
            try note(moved.headers)

            let missing = try await client.send(.get, "/api/v1/nowhere/\(resume)?token=\(organizer)")
            #expect(missing.status == .notFound)
            try note(missing.headers)
            // The problem document names the same id as the header and the log line.
            #expect(missing.body["request_id"]?.string == ids.last)
            return (ids, [organizer, resume, draftID, editToken, reason, answerText, "client-chosen", "nowhere"].filter { !$0.isEmpty })
        }
        let lines = log.lines.withLock { $0 }.filter { $0.message == "request" }
        #expect(lines.count == 6, "\(lines.map(\.text))")
        #expect(lines.allSatisfy { $0.level == .info })
        #expect(lines.map { $0.metadata["request_id"] ?? "" } == ids)
        #expect(Set(ids).count == ids.count && ids.allSatisfy { $0.wholeMatch(of: /[0-9a-f]{12}/) != nil })
        #expect(lines.map { $0.metadata["method"] ?? "" } == ["GET", "POST", "POST", "GET", "PUT", "GET"])
        #expect(lines.map { $0.metadata["route"] ?? "" } == [
            "/api/v1/surveys/{survey_id}", "/api/v1/surveys/{survey_id}/submissions", "/api/v1/surveys/{survey_id}/drafts",
            "/s/{survey_id}/resume/{draft_id}", "/api/v1/surveys/{survey_id}/deadline", "unmatched",
        ])
        #expect(lines.map { $0.metadata["status"] ?? "" } == ["200", "201", "201", "200", "200", "404"])
        #expect(lines.allSatisfy { ($0.metadata["duration_ms"]).flatMap(Double.init) != nil })
        #expect(lines.allSatisfy { $0.metadata["hb.request.id"] == nil }, "one id per request, not two")
        let everything = log.lines.withLock { $0 }.map(\.text).joined(separator: "\n")
        for secret in secrets { #expect(!everything.contains(secret), "the log holds \(secret)") }
    }
}
