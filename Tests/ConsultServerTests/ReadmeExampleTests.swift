import ConsultCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// The README's `curl` example posts Scripts/examples/ai-risk-submission.json to the shipped risk assessment.
@Suite struct ReadmeExampleTests {
    @Test func theReadmeSubmissionIsAcceptedAndScored() async throws {
        let server = try TestServer(now: Date(), surveyFile: "Surveys/ai-risk-assessment.yaml")
        defer { server.remove() }
        let body = try Data(contentsOf: repositoryFile("Scripts/examples/ai-risk-submission.json"))
        let readme = try String(contentsOf: repositoryFile("README.md"), encoding: .utf8)
        #expect(readme.contains("-d @Scripts/examples/ai-risk-submission.json"))
        try await server.run { client in
            let created = try await client.executeRequest(
                uri: "/api/v1/surveys/ai-risk-assessment/submissions", method: .post,
                headers: [.contentType: "application/json"], body: .init(data: body))
            #expect(created.status == .created, "\(String(buffer: created.body))")
            let reply = try JSONDecoder().decode(JSONValue.self, from: Data(buffer: created.body))
            let read = try await client.send(
                .get, "/api/v1/submissions/\(reply["id"]?.string ?? "")", token: reply["edit_token"]?.string)
            // privacy: likelihood 4 × impact 3 = 12, "high"; nothing reaches 17.
            #expect(read.body["level"] == .string("high"))
            #expect(read.body["region"] == .string("Western Europe"))
            // The result: the level with the score that set it, each section's scores, meaning and next steps.
            let result = try #require(reply["result"])
            #expect(read.body["result"] == result)
            #expect(result["level"] == .string("high"))
            #expect(result["level_label"] == .string("High"))
            #expect(result["score"] == .number(12))
            #expect(result["score_id"] == .string("privacy_risk"))
            #expect(result["meaning"]?.string?.isEmpty == false)
            guard case .array(let steps)? = result["next_steps"], case .array(let sections)? = result["sections"] else {
                Issue.record("next_steps and sections must be lists: \(result)")
                return
            }
            #expect(steps.count >= 3)
            #expect(sections.compactMap { $0["id"]?.string }
                == ["lawfulness", "harm", "autonomy", "fairness", "governance", "safeguards"])
            let lawfulness = try #require(sections.first)
            #expect(lawfulness["score"] == .number(9))
            #expect(lawfulness["level"] == .string("medium"))
            guard case .array(let scores)? = lawfulness["scores"] else {
                Issue.record("a section's scores must be a list")
                return
            }
            #expect(scores.compactMap { $0["score"] } == [.number(6), .number(9)])
        }
    }
}
